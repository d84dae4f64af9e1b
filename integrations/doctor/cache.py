"""The cache directory, by the token path's own policy (token/cache.py: ours, private, not a symlink), and its
refresh lock, taken and released with a short wait. Nothing is created: a directory not there yet is
information (the first token creates it)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from rightbrain_helper.errors import CacheUnavailable, HelperError, LockTimeout
from rightbrain_helper.token.cache import LOCK_SUFFIX, TokenCache, entry_key, is_entry_name

from .checks import Check, fail, info, ok

if TYPE_CHECKING:
    from .context import Doctor

LOCK_WAIT = 2.0  # seconds; a refresh holds the lock for one token request, far less when the issuer is well


def cache_checks(doctor: Doctor) -> list[Check]:
    """The directory (CacheError and CacheUnavailable name the fix), then its lock for this profile's key."""
    try:
        directory = doctor.config().cache_dir
    except HelperError:
        return []  # config_file_check said why
    cache = TokenCache(directory)
    try:
        present = cache.check_directory()
    except HelperError as exc:
        return [fail(f"cache: {exc}")]
    except CacheUnavailable as exc:
        return [
            fail(
                f"cache: {exc}; tokens are fetched uncached meanwhile; fix: make it usable or point "
                "RIGHTBRAIN_CACHE_DIR at another directory"
            )
        ]
    if not present:
        return [info(f"cache directory {directory}: not there yet; the first token creates it (mode 0700)")]
    return [ok(f"cache directory {directory}: {_describe(directory)}"), *_lock_check(doctor, cache)]


def _describe(directory: str) -> str:
    """Owner, mode and how many entries, for the line of a directory that passed the policy."""
    mode = stat.S_IMODE(os.lstat(directory).st_mode)
    try:
        count = sum(1 for name in os.listdir(directory) if is_entry_name(name))
    except OSError as exc:
        return f"yours, mode {mode:04o}, not listable ({exc.strerror})"
    return f"yours, mode {mode:04o}, {count} cached token(s)"


def _lock_check(doctor: Doctor, cache: TokenCache) -> list[Check]:
    """Take and release the refresh lock of this profile's cache key, waiting at most LOCK_WAIT seconds."""
    try:
        settings = doctor.settings()
        key = entry_key(settings)
    except HelperError:
        return [info("cache lock: not checked, as the cache key needs the profile and its secret (see above)")]
    path = os.path.join(cache.directory, key + LOCK_SUFFIX)
    wait = min(LOCK_WAIT, settings.lock_timeout)
    try:
        with cache.lock(key, wait):
            pass
    except LockTimeout:
        return [
            fail(
                f"cache lock {path}: another process has held it for more than {wait:g} s (a refresh that hangs?); "
                f"tokens are fetched without it after lock_timeout; fix: find the process with `fuser {path}` and "
                "end it"
            )
        ]
    except HelperError as exc:
        return [fail(f"cache lock: {exc}")]
    except CacheUnavailable as exc:
        return [
            fail(
                f"cache lock: {exc}; fix: make the cache directory writable, or point RIGHTBRAIN_CACHE_DIR "
                "at one that is"
            )
        ]
    return [ok(f"cache lock {path}: taken and released")]
