"""Token revocation (RFC 7009): tell the issuer a token the helper drops is no longer wanted.

POST `token` and `token_type_hint=access_token` to the issuer's revocation_endpoint (from its metadata),
authenticated as the token request is. One attempt within REVOKE_SECONDS; HTTP 200 means revoked (or already
unknown to the server, RFC 7009 §2.2). Anything else is a warning, never an error: the token was dropped from the
cache either way, and it expires on its own. Loaded only when a token is dropped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rightbrain_helper.errors import HelperError, TransportFailure
from rightbrain_helper.oauth.issuer import endpoint_for, resolve_issuer
from rightbrain_helper.oauth.request import build_request, describe_body, error_from_response
from rightbrain_helper.secret_forms import redact, secret_forms

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.oauth.client_auth import TokenRequest
    from rightbrain_helper.ports import Clock, HttpResponse, Transport
    from rightbrain_helper.settings.model import Settings

REVOKE_SECONDS = 10.0  # one attempt, at most this long (or `deadline`, if shorter)
CLIENT_AUTH_FIELDS = frozenset({"client_id", "client_secret", "client_assertion", "client_assertion_type"})


def revoke(
    settings: Settings, access_token: str, credential: str, transport: Transport, *, clock: Clock, log: Log
) -> bool:
    """Revoke `access_token` at the issuer of `settings`, the client authenticated by its client_auth method with
    `credential` as for a token request; True if the issuer answered 200. Never raises a HelperError: a missing
    revocation endpoint is a debug line, every failure one warning."""
    log.mask(access_token)
    try:
        resolved = resolve_issuer(settings, transport, clock, log)
        url = endpoint_for(resolved, "revocation")
        if not url:
            log.debug(f"issuer {settings.issuer or settings.token_url} names no revocation_endpoint; not revoked")
            return False
        request = revocation_request(resolved, access_token, credential, clock.now())
    except HelperError as exc:
        log.warn(f"the dropped token was not revoked: {exc}")
        return False
    sent = request.sent
    for form_of_secret in secret_forms(sent) if sent else ():
        log.mask(form_of_secret)
    log.mask(request.headers.get("Authorization", "").removeprefix("Basic "))
    seconds = min(REVOKE_SECONDS, settings.deadline)
    host = urlsplit(url).netloc
    try:
        timeout = (min(settings.connect_timeout, seconds), min(settings.read_timeout, seconds))
        response = transport.post_form(url, request.form, request.headers, timeout, seconds)
    except TransportFailure as exc:
        log.warn(f"revocation at {host} failed: {redact(str(exc), sent)}; the token stays valid until it expires")
        return False
    if response.status == 200:
        log.debug(f"revoked the dropped token at {url}")
        return True
    log.warn(
        f"revocation at {host} failed ({_refusal(response, resolved, sent)}); the token stays valid until it expires"
    )
    return False


def revocation_request(settings: Settings, access_token: str, credential: str, now: float) -> TokenRequest:
    """The revocation request (RFC 7009 §2.1): the token, its type hint, and the client authenticated exactly as
    for the token request (its headers and client authentication fields, nothing of the grant). An assertion's
    audience is the token endpoint, as for the token request (private_key_aud)."""
    request = build_request(settings, credential, settings.token_url, now)
    auth_fields = [(name, value) for name, value in request.form if name in CLIENT_AUTH_FIELDS]
    request.form = [("token", access_token), ("token_type_hint", "access_token"), *auth_fields]
    return request


def _refusal(response: HttpResponse, settings: Settings, secret: str) -> str:
    """What the revocation endpoint said: the OAuth error (RFC 7009 §2.2.1, RFC 6749 §5.2) or the body's gist."""
    if 400 <= response.status < 500:
        return str(error_from_response(response, settings, secret)).replace("token endpoint", "revocation endpoint")
    return describe_body(response, secret)
