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


LAST_RFC3339_SECOND = 253402300799  # 9999-12-31T23:59:59Z: RFC 3339 years have four digits


def rfc3339(timestamp: float) -> str:
    """UTC, whole seconds rounded down (never later than the moment given), Z suffix.

    Total: a moment before 1970 (or NaN) prints as 1970-01-01T00:00:00Z, one after year 9999 (or infinity) as
    9999-12-31T23:59:59Z; the cache decoder already refuses such times, this keeps every printer from crashing."""
    if not timestamp >= 0:
        timestamp = 0
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(min(timestamp, LAST_RFC3339_SECOND)))
