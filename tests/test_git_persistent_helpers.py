"""`configure git` warns when another credential helper is in effect for the host (git hands every helper the
token to `store`), and its fix works: with the real git, `git credential approve` after `fill` writes
~/.git-credentials exactly when the warning said it would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rightbrain_helper.integrations.git_helpers import url_matches

from .conftest import BIN_DIR, helper_command
from .support.tokenserver import TokenServer

HOST = "git.example.com"
URL = f"https://{HOST}"


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """An empty global git config, no system config, no prompts, the venv's bin on PATH."""
    (tmp_path / "gitconfig").touch()
    return {
        **{key: value for key, value in helper_env.items() if key not in ("SSH_ASKPASS", "GIT_ASKPASS")},
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "PATH": f"{BIN_DIR}{os.pathsep}{helper_env['PATH']}",
    }


def run(argv: list[str], env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run a command (git, or the installed helper) in `cwd`."""
    return subprocess.run(argv, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, check=False)


def configure(env: dict[str, str], cwd: Path, command: str = "configure") -> subprocess.CompletedProcess[str]:
    """`rightbrain-helper configure git --host HOST` run in `cwd` (a repository's config counts there)."""
    done = run([helper_command(), command, "git", "--host", HOST], env, cwd)
    assert done.returncode == 0, done.stderr
    return done


def token_stored(env: dict[str, str], cwd: Path) -> bool:
    """Let git fill a credential for the host and approve it (as after a successful request); whether a helper
    wrote it to ~/.git-credentials."""
    stored = Path(env["HOME"]) / ".git-credentials"
    stored.unlink(missing_ok=True)
    filled = run(["git", "credential", "fill"], env, cwd, f"protocol=https\nhost={HOST}\n")
    assert filled.returncode == 0, filled.stderr
    assert "password=tok-" in filled.stdout
    assert run(["git", "credential", "approve"], env, cwd, filled.stdout).returncode == 0
    return stored.exists() and "tok-" in stored.read_text()


def test_a_global_store_set_after_configure_is_warned_about_and_the_fix_works(
    env: dict[str, str], tmp_path: Path, token_server: TokenServer
) -> None:
    """`credential.helper store` added after configure comes after its reset: the token lands in
    ~/.git-credentials. configure says so (plain text, the file, the fix); after the fix it does not."""
    configure(env, tmp_path)
    assert run(["git", "config", "--global", "credential.helper", "store"], env, tmp_path).returncode == 0
    assert token_stored(env, tmp_path)
    warned = configure(env, tmp_path).stderr
    assert warned.startswith("rightbrain-helper: warning: credential.helper = 'store' (global config, file:"), warned
    assert f"is also in effect for {URL}" in warned
    assert "writes it in plain text to ~/.git-credentials" in warned
    assert f"rightbrain-helper unconfigure git --host {HOST} && rightbrain-helper configure git --host {HOST}" in warned
    configure(env, tmp_path, "unconfigure")
    assert configure(env, tmp_path).stderr == ""
    assert not token_stored(env, tmp_path)


def test_a_repository_store_is_warned_about_with_the_local_fix(
    env: dict[str, str], tmp_path: Path, token_server: TokenServer
) -> None:
    """A repository's own `credential.helper store` (read after the global config) gets the token in that
    repository; configure run there says so and names the `git config --local` reset that fixes it."""
    repo = tmp_path / "repo"
    assert run(["git", "init", "-q", str(repo)], env, tmp_path).returncode == 0
    assert run(["git", "config", "--local", "credential.helper", "store"], env, repo).returncode == 0
    warned = configure(env, repo).stderr
    ours = helper_command("git-credential-rightbrain")
    key = f"credential.{URL}.helper"
    assert "credential.helper = 'store' (local config, file:.git/config)" in warned
    assert f"in that repository run: git config --local {key} '' && git config --local --add {key} '{ours}'" in warned
    assert token_stored(env, repo)
    assert not token_stored(env, tmp_path), "outside the repository the global reset keeps store away"
    assert run(["git", "config", "--local", key, ""], env, repo).returncode == 0
    assert run(["git", "config", "--local", "--add", key, ours], env, repo).returncode == 0
    assert not token_stored(env, repo)
    assert configure(env, repo).stderr == ""


def test_cache_is_warned_about_as_memory(env: dict[str, str], tmp_path: Path) -> None:
    """git-credential-cache keeps the token in memory: the warning says that, not plain text."""
    configure(env, tmp_path)
    run(["git", "config", "--global", "credential.helper", "cache --timeout=300"], env, tmp_path)
    warned = configure(env, tmp_path).stderr
    assert "credential.helper = 'cache --timeout=300' (global config" in warned
    assert "keeps it in memory" in warned


@pytest.mark.parametrize(
    "setup",
    [
        ["config", "--global", "credential.helper", "store"],  # before configure: its reset clears it
        ["config", "--global", "credential.https://other.example.helper", "store"],  # another host
        ["config", "--global", f"credential.{URL}/org.helper", "store"],  # a path git does not send by default
    ],
    ids=["before", "other-host", "other-path"],
)
def test_no_warning_when_no_other_helper_gets_the_token(
    env: dict[str, str], tmp_path: Path, token_server: TokenServer, setup: list[str]
) -> None:
    """A helper configure's reset clears, or one for another URL, is not in effect: no warning, nothing stored."""
    assert run(["git", *setup], env, tmp_path).returncode == 0
    assert configure(env, tmp_path).stderr == ""
    assert not token_stored(env, tmp_path)


@pytest.mark.parametrize(
    ("pattern", "url", "username", "expected"),
    [
        ("https://git.example.com", "https://git.example.com", "", True),
        ("https://GIT.example.com:443/", "https://git.example.com", "", True),
        ("git.example.com", "https://git.example.com", "", True),
        ("https://*.example.com", "https://git.example.com", "", True),
        ("https://*.com", "https://git.example.com", "", False),
        ("http://git.example.com", "https://git.example.com", "", False),
        ("https://git.example.com:8443", "https://git.example.com", "", False),
        ("https://git.example.com/org", "https://git.example.com", "", False),
        ("https://me@git.example.com", "https://git.example.com", "", False),
        ("https://me@git.example.com", "https://git.example.com", "me", True),
    ],
)
def test_url_matching_follows_git(pattern: str, url: str, username: str, expected: bool) -> None:
    """credential.<pattern> applies as git decides: scheme, host (case, * per label), default port, user, path."""
    assert url_matches(pattern, url, username) is expected
