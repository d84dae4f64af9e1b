"""git 2.39 itself calling `git-credential-rightbrain`: `git credential fill`, `git ls-remote` against a smart-HTTP
server on 127.0.0.1 that demands the token (and later revokes it), and `configure git` as git then reads it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BIN_DIR, helper_command, run_cli, run_helper
from .support.git_http import GitHttpServer, make_repository
from .support.tokenserver import TokenServer


@pytest.fixture
def git_env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env plus an empty global git config, no system config, no prompts, the venv's bin on PATH."""
    gitconfig = tmp_path / "gitconfig"
    gitconfig.touch()
    env = {key: value for key, value in helper_env.items() if key not in ("SSH_ASKPASS", "GIT_ASKPASS")}
    env.update(
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        PATH=f"{BIN_DIR}{os.pathsep}{helper_env['PATH']}",
    )
    return env


@pytest.fixture
def revoked() -> set[str]:
    """Tokens the git server no longer accepts (a test adds to it to make the server rotate)."""
    return set()


@pytest.fixture
def git_server(
    tmp_path: Path, git_env: dict[str, str], token_server: TokenServer, revoked: set[str]
) -> Iterator[GitHttpServer]:
    """repo.git over smart HTTP, for Basic passwords the token server issued and the test has not revoked."""
    make_repository(tmp_path / "srv", git_env)
    server = GitHttpServer(
        tmp_path / "srv", accept=lambda _user, password: password in token_server.issued and password not in revoked
    ).start()
    yield server
    server.stop()


def git(args: list[str], env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run real git outside any repository, with a timeout."""
    return subprocess.run(
        ["git", *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def with_helper(env: dict[str, str]) -> list[str]:
    """`-c credential.helper=<absolute path>`: how configure writes it, without touching the global config."""
    return ["-c", f"credential.helper={helper_command('git-credential-rightbrain')}"]


def cached_tokens(env: dict[str, str]) -> list[Path]:
    """The token files in the helper's cache directory."""
    return sorted(Path(env["RIGHTBRAIN_CACHE_DIR"]).glob("*.token"))


def test_credential_fill_answers_a_configured_host(
    git_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """`git credential fill` via the bare helper name gets the default username and the token as password."""
    git_env["RIGHTBRAIN_HOSTS"] = "git.example.com"
    done = git(
        ["-c", "credential.helper=rightbrain", "credential", "fill"],
        git_env,
        tmp_path,
        "protocol=https\nhost=git.example.com\n\n",
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if not line.startswith("password_expiry_utc=")]
    assert lines == [
        "protocol=https",
        "host=git.example.com",
        "username=x-access-token",
        f"password={token_server.issued[0]}",
    ]


def test_credential_fill_leaves_other_hosts_to_git(
    git_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """An unconfigured host gets nothing: git falls through to its prompt, and no token is requested."""
    git_env["RIGHTBRAIN_HOSTS"] = "git.example.com"
    done = git([*with_helper(git_env), "credential", "fill"], git_env, tmp_path, "protocol=https\nhost=evil.example\n")
    assert done.returncode == 128
    assert "could not read Username for 'https://evil.example': terminal prompts disabled" in done.stderr
    assert "rightbrain" not in done.stderr
    assert token_server.token_requests() == []


def test_ls_remote_sends_the_token_and_shares_the_cache(
    git_env: dict[str, str], git_server: GitHttpServer, token_server: TokenServer, tmp_path: Path
) -> None:
    """`git ls-remote` over http to 127.0.0.1 authenticates with x-access-token:<token>; a second git process
    is served from the shared cache (one token request in total)."""
    git_env["RIGHTBRAIN_HOSTS"] = f"127.0.0.1:{git_server.port}"
    for _ in range(2):
        done = git([*with_helper(git_env), "ls-remote", git_server.url()], git_env, tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip().endswith("\trefs/heads/main")
    assert len(token_server.token_requests()) == 1
    authenticated = [seen for seen in git_server.requests() if seen.status == 200]
    assert authenticated
    assert {(seen.username, seen.password) for seen in authenticated} == {("x-access-token", token_server.issued[0])}


def test_server_side_401_erases_and_the_next_command_gets_a_new_token(
    git_env: dict[str, str], git_server: GitHttpServer, token_server: TokenServer, revoked: set[str], tmp_path: Path
) -> None:
    """When the server stops accepting the cached token, git's `erase` drops it; the next git command fetches
    a new token and succeeds."""
    git_env["RIGHTBRAIN_HOSTS"] = f"127.0.0.1:{git_server.port}"
    command = [*with_helper(git_env), "ls-remote", git_server.url()]
    assert git(command, git_env, tmp_path).returncode == 0
    revoked.add(token_server.issued[0])

    refused = git(command, git_env, tmp_path)
    assert refused.returncode == 128
    assert f"fatal: Authentication failed for '{git_server.url()}/'" in refused.stderr
    assert f"127.0.0.1:{git_server.port} refused the token; dropped it from the cache" in refused.stderr
    assert cached_tokens(git_env) == []

    again = git(command, git_env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(token_server.issued) == 2
    assert git_server.requests()[-1].password == token_server.issued[1]


def test_configure_git_then_git_uses_it_and_unconfigure_removes_it(
    git_env: dict[str, str], git_server: GitHttpServer, token_server: TokenServer, tmp_path: Path
) -> None:
    """`rightbrain-helper configure git` writes the global git config and the host list; plain `git ls-remote`
    then authenticates through the helper. `unconfigure` takes both away and git is back to prompting."""
    host = f"127.0.0.1:{git_server.port}"
    configured = run_helper(["configure", "git", "--host", f"http://{host}"], git_env)
    assert configured.returncode == 0, configured.stderr
    helper = helper_command("git-credential-rightbrain")
    assert Path(git_env["GIT_CONFIG_GLOBAL"]).read_text() == (
        f'[credential "http://{host}"]\n\thelper = \n\thelper = {helper}\n'
    )

    done = git(["ls-remote", git_server.url()], git_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert git_server.requests()[-1].password == token_server.issued[0]

    removed = run_helper(["unconfigure", "git", "--host", f"http://{host}"], git_env)
    assert removed.returncode == 0, removed.stderr
    assert "rightbrain" not in Path(git_env["GIT_CONFIG_GLOBAL"]).read_text()
    after = git(["ls-remote", git_server.url()], git_env, tmp_path)
    assert after.returncode == 128
    assert f"could not read Username for 'http://{host}': terminal prompts disabled" in after.stderr


def git_config_values(env: dict[str, str], key: str, cwd: Path) -> list[str]:
    """Every value of `key` in the global git config, as git reads it."""
    return git(["config", "--global", "--get-all", key], env, cwd).stdout.splitlines()


def helper_config(env: dict[str, str]) -> Path:
    """The helper's own config file (its host list) in this environment."""
    return Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"


def test_configure_dry_run_prints_the_exact_git_commands(git_env: dict[str, str]) -> None:
    """--dry-run shows the git config commands and the host-list change, and writes nothing."""
    gitconfig = Path(git_env["GIT_CONFIG_GLOBAL"])
    gitconfig.write_text("[user]\n\tname = Me\n")
    result = run_cli(["configure", "git", "--host", "git.example.com", "--username", "oauth2", "--dry-run"], git_env)
    assert (result.code, result.stderr) == (0, "")
    key = "credential.https://git.example.com"
    assert result.stdout.splitlines() == [
        f"would run: git config --global --replace-all {key}.helper ''",
        f"would run: git config --global --add {key}.helper {helper_command('git-credential-rightbrain')}",
        f"would run: git config --global --replace-all {key}.username oauth2",
        f'would add [hosts."git.example.com"] to {helper_config(git_env)}',
    ]
    assert gitconfig.read_text() == "[user]\n\tname = Me\n"
    assert not helper_config(git_env).exists()


def test_configure_keeps_the_rest_backs_up_and_is_idempotent(git_env: dict[str, str], tmp_path: Path) -> None:
    """configure appends its section, keeps everything else, backs the file up once; a second run changes
    nothing (same bytes, same mtime, no new backup)."""
    gitconfig = Path(git_env["GIT_CONFIG_GLOBAL"])
    original = "[user]\n\tname = Me\n[credential]\n\thelper = store\n"
    gitconfig.write_text(original)
    argv = ["configure", "git", "--host", "git.example.com:8443", "--username", "oauth2"]
    first = run_cli(argv, git_env)
    assert first.code == 0, first.stderr
    helper = helper_command("git-credential-rightbrain")
    assert gitconfig.read_text() == original + (
        f'[credential "https://git.example.com:8443"]\n\thelper = \n\thelper = {helper}\n\tusername = oauth2\n'
    )
    backups = list(tmp_path.glob("gitconfig.bak-*"))
    assert [path.read_text() for path in backups] == [original]
    assert helper_config(git_env).read_text() == (
        '[hosts."git.example.com:8443"]\nusername = "oauth2"\nconfigured_by = ["git"]\n'
    )

    stamp = gitconfig.stat().st_mtime_ns
    second = run_cli(argv, git_env)
    assert second.stdout == (
        f"unchanged: {gitconfig} (already as wanted)\nunchanged: {helper_config(git_env)} (already as wanted)\n"
    )
    assert gitconfig.stat().st_mtime_ns == stamp
    assert list(tmp_path.glob("gitconfig.bak-*")) == backups


def test_configured_url_ignores_inherited_helpers(
    git_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """The empty helper value configure writes first keeps a global `store` helper away from that URL: git
    gets the token from us, and approving it does not write it to ~/.git-credentials."""
    Path(git_env["GIT_CONFIG_GLOBAL"]).write_text("[credential]\n\thelper = store\n")
    assert run_cli(["configure", "git", "--host", "git.example.com"], git_env).code == 0
    filled = git(["credential", "fill"], git_env, tmp_path, "protocol=https\nhost=git.example.com\n")
    assert f"password={token_server.issued[0]}\n" in filled.stdout
    approved = git(["credential", "approve"], git_env, tmp_path, filled.stdout)
    assert approved.returncode == 0, approved.stderr
    assert not (Path(git_env["HOME"]) / ".git-credentials").exists()


def test_unconfigure_removes_only_what_configure_wrote(git_env: dict[str, str], tmp_path: Path) -> None:
    """unconfigure drops our helper values, the username it set and the host entry; a helper the user added
    for the same URL stays."""
    assert run_cli(["configure", "git", "--host", "git.example.com", "--username", "oauth2"], git_env).code == 0
    git(["config", "--global", "--add", "credential.https://git.example.com.helper", "cache"], git_env, tmp_path)
    result = run_cli(["unconfigure", "git", "--host", "git.example.com"], git_env)
    assert result.code == 0, result.stderr
    assert git_config_values(git_env, "credential.https://git.example.com.helper", tmp_path) == ["cache"]
    assert git_config_values(git_env, "credential.https://git.example.com.username", tmp_path) == []
    assert "git.example.com" not in helper_config(git_env).read_text()
    again = run_cli(["unconfigure", "git", "--host", "git.example.com"], git_env)
    assert again.stdout.startswith(f"unchanged: {git_env['GIT_CONFIG_GLOBAL']} (already as wanted)\n")


@pytest.mark.parametrize("host", ["http://git.example.com", "git.example.com/org/repo", "user@git.example.com"])
def test_configure_refuses_hosts_it_cannot_serve_safely(git_env: dict[str, str], host: str) -> None:
    """Plain http to a remote host, a path or a user in --host: a usage error, and nothing is written."""
    result = run_cli(["configure", "git", "--host", host], git_env)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"rightbrain-helper: error: --host {host!r}: ")
    assert Path(git_env["GIT_CONFIG_GLOBAL"]).read_text() == ""
    assert not helper_config(git_env).exists()
