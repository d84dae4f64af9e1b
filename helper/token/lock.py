"""The refresh lock, the one module that imports filelock (only when a token must be fetched)."""

from __future__ import annotations

import errno
from contextlib import contextmanager
from typing import TYPE_CHECKING

import filelock

from rightbrain_helper.errors import CacheUnavailable, LockTimeout

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def refresh_lock(path: str, timeout: float) -> Iterator[None]:
    """Hold an exclusive kernel lock on `path` (0600) for the block; raise LockTimeout after `timeout` seconds,
    CacheUnavailable when the lock file cannot be used (a symlink or a directory there, a read-only or full
    filesystem, no permission, no flock).

    fallback_to_soft=False: on a filesystem without flock we fail closed instead of silently taking an
    existence lock that a crash would leave stale; the caller then goes on without the lock. The lock file is
    left in place on release (filelock >= 3.29.5). O_NOFOLLOW (filelock >= 3.20.3) keeps a symlink unfollowed.
    """
    lock = filelock.FileLock(path, timeout=timeout, mode=0o600, fallback_to_soft=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockTimeout(path) from None
    except OSError as exc:
        raise CacheUnavailable(f"cannot take the cache lock {path}: {_reason(exc)}") from None
    try:
        yield
    finally:
        lock.release()


def _reason(error: OSError) -> str:
    """Why the lock file cannot be used, in words (a symlink shows up as ELOOP, thanks to O_NOFOLLOW)."""
    if error.errno == errno.ENOSYS:
        return "the filesystem does not support flock"
    if error.errno == errno.ELOOP:
        return "it is a symlink, which the helper never follows"
    return error.strerror or str(error)
