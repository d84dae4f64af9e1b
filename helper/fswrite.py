"""Writing private files atomically, and removing what crashed writers left behind (never on a cache hit).

A temp file beside the target is flocked while it is written: the kernel drops that lock when its writer dies, so
a temp file nobody holds is a crashed writer's and can go at once, while a live writer's is never touched.
"""

from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 600  # without flock (no fcntl), a temp file this old is taken to be a crashed writer's
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def write_private_atomic(path: str, data: bytes, *, replace_empty_dir: bool = False) -> None:
    """Replace `path` with `data` atomically: private temp file beside it, fsync, os.replace, fsync the directory.

    Readers take no lock, so they must only ever see the old file or the new one, never a torn write. The temp
    file is flocked while it is written, so remove_orphan_temps can tell a live writer's from a crashed one's.
    With `replace_empty_dir`, an empty directory standing at `path` is removed first (nothing in it can be lost);
    one with files in it raises IsADirectoryError. Raise OSError when any step fails (the temp file goes then).
    """
    try:
        _write_atomic(path, data)
    except IsADirectoryError:
        if not replace_empty_dir or not _is_directory(path):
            raise
        try:
            os.rmdir(path)
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise IsADirectoryError(
                    exc.errno, "a directory with files in it is in the way; remove it", path
                ) from None
            raise
        _write_atomic(path, data)


def _is_directory(path: str) -> bool:
    """Whether a directory (not a symlink to one) is at `path`."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _write_atomic(path: str, data: bytes) -> None:
    """One attempt of write_private_atomic."""
    for _attempt in range(3):
        temp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        try:
            try:
                if not _claim_temp(fd):
                    continue  # a cleaner took it for a dead writer's and removed it: start over
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
        _fsync_dir(os.path.dirname(path))
        return
    raise FileExistsError(17, "temp files kept vanishing", path)


def _claim_temp(fd: int) -> bool:
    """Flock the fresh temp file for the writer's lifetime (the kernel drops it if we crash); False if a cleaner
    holds it or unlinked it between our create and our flock. Without flock the age rule protects it."""
    locked = _try_flock(fd)
    return locked is None or (locked and os.fstat(fd).st_nlink > 0)


def _try_flock(fd: int) -> bool | None:
    """Take an exclusive flock without waiting: True if taken, False if another process holds one, None where
    the platform or the filesystem has no flock."""
    try:
        import fcntl  # noqa: PLC0415  (only to write)
    except ImportError:  # pragma: no cover - not on the platforms we run on
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):  # some filesystems say EACCES for "held"
        return False
    except OSError:  # ENOSYS, ENOLCK, EINVAL: no flock on this filesystem
        return None
    return True


def remove_orphan_temps(directory: str, ours: Callable[[str], bool], now: float) -> int:
    """Remove the temp files in `directory` that `ours` accepts (it gets the name without TEMP_SUFFIX) and that
    no live writer holds; `now` in seconds since the epoch, for the age rule where flock is missing. Best effort:
    the count removed."""
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    removed = 0
    for name in names:
        if name.endswith(TEMP_SUFFIX) and ours(name[: -len(TEMP_SUFFIX)]):
            try:
                removed += remove_orphan_temp(os.path.join(directory, name), now)
            except OSError:
                pass  # vanished meanwhile, or cannot be judged: left alone
    return removed


def remove_orphan_temp(path: str, now: float) -> bool:
    """Unlink the temp file `path` if no live writer holds its flock (where flock is missing: if it is older than
    STALE_TEMP_SECONDS before `now`, in seconds since the epoch); True if removed. Raise OSError if it cannot be
    examined or removed."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    try:
        info = os.fstat(fd)
        locked = _try_flock(fd)
        orphan = locked or (locked is None and info.st_mtime < now - STALE_TEMP_SECONDS)
        if orphan and os.path.samestat(os.lstat(path), info):
            os.unlink(path)
            return True
        return False
    finally:
        os.close(fd)


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
