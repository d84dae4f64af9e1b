"""Authorization server metadata discovery: the OpenID Connect document first, then the RFC 8414 one.

One GET per document (the well-known URLs are in urls.py), within what is left of the fetch's deadline, through
the same transport as the token request (so `ca_bundle`, proxies and "no redirects" apply alike). The first
document that answers 200 with a JSON object naming a token endpoint is used; one naming another issuer is an
error at once (RFC 8414 §3.3), never a reason to try the next. Loaded only on a cache miss.
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import ConfigError, TokenEndpointUnavailable, TransportFailure, one_line
from rightbrain_helper.jsonin import JsonInputError, loads_bounded
from rightbrain_helper.oauth.metadata import IssuerMetadata, parse_metadata
from rightbrain_helper.oauth.urls import check_issuer_url, well_known_urls

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rightbrain_helper.log import Log
    from rightbrain_helper.ports import Clock, HttpResponse, Transport
    from rightbrain_helper.settings.model import Settings

    Getter = Callable[[str, dict[str, str], tuple[float, float], float], HttpResponse]

MAX_DOCUMENT_CHARS = 1024 * 1024
MIN_SECONDS = 0.5  # a request with less time than this left would only time out
ADVICE = "check issuer, or set token_url instead"  # ends the no-document message (doctor gives its own fix)


class NoDocument(Exception):
    """One well-known URL gave no usable document; `transient` for a network failure, a timeout, 5xx or 429."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def discover(settings: Settings, transport: Transport, clock: Clock, log: Log, give_up_at: float) -> IssuerMetadata:
    """The metadata of `settings.issuer`, fetched now; `give_up_at` is the deadline in clock seconds.

    Raise ConfigError for a bad issuer URL, a document naming another issuer, or when every document answered
    and none was usable; TokenEndpointUnavailable when one of them could not be had (network, 5xx, timeout);
    TokenEndpointRejected for a document with an unusable token endpoint."""
    issuer = settings.issuer
    check_issuer_url(issuer)
    get: Getter | None = getattr(transport, "get", None)
    if get is None:
        raise ConfigError(f"issuer {issuer}: this transport cannot fetch discovery documents; set token_url")
    failures: list[NoDocument] = []
    for _kind, url in well_known_urls(issuer):
        try:
            document = _fetch_document(get, url, settings, clock, give_up_at)
        except NoDocument as failure:
            log.debug(f"discovery: {failure}")
            failures.append(failure)
            continue
        metadata = parse_metadata(document, issuer, url, clock.now())
        log.debug(f"discovery: {url} names token endpoint {metadata.token_endpoint}")
        for note in metadata.notes:
            log.debug(f"discovery: {note}")
        return metadata
    reasons = "; ".join(str(failure) for failure in failures)
    message = f"issuer {issuer}: no discovery document ({reasons}); {ADVICE}"
    if any(failure.transient for failure in failures):
        raise TokenEndpointUnavailable(message)
    raise ConfigError(message)


def _fetch_document(get: Getter, url: str, settings: Settings, clock: Clock, give_up_at: float) -> object:
    """The decoded JSON at `url`, or NoDocument saying what came instead."""
    remaining = give_up_at - clock.now()
    if remaining < MIN_SECONDS:
        raise NoDocument(f"{url}: no time left within deadline ({settings.deadline:g} s)", transient=True)
    timeout = (min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining))
    headers = {"Accept": "application/json", "User-Agent": f"{PROJECT}/{__version__}"}
    try:
        response = get(url, headers, timeout, remaining)
    except TransportFailure as exc:
        raise NoDocument(f"{url}: {exc}", transient=True) from None
    if response.status != 200:
        transient = response.status == 429 or response.status >= 500
        raise NoDocument(f"{url} answered HTTP {response.status}", transient=transient)
    try:
        return loads_bounded(response.body.decode("utf-8", "replace"), max_chars=MAX_DOCUMENT_CHARS)
    except JsonInputError as exc:
        raise NoDocument(f"{url} answer {one_line(str(exc), 80)}", transient=False) from None
