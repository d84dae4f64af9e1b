"""Reading the TOML config file, with a private parsed snapshot so cache hits skip the TOML parser.

tomllib costs about a whole interpreter start to import, so after a parse the table is kept (marshal, in the
cache dir, 0600) beside the file's identity (device, inode, size, mtime, ctime). A hit stats the file and loads
the snapshot; any change to the file, or a snapshot that is not ours and private (or not in a private directory
of ours), means a fresh parse. The snapshot is only ever a shortcut: nothing wrong with it is an error.
"""

from __future__ import annotations

import marshal
import os
import stat
import time

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.private_files import (
    MAX_FILE_BYTES,
    UnsafeDirectory,
    UnsafeFile,
    check_private_dir,
    digest,
    ensure_private_dir,
    read_private_file,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SNAPSHOT_VERSION = 1
RACY_SECONDS = 2.0  # a file changed this recently might change again within the same mtime tick


def load_config(path: str, *, explicit: bool, snapshot_dir: str) -> dict[str, Any]:
    """Return the config file's table ({} when there is no file and none was named)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {path} (RIGHTBRAIN_CONFIG) does not exist") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}") from None
    _check_config_permissions(path, info)
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    snapshot = os.path.join(snapshot_dir, f"config-{digest(path)[:32]}.snapshot")
    table = _read_snapshot(snapshot, identity)
    if table is None:
        table = _parse_toml(path)
        if time.time() - info.st_mtime_ns / 1e9 > RACY_SECONDS:
            _write_snapshot(snapshot, identity, table)
    return table


def _check_config_permissions(path: str, info: os.stat_result) -> None:
    """The config can name a command to run, so, as ssh does, nobody else may own it or write to it."""
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"config file {path} is not a regular file")
    if info.st_uid not in (os.getuid(), 0):
        raise ConfigError(f"config file {path} is owned by uid {info.st_uid}; it must be yours")
    if info.st_mode & 0o022:
        raise ConfigError(f"config file {path} is writable by group or others; run: chmod go-w {path}")


def _read_snapshot(snapshot: str, identity: tuple[int, ...]) -> dict[str, Any] | None:
    """The snapshot's table if it is ours, private, in a private directory of ours, well-formed and for this very
    file version; else None."""
    try:
        if not check_private_dir(os.path.dirname(snapshot)):
            return None
        # marshal is safe enough here: only a private file of ours, in our 0700 directory, is ever loaded
        version, stored_identity, table = marshal.loads(read_private_file(snapshot))  # noqa: S302
    except (UnsafeFile, UnsafeDirectory, OSError, ValueError, EOFError, TypeError):
        return None
    if version != SNAPSHOT_VERSION or stored_identity != identity or not isinstance(table, dict):
        return None
    return table


def _write_snapshot(snapshot: str, identity: tuple[int, ...], table: dict[str, Any]) -> None:
    """Best effort: a snapshot that cannot be written (a table marshal cannot hold, or one larger than the reader
    accepts, or a cache directory that cannot or must not be used) only costs speed."""
    from rightbrain_helper.fswrite import remove_orphan_temps, write_private_atomic  # noqa: PLC0415  (only after a parse)

    try:
        data = marshal.dumps((SNAPSHOT_VERSION, identity, table))
        if len(data) > MAX_FILE_BYTES:
            return
        ensure_private_dir(os.path.dirname(snapshot))
        write_private_atomic(snapshot, data)
        prefix = os.path.basename(snapshot) + "."
        remove_orphan_temps(os.path.dirname(snapshot), lambda stem: stem.startswith(prefix), time.time())
    except (ValueError, OSError, UnsafeDirectory):
        pass


def _parse_toml(path: str) -> dict[str, Any]:
    """Parse the file; a syntax error names the file and the line and column TOML reports."""
    import tomllib  # noqa: PLC0415  (only when the snapshot misses)

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError(f"config file {path} nests arrays or inline tables too deeply") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}") from None
