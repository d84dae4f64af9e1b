"""What the one token request shows, one line each: the endpoint answered, TLS (and against which CAs), the
clock against the server's Date header, and the token granted (lifetime and scope; never the token) or the
refusal with its OAuth error code and the hint for it."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rightbrain_helper.errors import HelperError, TokenEndpointRejected

from .checks import Check, fail, info, ok

if TYPE_CHECKING:
    from .context import Doctor
    from .endpoint import Exchange, Probe

MAX_SKEW = 30.0  # seconds: beyond this the clock is wrong enough to matter
MAX_DATE_CHARS = 64  # an HTTP-date is 29 characters; anything much longer is not one


def endpoint_checks(doctor: Doctor) -> list[Check]:
    """Reachable, TLS, clock and token: four lines from one request (one line when none could be made)."""
    try:
        doctor.secret()
    except HelperError:
        try:
            doctor.settings()
        except HelperError:
            return []  # the profile check said why
        return [info("token endpoint: not contacted, as there is no client credential to send (see above)")]
    try:
        doctor.token_settings()
    except HelperError:
        return [info("token endpoint: not contacted, as the issuer's metadata was not discovered (see above)")]
    probe = doctor.probe()
    if probe.exchange is None:
        return [fail(f"token endpoint: {probe.error}")]  # the URL or ca_bundle, refused before any request
    return [reachable(probe, probe.exchange), tls(probe, probe.exchange), clock(probe.exchange), granted(probe)]


def reachable(probe: Probe, exchange: Exchange) -> Check:
    """An HTTP answer came back (any status), or what kept it away."""
    url = probe.settings.token_url
    route = f"via proxy {probe.proxy}" if probe.proxy else "direct, no proxy"
    failure = exchange.failure
    if failure is None:
        took = exchange.answered_at - exchange.sent_at
        return ok(f"token endpoint {url}: answered HTTP {exchange.status} in {took:.2f} s ({route})")
    if failure.kind == "tls":
        return ok(f"token endpoint {url}: connected ({route}); the TLS handshake failed (next line)")
    named = f"the token endpoint issuer {probe.settings.issuer} names" if probe.settings.issuer else "token_url"
    return fail(
        f"token endpoint {url}: {failure} ({route}); fix: check {named}, the network and the proxy settings "
        "(HTTPS_PROXY, NO_PROXY)"
    )


def tls(probe: Probe, exchange: Exchange) -> Check:
    """TLS verified against which CAs; or why not, and how to trust a private CA."""
    parts = urlsplit(probe.settings.token_url)
    if parts.scheme != "https":
        return info(f"TLS: not used (plain http to {parts.hostname}, a loopback host)")
    cas, origin = probe.trusted
    host = parts.netloc
    if exchange.failure is None:
        return ok(f"TLS: the certificate of {host} verified against {cas} ({origin})")
    if exchange.failure.kind != "tls":
        return info("TLS: not checked, as no connection was made")
    reason = str(exchange.failure).partition(";")[0]
    return fail(
        f"TLS: {host}: {reason}, against {cas} ({origin}); fix: if the issuer uses a private CA, set ca_bundle "
        f'= "/path/to/ca.pem" in [profiles.{probe.settings.profile}]'
    )


def clock(exchange: Exchange) -> Check:
    """This machine's clock against the server's Date header (RFC 9110 §6.6.1), allowing for the request's
    round trip and the header's one-second resolution."""
    date = exchange.headers.get("date", "")
    if exchange.failure is not None:
        return info("clock: not checked, as no answer came")
    if not date:
        return info("clock: not checked, as the token endpoint sent no Date header")
    try:
        server = parsedate_to_datetime(date[:MAX_DATE_CHARS]).timestamp() + 0.5  # stamped within that second
    except (TypeError, ValueError, OverflowError, IndexError):
        return info("clock: not checked, as the token endpoint's Date header is not an HTTP date")
    middle = (exchange.sent_at + exchange.answered_at) / 2
    slack = (exchange.answered_at - exchange.sent_at) / 2 + 0.5
    skew = server - middle
    if abs(skew) - slack <= MAX_SKEW:
        return ok(f"clock: within {max(abs(skew), slack):.0f} s of the token endpoint's clock (its Date header)")
    direction = "behind" if skew > 0 else "ahead of"
    return fail(
        f"clock: this machine is {abs(skew):.0f} s {direction} the token endpoint's clock (its Date header), more "
        f"than {MAX_SKEW:.0f} s; "
        "token expiry shared with other machines (the fleet tier), signed client assertions and servers checking "
        "token times depend on it; fix: set the time right, e.g. turn on NTP (timedatectl set-ntp true)"
    )


def granted(probe: Probe) -> Check:
    """The token: type, lifetime and scope as granted (never the token), or the refusal naming its OAuth error."""
    token, settings = probe.token, probe.settings
    if token is None:
        if probe.exchange is not None and probe.exchange.failure is not None:
            return info("token request: no answer (see above)")
        prefix = "" if isinstance(probe.error, TokenEndpointRejected) else "no usable answer: "
        return fail(f"token request: {prefix}{probe.error}")
    lifetime = token.expires_at - token.obtained_at
    scope = token.scope or "(none)"
    asked = f" (asked for {settings.scope})" if settings.scope and settings.scope != token.scope else ""
    if lifetime <= settings.min_valid:
        return fail(
            f"token request: the token lives {lifetime:.0f} s, no longer than min_valid ({settings.min_valid:g} s), "
            f"so every call fetches a new one; fix: lower min_valid in [profiles.{settings.profile}]"
        )
    return ok(
        f"token request (bypassing the cache): a {token.token_type} token valid for {lifetime:.0f} s, scope "
        f"{scope}{asked}; never shown"
    )
