"""Token requests to an issuer configured by `issuer` instead of `token_url` (docs/issuers.md).

The metadata comes from the disk cache while younger than `discovery_lifetime`, else from discovery (and a
cached copy that is too old still serves when discovery cannot be reached). When cached metadata leads to a
connection failure or a 404 at the token endpoint, the issuer is asked again once, in case its endpoints moved.
Loaded only on a token cache miss (and by revocation and `doctor`).
"""

from __future__ import annotations

from rightbrain_helper.errors import TokenEndpointRejected, TokenEndpointUnavailable, TransportFailure
from rightbrain_helper.oauth.discovery import discover
from rightbrain_helper.oauth.fetch import MIN_ATTEMPT_SECONDS, fetch_token
from rightbrain_helper.oauth.metadata import REGISTERED_NAMES
from rightbrain_helper.oauth.metadata_store import is_fresh, load_metadata, save_metadata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.oauth.metadata import IssuerMetadata
    from rightbrain_helper.ports import Clock, HttpResponse, Transport
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

FIELDS = {"token": "token_endpoint", "revocation": "revocation_endpoint"}


def endpoint_for(settings: Settings, purpose: str) -> str:
    """The URL for `purpose`, "token" or "revocation": the configured token_url (and no revocation endpoint)
    without an issuer; with one, the endpoint from `settings.metadata` (settings as resolve_issuer returns them),
    or its RFC 8705 §5 mtls_endpoint_aliases entry when a client certificate (`tls_client_cert`) is set. "" when
    the issuer has none. ValueError for another purpose."""
    if purpose not in FIELDS:
        raise ValueError(f"unknown endpoint purpose {purpose!r}; use one of {sorted(FIELDS)}")
    metadata = settings.metadata
    if metadata is None:
        return settings.token_url if purpose == "token" and not settings.issuer else ""
    if getattr(settings, "tls_client_cert", ""):
        alias = metadata.mtls_aliases.get(FIELDS[purpose], "")
        if alias:
            return alias
    return metadata.token_endpoint if purpose == "token" else metadata.revocation_endpoint


def with_metadata(settings: Settings, metadata: IssuerMetadata) -> Settings:
    """A copy of `settings` carrying `metadata`, its token_url the discovered token endpoint."""
    resolved = settings.replace(metadata=metadata)
    resolved.token_url = endpoint_for(resolved, "token")
    return resolved


def resolve_issuer(settings: Settings, transport: Transport, clock: Clock, log: Log) -> Settings:
    """`settings` with the issuer's metadata (cached or discovered now); unchanged without an issuer. Raises as
    discover() does."""
    if not settings.issuer:
        return settings
    metadata, _ = metadata_for(settings, transport, clock, log, clock.now() + settings.deadline)
    return with_metadata(settings, metadata)


def metadata_for(
    settings: Settings, transport: Transport, clock: Clock, log: Log, give_up_at: float, *, refresh: bool = False
) -> tuple[IssuerMetadata, bool]:
    """(metadata, whether it was discovered just now): the cached copy while fresh (unless `refresh`), else
    discovered and cached; a cached copy of any age when the issuer cannot be reached (with a warning)."""
    cached = load_metadata(settings.cache_dir, settings.issuer, log) if settings.use_cache else None
    if cached is not None and not refresh and is_fresh(cached, settings.discovery_lifetime, clock.now()):
        log.debug(f"issuer {settings.issuer}: metadata from the cache ({cached.source})")
        return cached, False
    try:
        metadata = discover(settings, transport, clock, log, give_up_at)
    except TokenEndpointUnavailable as exc:
        if cached is None:
            raise
        log.warn(f"{exc}; using the metadata discovered {clock.now() - cached.fetched_at:.0f} s ago")
        return cached, False
    if settings.use_cache:
        save_metadata(settings.cache_dir, metadata, log, clock.now())
    return metadata, True


def fetch_from_issuer(settings: Settings, secret: str, transport: Transport, clock: Clock, log: Log) -> Token:
    """fetch_token at the issuer's token endpoint, all within `settings.deadline`. With metadata from the cache,
    a first attempt that cannot connect (or a 404) makes the issuer be discovered once more; then the request
    is made, with its retries, at the endpoint the issuer names now."""
    give_up_at = clock.now() + settings.deadline
    metadata, fresh = metadata_for(settings, transport, clock, log, give_up_at)
    warn_unsupported(settings, metadata, log)
    if fresh:
        return fetch_token(with_metadata(settings, metadata), secret, transport, clock, log)
    watch = StaleEndpointWatch(transport)
    try:
        return fetch_token(with_metadata(settings, metadata), secret, watch, clock, log)
    except (TokenEndpointUnavailable, TokenEndpointRejected) as exc:
        if not watch.stale:
            raise
        failure = exc
    log.debug(f"{failure}; discovering issuer {settings.issuer} again in case its endpoints moved")
    metadata, _ = metadata_for(settings, transport, clock, log, give_up_at, refresh=True)
    remaining = give_up_at - clock.now()
    if remaining < MIN_ATTEMPT_SECONDS:
        raise failure
    resolved = with_metadata(settings, metadata).replace(deadline=remaining)
    return fetch_token(resolved, secret, transport, clock, log)


def warn_unsupported(settings: Settings, metadata: IssuerMetadata, log: Log) -> None:
    """One warning when the issuer lists its token endpoint's authentication methods and ours is not one."""
    if not metadata.supports(settings.client_auth):
        name = REGISTERED_NAMES.get(settings.client_auth, settings.client_auth)
        listed = ", ".join(metadata.auth_methods or ())
        log.warn(
            f"issuer {settings.issuer} lists token_endpoint_auth_methods_supported {listed}, not {name} "
            f"(client_auth = {settings.client_auth}); the token request may be refused: set client_auth to one "
            "it lists"
        )


class StaleEndpointWatch:
    """A transport that notes signs of a moved endpoint: a 404, or a first attempt that gets no answer (which
    it makes final, so that rediscovery comes before the retries, not after them)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.stale = False
        self.attempts = 0

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> HttpResponse:
        """Pass the request on, watching what comes back."""
        self.attempts += 1
        try:
            response = self.transport.post_form(url, form, headers, timeout, total_timeout)
        except TransportFailure as exc:
            if self.attempts > 1:
                raise
            self.stale = True
            raise TransportFailure(str(exc), retryable=False) from None
        if response.status == 404:
            self.stale = True
        return response
