"""The seams the core is built on: a Clock and a Transport. Type-only; the hot path never imports typing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings


class Clock(Protocol):
    """Wall-clock seconds since the epoch, and a way to wait."""

    def now(self) -> float:
        """Return the current time in seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (retry back-off goes through here)."""


class HttpResponse(Protocol):
    """What a transport returns: status, lower-cased headers and the raw body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    """Sends one form POST; raises TransportFailure for connection errors and timeouts. No retries here."""

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> HttpResponse:
        """POST `form` to `url` and return the response, whatever its status. `timeout` is (connect, read) seconds
        per socket operation; `total_timeout` bounds the whole exchange, connect to last byte, in seconds of wall
        time: past it, TransportFailure (retryable)."""


TransportFactory: TypeAlias = "Callable[[Settings], Transport]"
