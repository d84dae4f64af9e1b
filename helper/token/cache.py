"""The shared token cache: one private file per key, read without a lock, replaced atomically, refreshed under
a per-key kernel lock so that many processes starting at once make one token request.

Layout in the cache directory (0700): `<key>.token` (the entry, 0600) and `<key>.lock` (the refresh lock, 0600,
never deleted: unlinking a lock file lets two processes hold "the" lock, filelock #574).
"""

from __future__ import annotations

import os
import time

from rightbrain_helper.errors import CacheError
from rightbrain_helper.private_files import (
    MissingFile,
    UnsafeFile,
    digest,
    ensure_private_dir,
    read_private_file,
    write_private_atomic,
)
from rightbrain_helper.token.entry import Token, decode, encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager

    from rightbrain_helper.log import Log
    from rightbrain_helper.settings.model import Settings

TOKEN_SUFFIX = ".token"
LOCK_SUFFIX = ".lock"
STALE_TEMP_SECONDS = 600  # no write takes this long; a temp file this old belongs to a crashed writer


def cache_key(settings: Settings, secret_fingerprint: str) -> str:
    """A hash over everything that changes which token the issuer would grant; never the secret itself."""
    parts = [
        "token-key-v1",
        settings.token_url,
        settings.client_id,
        secret_fingerprint,
        settings.client_auth,
        settings.scope,
        settings.audience,
        str(len(settings.resources)),
        *settings.resources,
        str(len(settings.extra_params)),
    ]
    for name, value in settings.extra_params:
        parts += [name, value]
    return digest(*parts)[:40]


class LockTimeout(Exception):
    """The refresh lock could not be taken in time."""


class TokenCache:
    """The files of one cache directory."""

    def __init__(self, directory: str, log: Log | None = None) -> None:
        self.directory = directory
        self.log = log

    def read(self, key: str, *, quiet: bool = False) -> Token | None:
        """The entry for `key`, or None when it is missing, unsafe (symlink, not ours, not private) or corrupt.

        An unsafe file is worth a warning (someone or something put it there), a corrupt one a debug line; `quiet`
        for a second look at a file already reported."""
        try:
            token = decode(read_private_file(self._path(key, TOKEN_SUFFIX)))
        except MissingFile:
            return None
        except UnsafeFile as exc:
            if self.log is not None and not quiet:
                self.log.warn(f"ignoring cache entry {key[:12]}: {exc}; a fetched token will replace it")
            return None
        if token is None and self.log is not None and not quiet:
            self.log.debug(f"cache entry {key[:12]} is not in the expected format; a fetched token will replace it")
        return token

    def write(self, key: str, token: Token) -> None:
        """Atomically replace the entry for `key` (a bad file or a symlink there is replaced, never followed)."""
        self.ensure_directory()
        path = self._path(key, TOKEN_SUFFIX)
        write_private_atomic(path, encode(token))
        self._remove_stale_temp_files(os.path.basename(path))

    def _remove_stale_temp_files(self, entry_name: str) -> None:
        """Delete temp files a crashed writer left beside the entry; young ones may be another writer's, in use."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for name in os.listdir(self.directory):
            if name.startswith(entry_name + ".") and name.endswith(".tmp"):
                path = os.path.join(self.directory, name)
                try:
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                except OSError:
                    pass

    def remove(self, key: str) -> bool:
        """Delete the entry for `key`; True if there was one."""
        try:
            os.unlink(self._path(key, TOKEN_SUFFIX))
        except FileNotFoundError:
            return False
        return True

    def lock(self, key: str, timeout: float) -> AbstractContextManager[object]:
        """The per-key refresh lock: a kernel lock (flock), finite wait, no silent fallback to a soft lock."""
        from rightbrain_helper.token.lock import refresh_lock  # noqa: PLC0415  (filelock loads only on a miss)

        self.ensure_directory()
        return refresh_lock(self._path(key, LOCK_SUFFIX), timeout)

    def entries(self) -> Iterator[tuple[str, Token | None]]:
        """Every entry file's key and token (None when unreadable), sorted by key."""
        try:
            names = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return
        for name in names:
            if name.endswith(TOKEN_SUFFIX):
                key = name[: -len(TOKEN_SUFFIX)]
                yield key, self.read(key)

    def ensure_directory(self) -> None:
        """Create the directory 0700, or refuse one that is a symlink or someone else's."""
        try:
            ensure_private_dir(self.directory)
        except (OSError, UnsafeFile) as exc:
            raise CacheError(
                f"cache directory {self.directory} cannot be used: {exc}; fix it or set RIGHTBRAIN_CACHE_DIR"
            ) from None

    def _path(self, key: str, suffix: str) -> str:
        """The file for `key` with `suffix`."""
        return os.path.join(self.directory, key + suffix)
