"""Small standard-library file and hash helpers shared by the cache, the config snapshot and secret files.

These sit on the cache-hit path, so they import nothing beyond os and stat.
"""

from __future__ import annotations

import os
import stat

try:  # the builtin module is ~0.5 ms; hashlib pulls in OpenSSL for ~6 ms
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - every CPython we support has it
    from hashlib import blake2b

MAX_FILE_BYTES = 64 * 1024


class UnsafeFile(Exception):
    """The path is not a private regular file of ours (or cannot be read); callers treat it as absent."""


class MissingFile(UnsafeFile):
    """There is no file at the path: the ordinary miss."""


def digest(*parts: str) -> str:
    """Hex digest over `parts`, length-prefixed so that no two different part lists collide by concatenation."""
    hasher = blake2b(digest_size=32, person=b"rightbrain-v1")
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def read_private_file(path: str, *, allow_root_owner: bool = False, follow: bool = False) -> bytes:
    """Read a small regular file owned by us with no group/other bits; raise UnsafeFile for anything else.

    Opened with O_NOFOLLOW unless `follow` (a planted symlink is never followed) and O_NONBLOCK (a FIFO
    cannot stall us); the checks run on the opened descriptor, so a swap after the check cannot fool them.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError) as exc:  # nothing there (or no directory): the ordinary miss
        raise MissingFile(f"cannot open: {exc.strerror}") from None
    except OSError as exc:
        raise UnsafeFile(f"cannot open: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        check_private(info, allow_root_owner=allow_root_owner)
        data = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeFile(f"larger than {MAX_FILE_BYTES} bytes")
    return data


def check_private(info: os.stat_result, *, allow_root_owner: bool = False) -> None:
    """Raise UnsafeFile unless `info` is a regular file owned by us (or root, if allowed) with mode 0600 or less."""
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile("not a regular file")
    owners = (os.getuid(), 0) if allow_root_owner else (os.getuid(),)
    if info.st_uid not in owners:
        raise UnsafeFile(f"owned by uid {info.st_uid}, not by uid {os.getuid()}")
    if info.st_mode & 0o077:
        raise UnsafeFile(f"mode {stat.S_IMODE(info.st_mode):04o} lets group or others in; use chmod 600")


def ensure_private_dir(path: str) -> None:
    """Create `path` (mode 0700) if needed; refuse a symlink or a directory owned by someone else."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeFile(f"{path} is not a plain directory")
    if info.st_uid != os.getuid():
        raise UnsafeFile(f"{path} is owned by uid {info.st_uid}, not by uid {os.getuid()}")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)


def write_private_atomic(path: str, data: bytes) -> None:
    """Replace `path` with `data` atomically: private temp file beside it, fsync, os.replace, fsync the directory.

    Readers take no lock, so they must only ever see the old file or the new one, never a torn write.
    """
    directory = os.path.dirname(path)
    temp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # the umask may have taken bits away, never added; be exact anyway
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    _fsync_dir(directory)


def _unlink_quietly(path: str) -> None:
    """Remove `path` if it is there."""
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(directory: str) -> None:
    """Make a rename durable; not every filesystem lets a directory be fsynced, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
