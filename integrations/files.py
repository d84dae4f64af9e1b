"""Editing other tools' files safely: atomic replacement, a backup of what was there, the mode kept."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from collections.abc import Mapping

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.private_files import write_private_atomic

KEEP_BACKUPS = 3  # per file: enough to undo the last few runs, not one more per run


def read_text(path: str) -> str:
    """The file's text, or "" when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def backup(path: str) -> str:
    """Copy `path` to `path.bak-YYYYmmddTHHMMSS[.N]` (mode kept) and return the copy's name; "" if there is no
    file. A second backup within the same second gets the next number, so names sort in the order they were made.
    Only the newest KEEP_BACKUPS backups of a file are kept; older ones are removed."""
    if not os.path.exists(path):
        return ""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    same_second = [number for name_stamp, number in _orders(path) if name_stamp == stamp]
    number = max(same_second, default=0) + 1
    target = f"{path}.bak-{stamp}" + (f".{number}" if number > 1 else "")
    while os.path.exists(target):  # never overwrite an earlier backup
        number += 1
        target = f"{path}.bak-{stamp}.{number}"
    shutil.copy2(path, target)
    prune_backups(path)
    return target


def backups_of(path: str) -> list[str]:
    """The backups `backup` made of `path`, oldest first (names it could have made, regular files only)."""
    directory = os.path.dirname(path)
    return [os.path.join(directory, name) for _, name in sorted(_named_orders(path))]


def _orders(path: str) -> list[tuple[str, int]]:
    """The (time stamp, number) of each backup of `path`."""
    return [order for order, _ in _named_orders(path)]


def _named_orders(path: str) -> list[tuple[tuple[str, int], str]]:
    """Each backup of `path` as ((time stamp, number), file name): regular files with names `backup` makes."""
    directory, name = os.path.split(path)
    try:
        entries = os.listdir(directory or ".")
    except OSError:
        return []
    found = []
    for entry in entries:
        order = _backup_order(name, entry)
        try:
            if order is not None and stat.S_ISREG(os.lstat(os.path.join(directory, entry)).st_mode):
                found.append((order, entry))
        except OSError:
            continue
    return found


def prune_backups(path: str) -> None:
    """Remove all but the newest KEEP_BACKUPS backups of `path`."""
    for old in backups_of(path)[:-KEEP_BACKUPS]:
        try:
            os.unlink(old)
        except FileNotFoundError:
            pass


def _backup_order(name: str, entry: str) -> tuple[str, int] | None:
    """(timestamp, number) when `entry` is NAME.bak-YYYYmmddTHHMMSS[.N], for sorting; else None."""
    if not entry.startswith(name + ".bak-"):
        return None
    stamp, _, number = entry[len(name) + 5 :].partition(".")
    day, sep, clock = stamp.partition("T")
    if not (sep and len(day) == 8 and len(clock) == 6 and (day + clock).isascii() and (day + clock).isdigit()):
        return None
    if number and not (number.isascii() and number.isdigit()):
        return None
    return stamp, int(number or 1)


def replace_text(path: str, text: str, *, default_mode: int = 0o600) -> str:
    """Back up `path`, then replace it atomically with `text`, keeping its mode (new files: `default_mode`).

    Returns the backup's path ("" for a new file). Parent directories are created 0700.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = default_mode
    saved = backup(path)
    write_private_atomic(path, text.encode("utf-8"))
    os.chmod(path, mode)
    return saved


def installed_script(name: str, env: Mapping[str, str]) -> str:
    """The absolute path of one of this package's console scripts, for a tool's config to run: beside the script
    running now, else beside this Python (same install), else on the environment's PATH."""
    for directory in (os.path.dirname(sys.argv[0]), os.path.dirname(sys.executable)):
        candidate = os.path.join(directory, name)
        if directory and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    found = shutil.which(name, path=env.get("PATH"))
    if not found:
        raise ConfigError(f"{name} is neither installed next to {sys.executable} nor on PATH; reinstall the helper")
    return os.path.abspath(found)
