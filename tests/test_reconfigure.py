"""Running configure again with other values changes the setup to them; unconfigure removes everything configure
added and says what it left and why. With the real git and kubectl reading the result."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import BIN_DIR, run_cli
from .support.profiles import full_profile
from .support.tokenserver import TokenServer

HOST = "git.example.com"
URL = f"https://{HOST}"
SERVER = "https://127.0.0.1:6443"


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Throwaway git config and kubeconfig, and a config file with two complete profiles p1 and p2."""
    (tmp_path / "gitconfig").touch()
    config = Path(helper_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    text = full_profile(helper_env, "p1") + full_profile(helper_env, "p2")
    config.write_text(text)
    config.chmod(0o600)
    return {
        **{key: value for key, value in helper_env.items() if key not in ("SSH_ASKPASS", "GIT_ASKPASS")},
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "KUBECONFIG": str(tmp_path / "kube" / "config"),
        "PATH": f"{BIN_DIR}{os.pathsep}{helper_env['PATH']}",
    }


def run(argv: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run a real client (git, kubectl) with a timeout."""
    return subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, timeout=60, check=False)


def git_values(env: dict[str, str], key: str) -> list[str]:
    """Every value of `key` in the global git config, as git reads it."""
    return run(["git", "config", "--global", "--get-all", key], env).stdout.splitlines()


def host_table(env: dict[str, str], host: str) -> dict[str, object] | None:
    """The helper's host-list table for `host`, as TOML reads it."""
    import tomllib  # noqa: PLC0415

    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    table: dict[str, object] | None = tomllib.loads(path.read_text()).get("hosts", {}).get(host)
    return table


def configure(env: dict[str, str], *args: str, command: str = "configure") -> str:
    """Run configure (or unconfigure) in process; it must succeed; its stdout."""
    result = run_cli([command, *args], env)
    assert result.code == 0, result.stderr
    return result.stdout


def test_git_takes_a_new_username_and_profile(env: dict[str, str], token_server: TokenServer) -> None:
    """configure git again with another --username and --profile: git's username line and the host entry both
    change, and `git credential fill` answers with the new username."""
    configure(env, "git", "--host", HOST, "--username", "u1", "--profile", "p1")
    out = configure(env, "git", "--host", HOST, "--username", "u2", "--profile", "p2")
    assert 'set profile = "p2" (was "p1"), set username = "u2" (was "u1")' in out
    assert git_values(env, f"credential.{URL}.username") == ["u2"]
    assert host_table(env, HOST) == {"profile": "p2", "username": "u2", "configured_by": ["git"]}
    filled = run(["git", "credential", "fill"], env, f"protocol=https\nhost={HOST}\n")
    assert filled.returncode == 0, filled.stderr
    assert "username=u2\n" in filled.stdout
    assert f"password={token_server.issued[0]}\n" in filled.stdout


def test_git_options_left_out_keep_their_values_and_empty_ones_reset(env: dict[str, str]) -> None:
    """Without --username the username stays; --username '' removes it from git and the host entry."""
    configure(env, "git", "--host", HOST, "--username", "u1", "--profile", "p1")
    assert configure(env, "git", "--host", HOST).count("unchanged") == 2
    configure(env, "git", "--host", HOST, "--username", "")
    assert git_values(env, f"credential.{URL}.username") == []
    assert host_table(env, HOST) == {"profile": "p1", "configured_by": ["git"]}


def test_git_unconfigure_removes_everything_configure_added(env: dict[str, str]) -> None:
    """After configure, a changed username, and unconfigure, nothing of ours is left: no helper or username
    line, no [credential] section, no host entry; the user's other settings stay."""
    Path(env["GIT_CONFIG_GLOBAL"]).write_text("[user]\n\tname = Me\n")
    configure(env, "git", "--host", HOST, "--username", "u1")
    configure(env, "git", "--host", HOST, "--username", "u2")
    out = configure(env, "git", "--host", HOST, command="unconfigure")
    assert f"did run: git config --global --remove-section credential.{URL}" in out
    assert Path(env["GIT_CONFIG_GLOBAL"]).read_text() == "[user]\n\tname = Me\n"
    assert host_table(env, HOST) is None


def test_git_unconfigure_says_what_it_left_and_why(env: dict[str, str]) -> None:
    """A helper and a username the user set for the same URL stay, each named with the reason."""
    configure(env, "git", "--host", HOST)
    run(["git", "config", "--global", "--add", f"credential.{URL}.helper", "cache"], env)
    run(["git", "config", "--global", f"credential.{URL}.username", "mine"], env)
    out = configure(env, "git", "--host", HOST, command="unconfigure")
    assert f"left credential.{URL}.helper = 'cache': not this helper's\n" in out
    assert f"left credential.{URL}.username = 'mine': configure did not set it\n" in out
    assert git_values(env, f"credential.{URL}.helper") == ["cache"]
    assert git_values(env, f"credential.{URL}.username") == ["mine"]


def kube_view(env: dict[str, str]) -> dict[str, object]:
    """The kubeconfig as kubectl reads it."""
    done = run(["kubectl", "config", "view", "-o", "json"], env)
    assert done.returncode == 0, done.stderr
    view: dict[str, object] = json.loads(done.stdout)
    return view


def names(view: dict[str, object], section: str) -> list[str]:
    """The entry names of one kubeconfig section."""
    return [str(item["name"]) for item in view.get(section) or []]  # type: ignore[attr-defined]


def exec_args(view: dict[str, object]) -> list[str]:
    """The exec plugin arguments of the user configure made."""
    (user,) = [item for item in view["users"] if item["name"] == "rightbrain-fake"]  # type: ignore[attr-defined]
    args: list[str] = user["user"]["exec"]["args"]
    return args


def test_kubectl_unconfigure_without_context_removes_user_cluster_and_context(env: dict[str, str]) -> None:
    """A context configure named --context alt goes with unconfigure --cluster alone, with the user and cluster."""
    out = configure(env, "kubectl", "--cluster", "fake", "--server", SERVER, "--context", "alt")
    assert "current context: alt (configure makes it current: the kubeconfig had none)" in out
    assert kube_view(env)["current-context"] == "alt"
    configure(env, "kubectl", "--cluster", "fake", command="unconfigure")
    view = kube_view(env)
    assert (names(view, "clusters"), names(view, "users"), names(view, "contexts")) == ([], [], [])
    assert view["current-context"] == ""
    assert host_table(env, "127.0.0.1:6443") is None


def test_kubectl_says_when_it_leaves_the_current_context(env: dict[str, str]) -> None:
    """With another current context, configure leaves it and says how to switch."""
    assert run(["kubectl", "config", "set-context", "mine", "--cluster=x", "--user=y"], env).returncode == 0
    assert run(["kubectl", "config", "use-context", "mine"], env).returncode == 0
    out = configure(env, "kubectl", "--cluster", "fake", "--server", SERVER)
    assert out.endswith(
        "current context: mine, unchanged; to use fake: kubectl config use-context fake "
        "(or kubectl --context fake ...)\n"
    )
    assert kube_view(env)["current-context"] == "mine"


def test_kubectl_takes_a_new_profile_and_keeps_it_when_left_out(env: dict[str, str]) -> None:
    """--profile p2 on a second run changes the plugin's arguments and the host entry; a run without --profile
    keeps p2."""
    configure(env, "kubectl", "--cluster", "fake", "--server", SERVER, "--profile", "p1")
    configure(env, "kubectl", "--cluster", "fake", "--server", SERVER, "--profile", "p2")
    assert exec_args(kube_view(env)) == ["kubectl", "--profile=p2"]
    assert host_table(env, "127.0.0.1:6443") == {"profile": "p2", "configured_by": ["kubectl"]}
    assert "unchanged: kubeconfig" in configure(env, "kubectl", "--cluster", "fake", "--server", SERVER)
    assert exec_args(kube_view(env)) == ["kubectl", "--profile=p2"]


def test_kubectl_unconfigure_says_what_it_left_and_why(env: dict[str, str]) -> None:
    """A cluster another context still uses stays, and so does a same-named user that is not ours; each is named."""
    configure(env, "kubectl", "--cluster", "fake", "--server", SERVER)
    assert run(["kubectl", "config", "set-context", "mine", "--cluster=fake", "--user=me"], env).returncode == 0
    out = configure(env, "kubectl", "--cluster", "fake", command="unconfigure")
    assert "left cluster fake: context mine still uses it\n" in out
    assert names(kube_view(env), "clusters") == ["fake"]
    assert run(["kubectl", "config", "set-credentials", "rightbrain-fake", "--token=t"], env).returncode == 0
    out = configure(env, "kubectl", "--cluster", "fake", command="unconfigure")
    assert "left user rightbrain-fake: its credential is not this helper's exec plugin\n" in out
