"""The cache's files on disk: hostile entries are misses that get replaced, and everything written is private."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pytest

from rightbrain_helper.settings import paths
from rightbrain_helper.token.cache import MAX_ENTRY_BYTES, TokenCache
from rightbrain_helper.token.entry import Token, decode, encode

from .conftest import run_helper
from .support.procs import HELPER, entry_paths, write_config
from .support.tokenserver import TokenServer

PLANTED = "tok-planted-must-never-be-served"
NOW = time.time()


def planted_entry(scope: str = "") -> bytes:
    """A well-formed entry, fresh for an hour: it would be served if the file it sits in were trusted."""
    return encode(Token(PLANTED, "Bearer", NOW + 3600, NOW, scope=scope))


def with_line(data: bytes, prefix: bytes, line: bytes) -> bytes:
    """`data` with the line starting with `prefix` replaced by `line`."""
    return b"\n".join(line if old.startswith(prefix) else old for old in data.split(b"\n"))


def write_file(path: str, data: bytes, mode: int = 0o600) -> None:
    """Create `path` with exactly `data` and `mode`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def plant_symlink(path: str) -> None:
    """A symlink to a victim file that holds a good entry (of someone else's choosing)."""
    victim = os.path.join(os.path.dirname(os.path.dirname(path)), "victim")
    write_file(victim, planted_entry())
    os.symlink(victim, path)


def plant_other_uid(path: str) -> None:
    """A good entry owned by another user (the tests run as root in CI)."""
    write_file(path, planted_entry())
    os.chown(path, 12345, 12345)


HOSTILE: dict[str, Callable[[str], None]] = {
    "garbage": lambda path: write_file(path, b"\x00\x01 not a cache file {"),
    "json": lambda path: write_file(path, b'{"access_token": "' + PLANTED.encode() + b'", "expires_at": 9e9}'),
    "truncated": lambda path: write_file(path, planted_entry()[: len(planted_entry()) // 2]),
    "empty": lambda path: write_file(path, b""),
    "invalid_utf8": lambda path: write_file(path, planted_entry().replace(b"scope=", b"scope=\xff\xfe")),
    "wrong_types": lambda path: write_file(path, with_line(planted_entry(), b"expires_at=", b"expires_at=soon")),
    "huge": lambda path: write_file(path, planted_entry(scope="s" * MAX_ENTRY_BYTES)),
    "symlink": plant_symlink,
    "fifo": lambda path: os.mkfifo(path, 0o600),
    "mode_0644": lambda path: write_file(path, planted_entry(), 0o644),
    "other_uid": plant_other_uid,
}


def assert_private_entry(path: str, token: str) -> None:
    """`path` is a regular 0600 file of ours holding `token`."""
    info = os.lstat(path)
    assert stat.S_ISREG(info.st_mode)
    assert info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o600
    with open(path, "rb") as handle:
        cached = decode(handle.read())
    assert cached is not None
    assert cached.access_token == token


UNSAFE = frozenset({"symlink", "fifo", "mode_0644", "other_uid", "huge"})  # not a private file of ours


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_entry_is_a_miss_and_is_replaced(
    kind: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A corrupt, foreign, oversized or non-regular entry is ignored, refetched and replaced by a private one."""
    token_path, _ = entry_paths(helper_env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    HOSTILE[kind](token_path)
    result = run_helper(["token"], helper_env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    warnings = [line for line in result.stderr.splitlines() if "ignoring cache entry" in line]
    assert len(warnings) == (1 if kind in UNSAFE else 0), result.stderr  # tampering is said, once; corruption not
    assert_private_entry(token_path, token_server.issued[0])
    again = run_helper(["token"], helper_env, timeout=30)
    assert again.stdout == result.stdout
    assert len(token_server.token_requests()) == 1
    if kind == "symlink":
        victim = Path(token_path).parent.parent / "victim"
        assert victim.read_bytes() == planted_entry()
        assert stat.S_IMODE(victim.stat().st_mode) == 0o600


def test_empty_directory_at_entry_path_is_replaced(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An empty directory where the entry belongs is removed and replaced by the entry, silently; the next call
    is a hit."""
    token_path, _ = entry_paths(helper_env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    os.mkdir(token_path, 0o700)
    result = run_helper(["token"], helper_env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert result.stderr == ""
    assert_private_entry(token_path, token_server.issued[0])
    assert run_helper(["token"], helper_env, timeout=30).stdout == result.stdout
    assert len(token_server.token_requests()) == 1


def test_directory_with_files_at_entry_path_is_one_warning(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A directory with files in it where the entry belongs is left alone: each call prints a token and one
    warning naming the path and the fix, never two."""
    token_path, _ = entry_paths(helper_env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    os.mkdir(token_path, 0o700)
    write_file(os.path.join(token_path, "keep"), b"not ours to delete")
    for call in range(2):
        result = run_helper(["token"], helper_env, timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout == token_server.issued[call] + "\n"
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("rightbrain-helper: warning: cannot write cache entry " + token_path)
        assert "remove it" in lines[0]
    assert os.listdir(token_path) == ["keep"]
    assert [name for name in os.listdir(os.path.dirname(token_path)) if name.endswith(".tmp")] == []


def test_everything_written_is_private(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Under umask 000: cache dir 0700, entry, lock and config snapshot 0600, and no temp files left behind."""
    cache_dir = helper_env["RIGHTBRAIN_CACHE_DIR"]
    write_config(helper_env, "[profiles.default]\nmin_valid = 30\n", age=60)
    result = subprocess.run(
        [HELPER, "token"], env=helper_env, umask=0, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.lstat(cache_dir).st_mode) == 0o700
    token_path, lock_path = entry_paths(helper_env)
    names = sorted(os.listdir(cache_dir))
    snapshots = [name for name in names if name.startswith("config-") and name.endswith(".snapshot")]
    assert len(snapshots) == 1
    expected = sorted([os.path.basename(token_path), os.path.basename(lock_path), *snapshots])
    assert names == expected, "unexpected files (temp files left behind?)"
    for name in names:
        info = os.lstat(os.path.join(cache_dir, name))
        assert stat.S_ISREG(info.st_mode), name
        assert stat.S_IMODE(info.st_mode) == 0o600, name
        assert info.st_uid == os.getuid(), name


XDG_VALUES = {"absolute": "/srv/xdg-base", "relative": "relative/xdg-base", "empty": "", "unset": None}


@pytest.mark.parametrize("xdg", sorted(XDG_VALUES))
def test_paths_agree_with_platformdirs(xdg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux the cache dir and config file are where platformdirs puts them, for any XDG_* setting."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("RIGHTBRAIN_CACHE_DIR", "RIGHTBRAIN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    value = XDG_VALUES[xdg]
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value + "/" + name.lower() if value else "")
    assert paths.cache_dir(os.environ) == platformdirs.user_cache_dir("rightbrain-helper", appauthor=False)
    config_dir = platformdirs.user_config_dir("rightbrain-helper", appauthor=False)
    assert paths.config_file(os.environ) == (os.path.join(config_dir, "config.toml"), False)
    if value and value.startswith("/"):
        assert paths.cache_dir(os.environ).startswith(value)
    else:
        assert paths.cache_dir(os.environ) == str(tmp_path / "home" / ".cache" / "rightbrain-helper")


def test_temp_files_of_crashed_writers_are_cleaned_up(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A temp file beside an entry that no live writer holds is removed by the next write, however young; one a
    live writer holds (its flock) is kept, and so is a file that only looks like one."""
    token_path, _ = entry_paths(helper_env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    crashed, live = token_path + ".111.aaaa.tmp", token_path + ".222.bbbb.tmp"
    not_ours = os.path.join(os.path.dirname(token_path), "notes.token.1.2.tmp")
    for path in (crashed, live, not_ours):
        write_file(path, b"rightbrain-token-cache 1\ntorn")
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a writer in another process holds its temp file while writing
        result = run_helper(["token"], helper_env)
    assert result.returncode == 0, result.stderr
    assert not os.path.exists(crashed)
    assert os.path.exists(live)
    assert os.path.exists(not_ours)
