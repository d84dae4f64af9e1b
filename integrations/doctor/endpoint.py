"""The one token request `doctor` makes: through the runtime's transport (so TLS, proxies and ca_bundle are the
token path's own), one attempt, no cache read or written, and a record of the exchange (when it was sent and
answered, status and headers, or the transport's failure) for the reachability, TLS and clock checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError, TransportFailure

if TYPE_CHECKING:
    from rightbrain_helper.ports import Clock, HttpResponse, Transport
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token


class Exchange:
    """One POST as the transport saw it: sent_at and answered_at (clock seconds), then either the answer's
    status and lower-cased headers or the transport's failure."""

    def __init__(self, sent_at: float) -> None:
        self.sent_at = sent_at
        self.answered_at = sent_at
        self.status = 0
        self.headers: dict[str, str] = {}
        self.failure: TransportFailure | None = None


class RecordingTransport:
    """A transport that passes each POST to `inner` and keeps the last exchange."""

    def __init__(self, inner: Transport, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.exchange: Exchange | None = None

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> HttpResponse:
        """inner.post_form, recorded."""
        exchange = self.exchange = Exchange(self.clock.now())
        try:
            response = self.inner.post_form(url, form, headers, timeout, total_timeout)
        except TransportFailure as exc:
            exchange.failure = exc
            raise
        finally:
            exchange.answered_at = self.clock.now()
        exchange.status, exchange.headers = response.status, dict(response.headers)
        return response


class Probe:
    """The outcome: the token (never shown) or the error, the exchange (None when no request went out), and
    which CAs and proxy requests uses for the token URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token: Token | None = None
        self.error: HelperError | None = None
        self.exchange: Exchange | None = None
        self.trusted = ("", "")
        self.proxy = ""


def probe_token_endpoint(settings: Settings, secret: str, runtime: Runtime) -> Probe:
    """Make one token request for `settings` (one attempt, within settings.deadline), bypassing the cache."""
    from rightbrain_helper.oauth.fetch import fetch_token  # noqa: PLC0415  (requests loads here)
    from rightbrain_helper.oauth.transport import proxy_for, trusted_cas  # noqa: PLC0415

    probe = Probe(settings)
    probe.trusted = trusted_cas(settings.ca_bundle)
    try:
        probe.proxy = proxy_for(settings.token_url)
    except ValueError:  # a token URL no parser takes: fetch_token's own check names it
        probe.proxy = ""
    recording: RecordingTransport | None = None
    try:
        recording = RecordingTransport(runtime.service.transport_factory(settings), runtime.clock)
        probe.token = fetch_token(settings, secret, recording, runtime.clock, runtime.log, max_attempts=1)
        runtime.log.mask(probe.token.access_token)
    except HelperError as exc:
        probe.error = exc
    probe.exchange = recording.exchange if recording is not None else None
    return probe
