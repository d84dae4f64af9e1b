"""The refresh lock, the one module that imports filelock (only when a token must be fetched)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import filelock

from rightbrain_helper.token.cache import LockTimeout

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def refresh_lock(path: str, timeout: float) -> Iterator[None]:
    """Hold an exclusive kernel lock on `path` (0600) for the block; raise LockTimeout after `timeout` seconds.

    fallback_to_soft=False: on a filesystem without flock we fail closed instead of silently taking an
    existence lock that a crash would leave stale. The lock file is left in place on release (filelock >= 3.29.5).
    """
    lock = filelock.FileLock(path, timeout=timeout, mode=0o600, fallback_to_soft=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockTimeout(path) from None
    try:
        yield
    finally:
        lock.release()
