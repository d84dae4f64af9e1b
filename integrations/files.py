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


def read_text(path: str) -> str:
    """The file's text, or "" when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def backup(path: str) -> str:
    """Copy `path` to `path.bak-YYYYmmddTHHMMSS` (mode kept) and return the copy's name; "" if there is no file."""
    if not os.path.exists(path):
        return ""
    stem = f"{path}.bak-{time.strftime('%Y%m%dT%H%M%S')}"
    target, number = stem, 1
    while os.path.exists(target):  # two edits within a second must not overwrite the first backup
        number += 1
        target = f"{stem}.{number}"
    shutil.copy2(path, target)
    return target


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
