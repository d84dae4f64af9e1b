"""Small standard-library file and hash helpers shared by the cache, the config snapshot and secret files.

These sit on the cache-hit path, so they import nothing beyond os and stat. Writing is in fswrite.py.
"""

from __future__ import annotations

import os
import stat

try:  # the builtin module is ~0.5 ms; hashlib pulls in OpenSSL for ~6 ms
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - every CPython we support has it
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_FILE_BYTES = 64 * 1024  # secret files and config snapshots; cache entries have their own limit (cache.py)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeFile(Exception):
    """The path is not a private regular file of ours (or cannot be read); callers treat it as absent."""


class MissingFile(UnsafeFile):
    """There is no file at the path: the ordinary miss."""


class DirectoryInTheWay(UnsafeFile):
    """A directory stands where the file belongs."""


class UnsafeDirectory(Exception):
    """The directory is a symlink, not a directory, someone else's, or open to group or others: never used."""


def digest(*parts: str) -> str:
    """Hex digest over `parts`, length-prefixed so that no two different part lists collide by concatenation."""
    hasher = blake2b(digest_size=32, person=b"rightbrain-v1")
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def read_private_file(
    path: str, *, allow_root_owner: bool = False, follow: bool = False, limit: int = MAX_FILE_BYTES
) -> bytes:
    """Read a regular file of at most `limit` bytes owned by us with no group/other bits; raise UnsafeFile for
    anything else (MissingFile when nothing is there).

    Opened with O_NOFOLLOW unless `follow` (a planted symlink is never followed) and O_NONBLOCK (a FIFO
    cannot stall us); the checks run on the opened descriptor, so a swap after the check cannot fool them.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC | (0 if follow else _NOFOLLOW)
    return _read_checked(path, flags, limit, lambda info: check_private(info, allow_root_owner=allow_root_owner))


def read_regular_file(path: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file of at most `limit` bytes that need not be private (a certificate, a platform-written
    assertion); symlinks are followed (Kubernetes projects files through them). Raise UnsafeFile otherwise
    (MissingFile when nothing is there); O_NONBLOCK, so a FIFO cannot stall us."""
    return _read_checked(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC, limit, _check_regular)


def _check_regular(info: os.stat_result) -> None:
    """Raise UnsafeFile unless `info` is a regular file."""
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile("not a regular file")


def _read_checked(path: str, flags: int, limit: int, check: Callable[[os.stat_result], None]) -> bytes:
    """Open `path` with `flags`, run `check` on the opened descriptor's stat (so a swap after the check cannot fool
    it), and read at most `limit` bytes; UnsafeFile for anything else, MissingFile when nothing is there."""
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError) as exc:  # nothing there (or no directory): the ordinary miss
        raise MissingFile(f"cannot open: {exc.strerror}") from None
    except OSError as exc:
        raise UnsafeFile(f"cannot open: {exc.strerror}") from None
    try:
        check(os.fstat(fd))
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnsafeFile(f"larger than {limit} bytes")
    return data


def _read_at_most(fd: int, size: int) -> bytes:
    """Up to `size` bytes from `fd`, however the kernel splits the reads."""
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def check_private(info: os.stat_result, *, allow_root_owner: bool = False) -> None:
    """Raise UnsafeFile unless `info` is a regular file owned by us (or root, if allowed) with mode 0600 or less."""
    if stat.S_ISDIR(info.st_mode):
        raise DirectoryInTheWay("a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile("not a regular file")
    owners = (os.getuid(), 0) if allow_root_owner else (os.getuid(),)
    if info.st_uid not in owners:
        raise UnsafeFile(f"owned by uid {info.st_uid}, not by uid {os.getuid()}")
    if info.st_mode & 0o077:
        raise UnsafeFile(f"mode {stat.S_IMODE(info.st_mode):04o} lets group or others in; use chmod 600")


def check_private_dir(path: str) -> bool:
    """True if `path` is a private directory of ours (not a symlink, owned by us, no group/other bits), False if
    nothing is there. Raise UnsafeDirectory for anything else, OSError when the path cannot be examined."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeDirectory("is a symlink, which the helper never follows")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectory("is not a directory")
    if info.st_uid != os.getuid():
        raise UnsafeDirectory(f"is owned by uid {info.st_uid}, not by uid {os.getuid()}")
    if info.st_mode & 0o077:
        raise UnsafeDirectory(f"has mode {stat.S_IMODE(info.st_mode):04o}, open to group or others")
    return True


def ensure_private_dir(path: str) -> None:
    """Create `path` with mode 0700 unless it exists (parents as the umask says), then check_private_dir it.

    Only a directory created here is chmodded (so the umask cannot leave it other than 0700): an existing one
    keeps its mode, because it may be shared (/tmp, a setgid team directory, $HOME) and is then refused.
    Raise UnsafeDirectory or OSError as check_private_dir does, or OSError when it cannot be created."""
    if check_private_dir(path):
        return
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass  # made by someone else just now: checked below, never chmodded
    else:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC)
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    if not check_private_dir(path):
        raise FileNotFoundError(2, "removed while being created", path)


def write_private_atomic(path: str, data: bytes) -> None:
    """fswrite.write_private_atomic (loaded only when something is written, never on a cache hit)."""
    from rightbrain_helper.fswrite import write_private_atomic as write  # noqa: PLC0415

    write(path, data)
