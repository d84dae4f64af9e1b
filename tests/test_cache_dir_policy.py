"""The cache directory: one that is a symlink, someone else's, open to group or others (a shared /tmp-like or
setgid team directory, $HOME), not a directory, or given as a relative path is refused by every command (token,
status, clear, and the git, docker and kubectl helpers) with one line naming it and the fix. It is never
chmodded, never followed, and nothing in it is read, written or deleted.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rightbrain_helper.token.cache import TokenCache
from rightbrain_helper.token.entry import Token, encode

from .support.procs import HELPER, entry_paths, write_config
from .support.tokenserver import TokenServer

BIN = Path(sys.executable).parent
HOST = "code.example.com"
PLANTED = "tok-planted-in-a-refused-dir"
OTHER_UID = 12345  # the tests run as root, so chown to another user works


def tool_run(tool: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run one command the way its caller does (git, docker and kubectl run their helpers so), in `cwd`."""
    argv, stdin = {
        "token": ([HELPER, "token"], ""),
        "status": ([HELPER, "status"], ""),
        "clear": ([HELPER, "clear"], ""),
        "git": ([str(BIN / "git-credential-rightbrain"), "get"], f"protocol=https\nhost={HOST}\n\n"),
        "docker": ([str(BIN / "docker-credential-rightbrain"), "get"], f"https://{HOST}\n"),
        "kubectl": ([HELPER, "kubectl"], ""),
    }[tool]
    return subprocess.run(argv, env=env, input=stdin, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


TOOLS = ("token", "status", "clear", "git", "docker", "kubectl")
EXIT_FOR = {"kubectl": 1}  # an exec plugin fails with 1; every other command says 6 (cache)


def private_dir_with_entry(path: str, entry_name: str) -> None:
    """A private directory of ours holding a fresh, well-formed entry for the test's settings: what a refused
    directory must not serve."""
    os.makedirs(path, mode=0o700)
    os.chmod(path, 0o700)
    now = time.time()
    entry = os.path.join(path, entry_name)
    with open(entry, "wb") as handle:
        handle.write(encode(Token(PLANTED, "Bearer", now + 3600, now)))
    os.chmod(entry, 0o600)


def as_symlink(path: str, entry_name: str) -> str:
    """The cache dir is a symlink to a private directory of ours."""
    private_dir_with_entry(path + "-target", entry_name)
    os.symlink(path + "-target", path)
    return path + "-target"


def foreign(path: str, entry_name: str) -> str:
    """The cache dir belongs to another user (0700)."""
    private_dir_with_entry(path, entry_name)
    os.chown(path, OTHER_UID, OTHER_UID)
    return path


def with_mode(mode: int) -> Callable[[str, str], str]:
    """The cache dir is ours but has `mode` (1777 like /tmp, 2775 like a team directory, 0755)."""

    def arrange(path: str, entry_name: str) -> str:
        private_dir_with_entry(path, entry_name)
        os.chmod(path, mode)
        return path

    return arrange


def a_file(path: str, _entry_name: str) -> str:
    """A regular file where the cache dir should be."""
    with open(path, "wb") as handle:
        handle.write(b"not a directory\n")
    return path


ARRANGEMENTS: dict[str, tuple[Callable[[str, str], str], str]] = {  # name: (arrange, what the error line says)
    "symlink": (as_symlink, "is a symlink"),
    "foreign": (foreign, f"owned by uid {OTHER_UID}"),
    "sticky-1777": (with_mode(0o1777), "mode 1777"),
    "setgid-2775": (with_mode(0o2775), "mode 2775"),
    "readable-0755": (with_mode(0o755), "mode 0755"),
    "file": (a_file, "is not a directory"),
}


def snapshot_of(directory: str) -> tuple[dict[str, bytes], dict[str, int]]:
    """Every file's bytes and every path's mode under `directory` (not following links)."""
    contents, modes = {}, {directory: os.lstat(directory).st_mode}
    if os.path.isdir(directory) and not os.path.islink(directory):
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            modes[path] = os.lstat(path).st_mode
            with open(path, "rb") as handle:
                contents[path] = handle.read()
    return contents, modes


@pytest.fixture
def tool_env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with the host configured for git and docker and an old config file (it would be snapshotted)."""
    write_config(helper_env, "[profiles.default]\nmin_valid = 30\n", age=60)
    return {**helper_env, "RIGHTBRAIN_HOSTS": HOST, "KUBERNETES_EXEC_INFO": ""}


def entry_name(env: dict[str, str], scratch: Path) -> str:
    """The entry file name for env's settings (the key does not depend on the cache directory)."""
    return os.path.basename(entry_paths({**env, "RIGHTBRAIN_CACHE_DIR": str(scratch)})[0])


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("arrangement", sorted(ARRANGEMENTS))
def test_unsafe_cache_dir_is_refused_by_every_command(
    arrangement: str, tool: str, tool_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """Symlinked, foreign, shared or non-directory cache dir: one error line naming the dir, what is wrong and
    RIGHTBRAIN_CACHE_DIR; the caller's exit code; nothing served, written, deleted or chmodded; no request."""
    cache_dir = tool_env["RIGHTBRAIN_CACHE_DIR"]
    arrange, said = ARRANGEMENTS[arrangement]
    real = arrange(cache_dir, entry_name(tool_env, tmp_path / "scratch"))
    before = snapshot_of(real)
    result = tool_run(tool, tool_env)
    assert result.returncode == EXIT_FOR.get(tool, 6), result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"rightbrain-helper: error: cache directory {cache_dir} "), result.stderr
    assert said in result.stderr
    assert "RIGHTBRAIN_CACHE_DIR" in result.stderr
    assert snapshot_of(real) == before
    assert token_server.token_requests() == []


@pytest.mark.parametrize("tool", TOOLS)
def test_home_as_cache_dir_is_refused_and_not_chmodded(
    tool: str, tool_env: dict[str, str], token_server: TokenServer
) -> None:
    """RIGHTBRAIN_CACHE_DIR=$HOME (0755): refused with one line; $HOME keeps its mode and gets no files."""
    home = tool_env["HOME"]
    os.chmod(home, 0o755)  # noqa: S103  (a usual home directory mode)
    before = sorted(os.listdir(home))
    result = tool_run(tool, {**tool_env, "RIGHTBRAIN_CACHE_DIR": home})
    assert result.returncode == EXIT_FOR.get(tool, 6), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"cache directory {home} has mode 0755" in result.stderr
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o755
    assert sorted(os.listdir(home)) == before
    assert token_server.token_requests() == []


@pytest.mark.parametrize("tool", TOOLS)
def test_relative_cache_dir_is_an_error(tool: str, tool_env: dict[str, str], tmp_path: Path) -> None:
    """A relative RIGHTBRAIN_CACHE_DIR is one error line saying so, for every command, and nothing is created
    in the directory the command runs in."""
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    result = tool_run(tool, {**tool_env, "RIGHTBRAIN_CACHE_DIR": "relative/cache"}, cwd=workdir)
    assert result.returncode == EXIT_FOR.get(tool, 6), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "RIGHTBRAIN_CACHE_DIR='relative/cache' is a relative path" in result.stderr
    assert list(workdir.iterdir()) == []


def test_private_dir_of_ours_is_used_as_it_is(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An existing private directory of ours is used, its mode left alone."""
    cache_dir = helper_env["RIGHTBRAIN_CACHE_DIR"]
    os.mkdir(cache_dir, 0o700)
    assert TokenCache(cache_dir).check_directory()
    result = tool_run("token", helper_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
