"""Where checks still to come plug in (issue 8), so that adding one touches this file only.

- `method_checks(settings)`: the client authentication method's own checks. Each method class of the
  client-authentication seam has `doctor_checks(settings) -> list[tuple[bool, str]]` (a key file readable and
  private, a certificate in date, an assertion file not expired); it is routed to here. client_secret_basic,
  basic-raw and client_secret_post have nothing beyond setup.secret_check.
- `ISSUER_CHECKS`: check functions (Doctor) -> list[Check] run after the client secret and before the token
  request: issuer.issuer_checks (`issuer = "https://..."`: the metadata found, naming the configured issuer, our
  method among token_endpoint_auth_methods_supported, the revocation endpoint and `revoke`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from .checks import Check, CheckFunction, from_pairs
from .issuer import issuer_checks

if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings

    from .context import Doctor

ISSUER_CHECKS: list[CheckFunction] = [issuer_checks]


def method_checks(settings: Settings) -> list[tuple[bool, str]]:
    """(ok, line) pairs from the client authentication method of `settings` (token/client_auth.py): the method's
    own (a private key, an assertion file) and the TLS client certificate's, with any method. The client-secret
    methods' own checks are left out: the client secret line above already reports the secret source."""
    from rightbrain_helper.settings.model import SECRET_METHODS  # noqa: PLC0415
    from rightbrain_helper.token.client_auth import client_auth_for  # noqa: PLC0415
    from rightbrain_helper.token.tls_identity import tls_doctor_checks  # noqa: PLC0415

    method = client_auth_for(settings)
    own = [] if method.name in SECRET_METHODS else method.doctor_checks(settings)
    return own + tls_doctor_checks(settings)


def client_auth_checks(doctor: Doctor) -> list[Check]:
    """method_checks as doctor lines, prefixed with the method's name."""
    try:
        settings = doctor.settings()
    except HelperError:
        return []
    return from_pairs(method_checks(settings), f"client_auth {settings.client_auth}: ")
