"""Real filesystem arrangements on the cache paths, through the installed console scripts: a symlink, a directory,
a FIFO or someone else's file at the lock path, a cache directory below a file or inside a symlink loop, and a
read-only cache under git, docker and kubectl. Each is a token and at most one warning, or for status and clear
one error line, exit 6: never "internal error", never a traceback, never a followed link.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable

import pytest

from rightbrain_helper.token.cache import TokenCache
from rightbrain_helper.token.entry import Token

from .conftest import run_helper
from .support.procs import entry_paths, run_hooked
from .support.tokenserver import TokenServer
from .test_cache_dir_policy import BIN, HOST, tool_run

VICTIM = b"a file of the user's that a followed link would truncate\n"


def warnings_in(stderr: str) -> list[str]:
    """The warning lines of `stderr`, which must hold nothing else."""
    lines = stderr.splitlines()
    for line in lines:
        assert line.startswith("rightbrain-helper: warning: "), stderr
    return lines


def symlink_to_victim(path: str) -> None:
    """A symlink to a file of the user's."""
    victim = os.path.join(os.path.dirname(os.path.dirname(path)), "victim")
    with open(victim, "wb") as handle:
        handle.write(VICTIM)
    os.symlink(victim, path)


def foreign_file(path: str) -> None:
    """A lock file left by another user, 0644."""
    with open(path, "wb"):
        pass
    os.chmod(path, 0o644)
    os.chown(path, 12345, 12345)


LOCK_PATH: dict[str, tuple[Callable[[str], None], str]] = {  # arrangement, what the one warning says ("" none)
    "symlink": (symlink_to_victim, "it is a symlink, which the helper never follows"),
    "dangling-symlink": (lambda path: os.symlink(path + "-nowhere", path), "it is a symlink"),
    "symlink-loop": (lambda path: os.symlink(path, path), "it is a symlink"),
    "directory": (lambda path: os.mkdir(path, 0o700), "Is a directory"),
    "fifo": (lambda path: os.mkfifo(path, 0o600), ""),
    "foreign-file": (foreign_file, ""),
}


@pytest.mark.parametrize("arrangement", sorted(LOCK_PATH))
def test_hostile_lock_path_still_yields_a_cached_token(
    arrangement: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Whatever is at the lock path, `token` prints a token, warns at most once (naming the lock file), writes
    the entry so the next run is a quiet hit, and never follows a link."""
    token_path, lock_path = entry_paths(helper_env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    arrange, said = LOCK_PATH[arrangement]
    arrange(lock_path)
    result = run_helper(["token"], helper_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    warnings = warnings_in(result.stderr)
    assert len(warnings) == (1 if said else 0), result.stderr
    if said:
        assert f"cannot take the cache lock {lock_path}: {said}" in warnings[0]
    again = run_helper(["token"], helper_env)
    assert (again.returncode, again.stdout, again.stderr) == (0, result.stdout, "")
    victim = os.path.join(os.path.dirname(os.path.dirname(token_path)), "victim")
    if os.path.exists(victim):
        with open(victim, "rb") as handle:
            assert handle.read() == VICTIM


def below_a_file(base: str) -> str:
    """A cache dir path whose parent is a regular file (ENOTDIR)."""
    with open(os.path.join(base, "a-file"), "wb"):
        pass
    return os.path.join(base, "a-file", "cache")


def inside_a_loop(base: str) -> str:
    """A cache dir path through a symlink loop (ELOOP)."""
    os.symlink(os.path.join(base, "loop"), os.path.join(base, "loop"))
    return os.path.join(base, "loop", "cache")


UNREACHABLE: dict[str, tuple[Callable[[str], str], str]] = {
    "below-a-file": (below_a_file, os.strerror(20)),
    "inside-a-loop": (inside_a_loop, os.strerror(40)),
}


@pytest.mark.parametrize("command", ["token", "status", "clear"])
@pytest.mark.parametrize("arrangement", sorted(UNREACHABLE))
def test_unreachable_cache_dir(
    arrangement: str, command: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A cache dir that cannot be reached: `token` fetches without the cache with one warning; status and clear
    print one error line naming it and the error, exit 6."""
    arrange, said = UNREACHABLE[arrangement]
    cache_dir = arrange(os.path.dirname(helper_env["RIGHTBRAIN_CACHE_DIR"]))
    result = run_helper([command], {**helper_env, "RIGHTBRAIN_CACHE_DIR": cache_dir})
    expected_line = f"cannot use the cache directory {cache_dir}: {said}"
    if command == "token":
        assert result.returncode == 0, result.stderr
        assert result.stdout == token_server.issued[0] + "\n"
        assert warnings_in(result.stderr) == [
            f"rightbrain-helper: warning: {expected_line}; fetching a token without the cache"
        ]
    else:
        assert result.returncode == 6, result.stderr
        assert result.stdout == ""
        assert result.stderr == f"rightbrain-helper: error: {expected_line}\n"


READ_ONLY = "fail:os.mkdir:/cache:EROFS,open:.lock:EROFS,open:.tmp:EROFS,os.remove:.token:EROFS"
TOOL_SCRIPTS = {
    "git": (str(BIN / "git-credential-rightbrain"), ["get"], f"protocol=https\nhost={HOST}\n\n"),
    "docker": (str(BIN / "docker-credential-rightbrain"), ["get"], f"https://{HOST}\n"),
    "kubectl": (str(BIN / "rightbrain-helper"), ["kubectl"], ""),
}


def token_in(tool: str, stdout: str) -> str:
    """The token in a tool helper's answer."""
    if tool == "git":
        return dict(line.split("=", 1) for line in stdout.splitlines())["password"]
    if tool == "docker":
        return str(json.loads(stdout)["Secret"])
    return str(json.loads(stdout)["status"]["token"])


def tool_env(env: dict[str, str]) -> dict[str, str]:
    """env with the host configured for git and docker."""
    return {**env, "RIGHTBRAIN_HOSTS": HOST, "KUBERNETES_EXEC_INFO": ""}


@pytest.mark.parametrize("cached", [False, True], ids=["cold", "cached"])
@pytest.mark.parametrize("tool", sorted(TOOL_SCRIPTS))
def test_read_only_cache_under_each_tool(
    tool: str, cached: bool, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A read-only cache under git, docker and kubectl: a still-valid cached token is served quietly; without
    one a token is fetched with one warning; exit 0 and the tool's usual answer either way."""
    env = tool_env(helper_env)
    token_path, _ = entry_paths(env)
    if cached:
        now = time.time()
        TokenCache(os.path.dirname(token_path)).write(
            os.path.basename(token_path).removesuffix(".token"), Token("tok-cached", "Bearer", now + 3600, now)
        )
    script, argv, stdin = TOOL_SCRIPTS[tool]
    result = run_hooked(READ_ONLY, argv, env, script=script, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert token_in(tool, result.stdout) == ("tok-cached" if cached else token_server.issued[0])
    warnings = warnings_in(result.stderr)
    assert len(warnings) == (0 if cached else 1), result.stderr
    if not cached:
        assert "Read-only file system" in warnings[0]


@pytest.mark.parametrize("tool", sorted(TOOL_SCRIPTS))
def test_symlink_at_the_lock_path_under_each_tool(
    tool: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A symlink at the lock path under git, docker and kubectl: the token and one warning, exit 0."""
    env = tool_env(helper_env)
    token_path, lock_path = entry_paths(env)
    TokenCache(os.path.dirname(token_path)).ensure_directory()
    symlink_to_victim(lock_path)
    script, argv, stdin = TOOL_SCRIPTS[tool]
    result = subprocess.run(
        [script, *argv], env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert token_in(tool, result.stdout) == token_server.issued[0]
    assert len(warnings_in(result.stderr)) == 1, result.stderr


def test_status_and_clear_read_only_are_one_line_each(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """On a read-only cache, status lists the entry (exit 0) and clear warns about it and exits 6."""
    first = tool_run("token", helper_env)
    assert first.returncode == 0, first.stderr
    status = run_hooked(READ_ONLY, ["status"], helper_env)
    assert status.returncode == 0, status.stderr
    assert "expires in" in status.stdout
    cleared = run_hooked(READ_ONLY, ["clear"], helper_env)
    assert cleared.returncode == 6, cleared.stderr
    assert cleared.stdout == "removed 0 cached token(s)\n"
    lines = cleared.stderr.splitlines()
    assert len(lines) == 2, cleared.stderr
    assert "Read-only file system" in lines[0]
    assert lines[1].startswith("rightbrain-helper: error: 1 cached token(s) could not be removed")
