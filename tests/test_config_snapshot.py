"""The parsed-config snapshot (config_file.py): written only for a config file that has not changed for 2 s, used
only when it is a private file of ours in a private directory of ours and matches the file's identity; anything
else is a fresh parse, silently, and is replaced by a good snapshot.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable

import pytest

from rightbrain_helper.private_files import MAX_FILE_BYTES, digest
from rightbrain_helper.settings.file import SNAPSHOT_VERSION
from rightbrain_helper.token.cache import TokenCache

from .conftest import run_helper
from .support.procs import write_config
from .support.tokenserver import TokenServer

CONFIG = "[profiles.default]\nmin_valid = 30\n"
# A table that, if used, makes every command fail in a recognisable way (exit 3 naming this profile).
PLANTED_TABLE = {"default_profile": "from-the-snapshot"}
PARSED = {"profiles": {"default": {"min_valid": 30}}}  # CONFIG, parsed
OLD = 60  # seconds: old enough for the snapshot to be written


def snapshot_path(env: dict[str, str], config: str) -> str:
    """Where the snapshot of `config` lives."""
    return os.path.join(env["RIGHTBRAIN_CACHE_DIR"], f"config-{digest(config)[:32]}.snapshot")


def snapshot_bytes(
    config: str, table: dict[str, str] | list[str] | None = None, version: int = SNAPSHOT_VERSION
) -> bytes:
    """A snapshot of `config`'s current version holding `table` (default: the planted one)."""
    info = os.stat(config)
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return marshal.dumps((version, identity, PLANTED_TABLE if table is None else table))


def table_in(snapshot: str) -> object:
    """The table a snapshot file holds."""
    with open(snapshot, "rb") as handle:
        return marshal.loads(handle.read())[2]  # noqa: S302  (a file this test wrote or checks)


def plant(path: str, data: bytes, mode: int = 0o600) -> None:
    """Write `data` to `path` with `mode`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def setup(env: dict[str, str]) -> tuple[str, str]:
    """An old config file and the cache directory; the config's path and its snapshot's path."""
    config = write_config(env, CONFIG, age=OLD)
    TokenCache(env["RIGHTBRAIN_CACHE_DIR"]).ensure_directory()
    return config, snapshot_path(env, config)


def test_recently_changed_config_is_not_snapshotted(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Racy-edit guard: a config file changed within the last 2 s is parsed but not snapshotted (a second edit in
    the same timestamp tick could keep its identity); once it is older, it is."""
    config = write_config(helper_env, CONFIG)
    snapshot = snapshot_path(helper_env, config)
    assert run_helper(["token"], helper_env).returncode == 0
    assert not os.path.exists(snapshot)
    config = write_config(helper_env, CONFIG, age=OLD)
    assert run_helper(["token"], helper_env).returncode == 0
    assert table_in(snapshot) == PARSED


def test_trusted_snapshot_is_used(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A private snapshot of ours matching the file is used instead of parsing (the control for the tests below)."""
    config, snapshot = setup(helper_env)
    plant(snapshot, snapshot_bytes(config))
    result = run_helper(["token"], helper_env)
    assert result.returncode == 3, result.stderr
    assert "from-the-snapshot" in result.stderr


def symlink_to_trusted(snapshot: str, config: str) -> None:
    """A symlink to a snapshot that would be trusted."""
    target = os.path.join(os.path.dirname(os.path.dirname(snapshot)), "elsewhere.snapshot")
    plant(target, snapshot_bytes(config))
    os.symlink(target, snapshot)


def foreign(snapshot: str, config: str) -> None:
    """A matching snapshot owned by another user."""
    plant(snapshot, snapshot_bytes(config))
    os.chown(snapshot, 12345, 12345)


HOSTILE: dict[str, Callable[[str, str], None]] = {
    "mode-0644": lambda snapshot, config: plant(snapshot, snapshot_bytes(config), 0o644),
    "foreign": foreign,
    "symlink": symlink_to_trusted,
    "fifo": lambda snapshot, config: os.mkfifo(snapshot, 0o600),
    "garbage": lambda snapshot, config: plant(snapshot, b"\x00\xffnot marshal at all"),
    "truncated": lambda snapshot, config: plant(snapshot, snapshot_bytes(config)[:20]),
    "empty": lambda snapshot, config: plant(snapshot, b""),
    "not-a-tuple": lambda snapshot, config: plant(snapshot, marshal.dumps(PLANTED_TABLE)),
    "wrong-arity": lambda snapshot, config: plant(snapshot, marshal.dumps((1, 2))),
    "wrong-version": lambda snapshot, config: plant(snapshot, snapshot_bytes(config, version=99)),
    "wrong-identity": lambda snapshot, config: plant(snapshot, marshal.dumps((SNAPSHOT_VERSION, (1,), PLANTED_TABLE))),
    "table-not-a-dict": lambda snapshot, config: plant(snapshot, snapshot_bytes(config, table=["profiles"])),
    "deeply-nested": lambda snapshot, config: plant(snapshot, b"[\x01\x00\x00\x00" * 5000 + b"N"),
    "oversized": lambda snapshot, config: plant(snapshot, snapshot_bytes(config, table={"x": "y" * MAX_FILE_BYTES})),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_snapshot_is_ignored_and_replaced(
    kind: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A foreign, loose, symlinked, non-regular, corrupt or mismatched snapshot is never used: the file is parsed,
    silently, the token printed, and a good private snapshot takes the bad one's place (a link is not followed)."""
    config, snapshot = setup(helper_env)
    HOSTILE[kind](snapshot, config)
    result = run_helper(["token"], helper_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert result.stderr == ""
    assert not os.path.islink(snapshot)
    info = os.lstat(snapshot)
    assert (info.st_uid, info.st_mode & 0o777) == (os.getuid(), 0o600)
    assert table_in(snapshot) == PARSED
    if kind == "symlink":
        target = os.path.join(os.path.dirname(os.path.dirname(snapshot)), "elsewhere.snapshot")
        with open(target, "rb") as handle:
            assert handle.read() == snapshot_bytes(config)


def test_directory_at_the_snapshot_path_costs_only_speed(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A directory with files in it where the snapshot belongs: the config is parsed every time, silently."""
    _, snapshot = setup(helper_env)
    os.mkdir(snapshot, 0o700)
    plant(os.path.join(snapshot, "keep"), b"")
    for _ in range(2):
        result = run_helper(["token"], helper_env)
        assert (result.returncode, result.stderr) == (0, "")
    assert os.listdir(snapshot) == ["keep"]


def test_snapshot_in_a_refused_cache_dir_is_not_read(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A trusted snapshot behind a symlinked cache directory is not read: the command is refused for the
    directory (exit 6), not steered by the snapshot (exit 3)."""
    config = write_config(helper_env, CONFIG, age=OLD)
    cache_dir = helper_env["RIGHTBRAIN_CACHE_DIR"]
    TokenCache(cache_dir + "-real").ensure_directory()
    os.symlink(cache_dir + "-real", cache_dir)
    plant(snapshot_path(helper_env, config), snapshot_bytes(config))
    result = run_helper(["token"], helper_env)
    assert result.returncode == 6, result.stderr
    assert "is a symlink" in result.stderr


def test_snapshot_too_large_to_read_back_is_not_written(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A config whose snapshot would be larger than the reader accepts gets none (rather than one written, then
    refused and rewritten on every run)."""
    config = write_config(helper_env, f'[profiles.default]\naudience = "{"a" * MAX_FILE_BYTES}"\n', age=OLD)
    result = run_helper(["token"], helper_env)
    assert result.returncode == 0, result.stderr
    assert not os.path.exists(snapshot_path(helper_env, config))
