"""One token request with bounded retries: back-off with jitter on network errors, 5xx and 429 (honouring
Retry-After, capped), all within an overall deadline of wall time, connect to last byte; no retry on any other
answer."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_tz
from urllib.parse import urlencode, urlsplit

from rightbrain_helper.errors import TokenEndpointRejected, TokenEndpointUnavailable, TransportFailure, one_line
from rightbrain_helper.oauth.request import build_request, describe_body, error_from_response, parse_success
from rightbrain_helper.oauth.urls import check_token_url
from rightbrain_helper.secret_forms import redact, secret_forms

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.oauth.client_auth import TokenRequest
    from rightbrain_helper.ports import Clock, HttpResponse, Transport
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

MAX_ATTEMPTS = 5
FIRST_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 20.0
MAX_DELTA_SECONDS = float(2**31)  # RFC 9111 §1.2.2: the value to assume for a delta-seconds too large to hold
MIN_ATTEMPT_SECONDS = 0.5  # a retry with less time than this left would only time out


def fetch_token(
    settings: Settings,
    credential: str,
    transport: Transport,
    clock: Clock,
    log: Log,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> Token:
    """POST the client-credentials request until it succeeds, is refused, or the retry budget is spent; every
    attempt, and all of them together, end within `settings.deadline` seconds. Retries are debug lines: a failure
    is one error (TokenEndpointRejected or TokenEndpointUnavailable) saying how many attempts took how long.
    `credential` is the client_auth method's (token/auth_base.py); each attempt is built afresh, so a signed
    assertion is never sent twice. `max_attempts` = 1 makes exactly one request (`doctor`)."""
    endpoint = settings.token_url  # the hook for discovery: any endpoint URL (an mTLS alias) may be given here
    check_token_url(endpoint)
    host = urlsplit(endpoint).netloc
    started = clock.now()
    give_up_at = started + settings.deadline
    problem = ""
    for attempt in range(1, max_attempts + 1):
        remaining = give_up_at - clock.now()
        if remaining <= 0:  # a back-off that overran the deadline (a suspended machine); config.py keeps it > 0
            raise _give_up(host, attempt - 1, clock.now() - started, problem)
        timeout = (min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining))
        sent_at = clock.now()
        request = build_request(settings, credential, endpoint, sent_at)
        sent = request.sent
        _mask_request(log, request)
        _log_request(log, settings, attempt, request.form, request.headers)
        try:
            response = transport.post_form(endpoint, request.form, request.headers, timeout, remaining)
        except TransportFailure as exc:
            problem, retry_after = redact(str(exc), sent), None
            if not exc.retryable:
                raise TokenEndpointUnavailable(f"token endpoint {host}: {problem}") from None
        else:
            log.debug(f"token endpoint answered HTTP {response.status}")
            if not _is_transient(response.status):
                return _settle(response, settings, sent_at, sent)
            problem = describe_body(response, sent)
            retry_after = _retry_after(response.headers.get("retry-after", ""), clock.now())
        delay = _delay(attempt, retry_after)
        if attempt == max_attempts or clock.now() + delay + MIN_ATTEMPT_SECONDS > give_up_at:
            raise _give_up(host, attempt, clock.now() - started, problem)
        log.debug(f"token endpoint {host}: {problem}; retrying in {delay:.1f} s")
        clock.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _mask_request(log: Log, request: TokenRequest) -> None:
    """Mask the credential as sent in every form a server may echo it and the debug lines show it, and the
    Authorization header's credentials exactly as sent, whole."""
    for form_of_secret in secret_forms(request.sent) if request.sent else ():
        log.mask(form_of_secret)
    log.mask(request.headers.get("Authorization", "").removeprefix("Basic "))


def _log_request(
    log: Log, settings: Settings, attempt: int, form: list[tuple[str, str]], headers: dict[str, str]
) -> None:
    """The request as sent, for --verbose. The credentials in it are shown as *** by the log's mask, which
    fetch_token has given every form of the secret: this line is what tests of that mask watch."""
    if log.verbose:
        sent = ", ".join(f"{name}: {value}" for name, value in headers.items())
        log.debug(f"POST {settings.token_url} (attempt {attempt}, client_auth {settings.client_auth}) {sent}")
        log.debug(f"request body: {urlencode(form)}")


def _give_up(host: str, attempts: int, elapsed: float, problem: str) -> TokenEndpointUnavailable:
    """The error after the last attempt: how many were made over how long, the last failure, and what to check."""
    made = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    return TokenEndpointUnavailable(
        f"token endpoint {host} failed {made} over {elapsed:.1f} s, last: {problem}; "
        "check token_url, the network and proxy settings, or try again later"
    )


def _is_transient(status: int) -> bool:
    """5xx and 429 may pass; everything else is the server's final word."""
    return status == 429 or status >= 500


def _settle(response: HttpResponse, settings: Settings, sent_at: float, secret: str) -> Token:
    """A token from a 2xx; the matching error for anything else."""
    if 200 <= response.status < 300:
        return parse_success(response, settings, sent_at, secret)
    if 300 <= response.status < 400:
        target = one_line(redact(response.headers.get("location", "elsewhere")[:4096], secret), 120)
        raise TokenEndpointRejected(
            f"token endpoint redirected (HTTP {response.status}) to {target}; "
            "set token_url to the final URL (redirects are not followed with the secret)"
        )
    raise error_from_response(response, settings, secret)


def _delay(attempt: int, retry_after: float | None) -> float:
    """Retry-After when the server gave one (capped), else exponential back-off with full jitter above half."""
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    ceiling = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311  (jitter, not cryptography)


def _retry_after(value: str, now: float) -> float | None:
    """Retry-After as seconds from `now` (RFC 9110 §10.2.3), or None to ignore it.

    delta-seconds: ASCII digits only; more than 2^31 counts as 2^31 (RFC 9111 §1.2.2), so a huge value means
    "not within the deadline", never an overflow. An HTTP-date (IMF-fixdate, RFC 850 or asctime; GMT): the
    seconds until then, 0 if it has passed. Anything else (a sign, a fraction, unicode digits, a date that
    cannot exist, garbage) is ignored."""
    value = value.strip(" \t")
    if not value or not value.isascii():
        return None
    if value.isdigit():
        return min(float(value), MAX_DELTA_SECONDS)
    try:
        parsed = parsedate_tz(value)
        if parsed is None:
            return None
        moment = datetime(*parsed[:6], tzinfo=UTC).timestamp() - (parsed[9] or 0)
    except (ValueError, OverflowError, TypeError, IndexError):  # a day, hour or year no calendar has
        return None
    return max(moment - now, 0.0)
