"""The fleet tier, when shared_cache is set: fleet.admin.check_shared_cache (the extra installed, the URL, TLS,
and each Redis command the tier sends tried on a probe key, so the ACL is checked too). No line when it is off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from .checks import Check, from_pairs

if TYPE_CHECKING:
    from .context import Doctor


def fleet_checks(doctor: Doctor) -> list[Check]:
    """check_shared_cache's lines, each marked fine or failed."""
    try:
        settings = doctor.settings()
    except HelperError:
        return []
    if not settings.shared_cache:
        return []
    from rightbrain_helper.fleet.admin import check_shared_cache  # noqa: PLC0415  (redis-py loads here)

    return from_pairs(check_shared_cache(settings), "fleet tier: ")
