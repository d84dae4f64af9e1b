"""The shared token cache: one private file per key, read without a lock, replaced atomically, refreshed under
a per-key kernel lock so that many processes starting at once make one token request.

Layout in the cache directory (0700): `<key>.token` (the entry, 0600) and `<key>.lock` (the refresh lock, 0600,
never deleted: unlinking a lock file lets two processes hold "the" lock, filelock #574).

Two kinds of trouble, kept apart: a directory the helper must not use (a symlink, someone else's, open to others)
is a CacheError (exit 6) for every command; an OS error on any cache path is CacheUnavailable, after which the
token path goes on without the cache and status and clear report it.
"""

from __future__ import annotations

import os
import time

from rightbrain_helper.errors import CacheError, CacheUnavailable
from rightbrain_helper.private_files import (
    DirectoryInTheWay,
    MissingFile,
    UnsafeDirectory,
    UnsafeFile,
    check_private_dir,
    digest,
    ensure_private_dir,
    read_private_file,
)
from rightbrain_helper.settings.model import KEY_SETTINGS
from rightbrain_helper.token.client_auth import client_auth_for
from rightbrain_helper.token.entry import Token, decode, encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from rightbrain_helper.log import Log
    from rightbrain_helper.settings.model import Settings

TOKEN_SUFFIX = ".token"
LOCK_SUFFIX = ".lock"
KEY_LENGTH = 40
HEX_DIGITS = frozenset("0123456789abcdef")
# The one size rule for entries, on both sides: write only what read accepts. A 256 KiB token fits with room for
# the other fields; the token response may be larger (transport.MAX_BODY_BYTES, 1 MiB), and a token too large to
# cache is used uncached with a warning, never written and then refused.
MAX_ENTRY_BYTES = 512 * 1024
DIRECTORY_FIX = "point RIGHTBRAIN_CACHE_DIR at a directory only you can enter (a new path is created 0700)"


def cache_key(settings: Settings, credential_fingerprint: str) -> str:
    """A hash over everything that changes which token the issuer would grant (settings.model says what that
    is): the KEY_SETTINGS by value, the client_auth method's key parts and `credential_fingerprint` (its
    credential_fingerprint(): a hash of the secret or private key, never the credential), and the TLS client
    certificate. ConfigError when a file the key depends on (a private key, a certificate) cannot be read."""
    method = client_auth_for(settings)
    parts = ["token-key-v2"]
    for name in KEY_SETTINGS:
        parts += _flattened(method.name if name == "client_auth" else getattr(settings, name))  # aliases resolved
    parts.append(credential_fingerprint)
    parts += _flattened(method.key_parts(settings))
    if settings.tls_client_cert:  # mutual TLS: the certificate is part of who the client is (RFC 8705)
        from rightbrain_helper.token.tls_identity import tls_key_parts  # noqa: PLC0415  (only with a certificate)

        parts += _flattened(tls_key_parts(settings))
    return digest(*parts)[:KEY_LENGTH]


def entry_key(settings: Settings) -> str:
    """The cache key of `settings`, its credential fingerprinted by its client_auth method."""
    return cache_key(settings, client_auth_for(settings).credential_fingerprint(settings))


def _flattened(value: object) -> list[str]:
    """A setting as key parts: a string as itself; a tuple (of strings or of string pairs) as its length, then
    its items: so no two different values flatten alike."""
    if isinstance(value, tuple):
        return [str(len(value)), *(part for item in value for part in _flattened(item))]
    return [str(value)]


def is_entry_name(name: str) -> bool:
    """Whether `name` is an entry file name the helper writes (<40 hex digits>.token); nothing else is touched."""
    key, suffix = name[:KEY_LENGTH], name[KEY_LENGTH:]
    return suffix == TOKEN_SUFFIX and len(key) == KEY_LENGTH and set(key) <= HEX_DIGITS


class TokenCache:
    """The files of one cache directory."""

    def __init__(self, directory: str, log: Log | None = None) -> None:
        self.directory = directory
        self.log = log

    def check_directory(self) -> bool:
        """True if the directory is there and private, False if it is not there yet. Raise CacheError for one
        never to be used, CacheUnavailable when it cannot be examined."""
        return self._directory_call(check_private_dir)

    def ensure_directory(self) -> None:
        """Create the directory 0700 if needed; raise as check_directory does (or when it cannot be created)."""
        self._directory_call(ensure_private_dir)

    def read(self, key: str, *, quiet: bool = False) -> Token | None:
        """The entry for `key`, or None when it is missing, unsafe (symlink, not ours, not private), corrupt or
        cannot be read.

        An unsafe file is worth a warning (someone or something put it there), a corrupt one a debug line; `quiet`
        for a second look at a file already reported. A directory in the entry's place is left to write()."""
        try:
            token = decode(read_private_file(self._path(key, TOKEN_SUFFIX), limit=MAX_ENTRY_BYTES))
        except MissingFile:
            return None
        except DirectoryInTheWay:
            self._note(f"cache entry {key[:12]} is a directory", warn=False, quiet=quiet)
            return None
        except UnsafeFile as exc:
            self._note(f"ignoring cache entry {key[:12]}: {exc}; a fetched token will replace it", quiet=quiet)
            return None
        if token is None:
            message = f"cache entry {key[:12]} is not in the expected format; a fetched token will replace it"
            self._note(message, warn=False, quiet=quiet)
        return token

    def write(self, key: str, token: Token) -> None:
        """Atomically replace the entry for `key` (a bad file, a symlink or an empty directory there is replaced,
        never followed); then remove crashed writers' temp files. Raise CacheUnavailable if it cannot be written
        (a token too large to cache included), CacheError if the directory must not be used."""
        from rightbrain_helper.fswrite import write_private_atomic  # noqa: PLC0415  (never on a hit)

        data = encode(token)
        if len(data) > MAX_ENTRY_BYTES:
            raise CacheUnavailable(f"the token is too large to cache ({len(data)} bytes, limit {MAX_ENTRY_BYTES})")
        self.ensure_directory()
        path = self._path(key, TOKEN_SUFFIX)
        try:
            write_private_atomic(path, data, replace_empty_dir=True)
        except OSError as exc:
            raise CacheUnavailable(f"cannot write cache entry {path}: {exc.strerror or exc}") from None
        self.remove_orphan_temps(os.path.basename(path) + ".")

    def remove(self, key: str) -> bool:
        """Delete the entry for `key` (or an empty directory in its place); True if there was one. Raise
        CacheUnavailable when it cannot be removed."""
        path = self._path(key, TOKEN_SUFFIX)
        try:
            try:
                os.unlink(path)
            except IsADirectoryError:
                os.rmdir(path)  # only an empty one goes: nothing in it can be lost
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise CacheUnavailable(f"cannot remove cache entry {path}: {exc.strerror or exc}") from None
        return True

    def remove_orphan_temps(self, prefix: str = "") -> int:
        """Remove the temp files crashed writers left beside entries whose file names start with `prefix`; a
        live writer's are kept. Best effort: the count removed."""
        from rightbrain_helper.fswrite import remove_orphan_temps  # noqa: PLC0415  (never on a hit)

        def ours(stem: str) -> bool:
            """A temp file of one of our entries: <key>.token.<pid>.<random>.tmp."""
            return stem.startswith(prefix) and is_entry_name(stem.partition(TOKEN_SUFFIX + ".")[0] + TOKEN_SUFFIX)

        return remove_orphan_temps(self.directory, ours, time.time())

    def lock(self, key: str, timeout: float) -> AbstractContextManager[object]:
        """The per-key refresh lock: a kernel lock (flock), finite wait, no silent fallback to a soft lock.
        Entering it raises LockTimeout, or CacheUnavailable when the lock file cannot be used."""
        from rightbrain_helper.token.lock import refresh_lock  # noqa: PLC0415  (filelock loads only on a miss)

        self.ensure_directory()
        return refresh_lock(self._path(key, LOCK_SUFFIX), timeout)

    def entries(self) -> Iterator[tuple[str, Token | None]]:
        """Every entry file's key and token (None when unreadable), sorted by key; raise as check_directory does,
        or CacheUnavailable when the directory cannot be listed."""
        if not self.check_directory():
            return
        try:
            names = sorted(os.listdir(self.directory))
        except OSError as exc:
            raise CacheUnavailable(f"cannot list the cache directory {self.directory}: {exc.strerror}") from None
        for name in names:
            if is_entry_name(name):
                key = name[:KEY_LENGTH]
                yield key, self.read(key, quiet=True)

    def _directory_call(self, check: Callable[[str], bool | None]) -> bool:
        """Run check_private_dir or ensure_private_dir on the directory, translating what it raises."""
        try:
            return bool(check(self.directory))
        except UnsafeDirectory as exc:
            raise CacheError(f"cache directory {self.directory} {exc}; {DIRECTORY_FIX}") from None
        except OSError as exc:
            raise CacheUnavailable(f"cannot use the cache directory {self.directory}: {exc.strerror or exc}") from None

    def _note(self, message: str, *, warn: bool = True, quiet: bool = False) -> None:
        """A warning (or a debug line) about an entry, unless `quiet` or there is no log."""
        if self.log is None or quiet:
            return
        if warn:
            self.log.warn(message)
        else:
            self.log.debug(message)

    def _path(self, key: str, suffix: str) -> str:
        """The file for `key` with `suffix`."""
        return os.path.join(self.directory, key + suffix)
