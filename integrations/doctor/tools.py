"""What the tool checks share: the host-list entries that name a tool, the entry a tool's request gets (asked of
the tool's own adapter, as serve() asks it: one way to resolve hosts, so doctor never disagrees with the tool),
whether an entry's profile resolves, and whether the command a tool's config runs is there."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError
from rightbrain_helper.netaddr import CLEARTEXT, join_authority
from rightbrain_helper.settings.load import resolve_settings

from ..serve import transport_is_safe
from .checks import Check, fail, ok

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rightbrain_helper.settings.hosts import HostEntry

    from ..contract import Adapter, Request
    from .context import Doctor


def listed_for(doctor: Doctor, tool: str) -> list[HostEntry]:
    """The host-list entries that name `tool` (tools = [...] or configured_by = [...]): those somebody set up
    for it. Entries for every tool (no list, RIGHTBRAIN_HOSTS) expect no tool in particular. HelperError when the
    config or its host list does not load (setup.config_file_check reports it)."""
    return [entry for entry in doctor.hosts() if entry.tools is not None and tool in entry.tools]


def entry_for(doctor: Doctor, adapter: Adapter, request: Request) -> HostEntry | None:
    """The host-list entry `adapter` answers `request` with (Adapter.lookup, exactly as serve() calls it), or
    None; HelperError as the lookup raises it (a docker entry whose username cannot be used)."""
    return adapter.lookup(request, doctor.runtime)


def cleartext_refusal(adapter: Adapter, request: Request) -> str:
    """Why serve() would answer nothing for `request` although its host is listed (plain http to a host that is
    not loopback would carry the token in clear), with the fix; "" when it answers."""
    if transport_is_safe(adapter, request):
        return ""
    secure = CLEARTEXT.get(request.scheme, "https")
    return (
        f"plain {request.scheme} to {join_authority(request.host, request.port)} would send the token in clear, so "
        f"the helper answers nothing (it allows {request.scheme} only to loopback hosts); fix: use {secure}://"
    )


def on_path(name: str, env: Mapping[str, str]) -> str:
    """`name` as found on the environment's PATH, or ""."""
    return shutil.which(name, path=env.get("PATH", os.defpath)) or ""


def missing_command(command: str, env: Mapping[str, str]) -> str:
    """Why a tool could not run `command` (an absolute path, or a name looked up on PATH); "" when it can."""
    if os.path.isabs(command):
        if os.path.isfile(command) and os.access(command, os.X_OK):
            return ""
        return f"{command} is not there or not executable (moved, or the helper reinstalled elsewhere?)"
    return "" if on_path(command, env) else f"{command} is not on PATH"


def served(doctor: Doctor, tool: str, entry: HostEntry, what: str) -> Check:
    """The line for a host `tool` sends to this helper (`what` says how): fine when its profile resolves."""
    doctor.serve(entry.name, tool)
    try:
        settings, _ = resolve_settings(doctor.config(), entry.overrides())
    except HelperError as exc:
        return fail(f"{tool}: {what}, but its profile does not resolve: {exc}")
    return ok(f"{tool}: {what} (profile {settings.profile})")
