"""The clock seam: the core asks a Clock for the time, so tests can travel through a token's life."""

from __future__ import annotations

import time


class SystemClock:
    """The real clock (satisfies ports.Clock)."""

    def now(self) -> float:
        """Return time.time()."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)


def rfc3339(timestamp: float) -> str:
    """UTC, whole seconds rounded down (never later than the moment given), Z suffix."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
