"""Test seams: a fake clock and a transport that fails the test if anything tries the network."""

from __future__ import annotations

from typing import NoReturn

from rightbrain_helper.settings.model import Settings


class FakeClock:
    """A clock that moves only when told; sleeping advances it (retry back-off costs no real time)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.current = start
        self.slept: list[float] = []

    def now(self) -> float:
        """The fake time."""
        return self.current

    def sleep(self, seconds: float) -> None:
        """Record the wait and jump ahead."""
        self.slept.append(seconds)
        self.current += seconds

    def advance(self, seconds: float) -> None:
        """Travel forward."""
        self.current += seconds


class NeverTransport:
    """Any request through this transport is a test failure: proves a path made no network call."""

    def post_form(self, url: str, *args: object, **kwargs: object) -> NoReturn:
        """Fail loudly."""
        raise AssertionError(f"unexpected token request to {url}")

    def get(self, url: str, *args: object, **kwargs: object) -> NoReturn:
        """Fail loudly (a discovery request)."""
        raise AssertionError(f"unexpected discovery request to {url}")


def never_transport(settings: Settings) -> NeverTransport:
    """A transport factory for NeverTransport."""
    return NeverTransport()
