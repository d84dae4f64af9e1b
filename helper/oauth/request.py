"""The client-credentials request and response (RFC 6749 §4.4, §5), pure: no I/O, loaded only on a miss."""

from __future__ import annotations

import math
from urllib.parse import parse_qsl

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import ConfigError, TokenEndpointRejected, one_line
from rightbrain_helper.jsonin import JsonInputError, loads_bounded
from rightbrain_helper.oauth.client_auth import TokenRequest
from rightbrain_helper.secret_forms import redact
from rightbrain_helper.token.client_auth import client_auth_for
from rightbrain_helper.token.entry import MAX_LIFETIME, Token, is_valid_token_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rightbrain_helper.ports import HttpResponse
    from rightbrain_helper.settings.model import Settings

RESERVED_PARAMS = frozenset(
    {
        "grant_type",
        "scope",
        "audience",
        "resource",
        "client_id",
        "client_secret",
        "client_assertion",
        "client_assertion_type",
    }
)
MIN_LIFETIME = 1.0  # a shorter expires_in is refused: the token would expire before any tool could use it
MAX_RESPONSE_CHARS = 1024 * 1024  # the transport reads at most 1 MiB; a longer answer is not a token response
CLIENT_REFUSED = (401, 403)  # statuses that refuse the client even without an OAuth error body
EXCERPT_SOURCE_BYTES = 4096  # how much of an unexpected body is read (and masked) to make its excerpt
ERROR_HINTS = {
    "invalid_client": "check client_id and the client's credentials",  # the method's refusal_hint replaces it
    "invalid_scope": "check scope (--scope, RIGHTBRAIN_SCOPE or scope in the profile)",
    "unauthorized_client": "this client may not use the client_credentials grant; check the client at the issuer",
    "invalid_request": "check audience, resource, extra_params and client_auth",
    "unsupported_grant_type": "the issuer does not offer client_credentials here; check token_url",
    "invalid_target": "check resource and audience",
    "invalid_grant": "check the client's grant settings at the issuer",
}


def build_request(settings: Settings, credential: str, endpoint: str, now: float) -> TokenRequest:
    """The token request for `endpoint` at `now`, the client authenticated one way only: by its client_auth
    method (token/client_auth.py) with `credential`. ConfigError for a reserved name in extra_params."""
    form = [("grant_type", "client_credentials")]
    if settings.scope:
        form.append(("scope", settings.scope))
    if settings.audience:
        form.append(("audience", settings.audience))
    form += [("resource", resource) for resource in settings.resources]
    for name, value in settings.extra_params:
        if name in RESERVED_PARAMS:
            raise ConfigError(f"extra_params may not set {name!r}; use the setting made for it")
        form.append((name, value))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
        "User-Agent": f"{PROJECT}/{__version__}",
    }
    request = TokenRequest(endpoint, now, form, headers)
    client_auth_for(settings).decorate(request, settings, credential)
    return request


def parse_success(response: HttpResponse, settings: Settings, sent_at: float, secret: str) -> Token:
    """A Token from a 2xx answer, or TokenEndpointRejected saying what is wrong with it."""
    body = _decode_body(response, secret)
    if "error" in body:
        raise error_from_body(response, body, settings, secret)
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TokenEndpointRejected("the token endpoint's answer has no access_token; check token_url")
    if not is_valid_token_text(access_token):
        raise TokenEndpointRejected("the access_token holds spaces or non-ASCII characters, so no tool could send it")
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        shown = _clean(str(token_type), secret, 40)
        raise TokenEndpointRejected(f"token_type is {shown!r}, not Bearer; only Bearer tokens can be handed to tools")
    lifetime = _lifetime(body.get("expires_in"), settings.default_lifetime)
    scope = body.get("scope")
    granted = one_line(scope, 1000) if isinstance(scope, str) else settings.scope
    return Token(
        access_token=access_token,
        token_type="Bearer",
        expires_at=sent_at + lifetime,
        obtained_at=sent_at,
        scope=granted,
        profile=settings.profile,
        token_url=settings.token_url,
        client_id=settings.client_id,
    )


def error_from_response(response: HttpResponse, settings: Settings, secret: str) -> TokenEndpointRejected:
    """The one-line error for a 4xx answer (or an error object sent with any status). A 401 or 403 without an
    OAuth error (an empty, HTML or plain-text body, as some servers answer a wrong secret) is the client refused."""
    try:
        body = _decode_body(response, secret)
    except TokenEndpointRejected as exc:
        if response.status in CLIENT_REFUSED:
            return _client_refused(settings, describe_body(response, secret))
        return exc
    return error_from_body(response, body, settings, secret)


def error_from_body(
    response: HttpResponse, body: dict[str, Any], settings: Settings, secret: str
) -> TokenEndpointRejected:
    """RFC 6749 §5.2: name the code, the status, the server's description, and the setting to check."""
    code = body.get("error")
    if not isinstance(code, str) or not code:
        if response.status in CLIENT_REFUSED:
            return _client_refused(settings, f"HTTP {response.status} without an OAuth error code")
        return TokenEndpointRejected(f"token endpoint answered HTTP {response.status} without an OAuth error code")
    code = _clean(code, secret, 60)
    description = body.get("error_description")
    said = f": {_clean(description, secret, 200)}" if isinstance(description, str) and description else ""
    hint = _hint(code, settings)
    return TokenEndpointRejected(
        f"token endpoint refused ({code}, HTTP {response.status}){said}; {hint} ({_where(settings)})"
    )


def _client_refused(settings: Settings, answer: str) -> TokenEndpointRejected:
    """A 401 or 403 that names no OAuth error (`answer` says what came instead): most often a wrong client id,
    secret or client_auth, so the same hint as invalid_client."""
    return TokenEndpointRejected(
        f"token endpoint refused the client ({answer}); {_hint('invalid_client', settings)} ({_where(settings)})"
    )


def _hint(code: str, settings: Settings) -> str:
    """What to check after the OAuth error `code`; for invalid_client, what the client_auth method names."""
    if code == "invalid_client":
        return client_auth_for(settings).refusal_hint
    return ERROR_HINTS.get(code, "see the issuer's documentation for this error code")


def _where(settings: Settings) -> str:
    """Which profile and client a refusal is about."""
    return f"profile {settings.profile!r}, client {settings.client_id!r}"


def describe_body(response: HttpResponse, secret: str) -> str:
    """Status, content type and a short, sanitized excerpt of a body that is not what we expected."""
    content_type = _clean(response.headers.get("content-type", "no content type"), secret, 60)
    text = redact(response.body[:EXCERPT_SOURCE_BYTES].decode("utf-8", "replace"), secret)
    excerpt = _clean(_strip_tags(text), secret, 120) or "empty body"
    return f"HTTP {response.status} ({content_type}): {excerpt}"


def _decode_body(response: HttpResponse, secret: str) -> dict[str, Any]:
    """The body as a dict: JSON, or (as some old servers send) form-encoded; else a clear error."""
    text = response.body.decode("utf-8", "replace")
    try:
        body = loads_bounded(text, max_chars=MAX_RESPONSE_CHARS)
    except JsonInputError as exc:
        content_type = response.headers.get("content-type", "")
        form_encoded = "x-www-form-urlencoded" in content_type or "text/plain" in content_type
        if form_encoded and len(text) <= MAX_RESPONSE_CHARS:
            pairs = parse_qsl(text.strip())
            if pairs:
                return dict(pairs)
        raise TokenEndpointRejected(f"token endpoint answer {exc}: {describe_body(response, secret)}") from None
    if not isinstance(body, dict):
        raise TokenEndpointRejected(f"token endpoint answer is not a JSON object: {describe_body(response, secret)}")
    return body


def _lifetime(expires_in: object, default: float) -> float:
    """expires_in as seconds, capped at MAX_LIFETIME; the configured default when absent.

    A JSON number, or a string of ASCII digits with an optional fraction (some servers quote it). Refused with
    TokenEndpointRejected: anything else (bool, NaN, infinity, a number too large for a float, "1e3", unicode
    digits) and any lifetime under MIN_LIFETIME (0, negative, 0.5), which would hand out a token already expired."""
    if expires_in is None:
        return float(default)
    value = _seconds(expires_in)
    shown = one_line(str(expires_in)[:80], 40)
    if value is None:
        raise TokenEndpointRejected(f"expires_in is {shown!r}, not a positive number of seconds")
    if value < MIN_LIFETIME:
        raise TokenEndpointRejected(
            f"expires_in is {shown!r}: less than {MIN_LIFETIME:g} s, so the token would be expired before any tool "
            "could use it; check the client's token lifetime at the issuer"
        )
    return min(value, MAX_LIFETIME)


def _seconds(raw: object) -> float | None:
    """A finite float from a JSON number or a plain decimal string; None for anything else."""
    if isinstance(raw, str):
        raw = _decimal(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        value = float(raw)
    except OverflowError:  # an integer beyond the float range
        return None
    return value if math.isfinite(value) else None


def _decimal(text: str) -> float | None:
    """ASCII digits with an optional fraction ("3600", "3599.5") as a float (inf if too long); else None."""
    whole, dot, fraction = text.partition(".")
    digits = whole + fraction
    if not whole or (dot and not fraction) or not (digits.isascii() and digits.isdigit()):
        return None
    return float(text)


def _strip_tags(text: str) -> str:
    """Drop <...> markup so an HTML error page reads as its text."""
    out, inside = [], False
    for ch in text:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
            out.append(" ")
        elif not inside:
            out.append(ch)
    return "".join(out)


def _clean(text: str, secret: str, limit: int) -> str:
    """One line of at most `limit` characters, masked before it is collapsed and again before it is cut, so
    neither step can leave (or join up) a piece of the secret."""
    collapsed = one_line(redact(text[: limit + EXCERPT_SOURCE_BYTES], secret), limit + EXCERPT_SOURCE_BYTES)
    return one_line(redact(collapsed, secret), limit)
