"""What `doctor` reports about the issuer: one (ok, line) per check, never raising for what the issuer does.

check_issuer runs discovery and every check; `doctor` (integrations/doctor/issuer.py) discovers once itself, so
that the token request it makes goes to the endpoint found, and uses method_check and revocation_line for the
same words.
"""

from __future__ import annotations

from rightbrain_helper.errors import HelperError
from rightbrain_helper.oauth.issuer import endpoint_for, metadata_for, with_metadata
from rightbrain_helper.oauth.metadata import REGISTERED_NAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.oauth.metadata import IssuerMetadata
    from rightbrain_helper.ports import Clock, Transport
    from rightbrain_helper.settings.model import Settings


def check_issuer(settings: Settings, transport: Transport, clock: Clock, log: Log) -> list[tuple[bool, str]]:
    """Discovery asked afresh (and cached), then: which document answered, the endpoints in use, and whether the
    token endpoint lists our client authentication method (False when it lists others only). Without an issuer,
    one line of information."""
    if not settings.issuer:
        return [(True, f"token_url {settings.token_url} (no issuer set, so nothing to discover and no revocation)")]
    try:
        metadata, _ = metadata_for(settings, transport, clock, log, clock.now() + settings.deadline, refresh=True)
    except HelperError as exc:
        return [(False, str(exc))]
    resolved = with_metadata(settings, metadata)
    return [
        (True, f"issuer {settings.issuer}: metadata from {metadata.source}"),
        (True, f"token endpoint {endpoint_for(resolved, 'token')}"),
        (True, revocation_line(resolved)),
        method_check(settings, metadata),
    ]


def revocation_line(resolved: Settings) -> str:
    """The revocation endpoint of settings carrying metadata (with_metadata), or that there is none."""
    revocation = endpoint_for(resolved, "revocation")
    return f"revocation endpoint {revocation}" if revocation else "no revocation endpoint: tokens are only dropped"


def method_check(settings: Settings, metadata: IssuerMetadata) -> tuple[bool, str]:
    """Whether the issuer's token endpoint lists our client_auth: False only when it lists others alone."""
    name = REGISTERED_NAMES.get(settings.client_auth, settings.client_auth)
    if metadata.auth_methods is None:
        return True, "the issuer lists no token endpoint authentication methods (RFC 8414: client_secret_basic)"
    shown = settings.client_auth if name == settings.client_auth else f"{settings.client_auth} ({name})"
    if metadata.supports(settings.client_auth):
        return True, f"client_auth {shown} is among the methods the issuer lists"
    listed = ", ".join(metadata.auth_methods)
    return False, f"the issuer lists {listed}, not {name} (client_auth = {settings.client_auth}): set client_auth"
