"""Host entries are per tool: configuring git or kubectl for a host does not make docker answer for it; a
hand-written entry may name its tools (`tools = [...]`) or serve them all; RIGHTBRAIN_HOSTS serves every tool."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.docker import DOCKER
from rightbrain_helper.integrations.git import GIT
from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.integrations.terraform import TERRAFORM
from rightbrain_helper.runtime import Runtime

from .conftest import BIN_DIR, CliResult, run_cli
from .support.adapters import cargo_request, run_adapter
from .support.procs import write_config

NOT_FOUND = "credentials not found in native keychain\n"


def docker_run(action: str, env: dict[str, str], stdin: str = "") -> CliResult:
    """One docker-credential-rightbrain action in process."""
    out, err = io.StringIO(), io.StringIO()
    code = serve(DOCKER, [action], Runtime(env=env, stdin=io.StringIO(stdin), stdout=out, stderr=err))
    return CliResult(code, out.getvalue(), err.getvalue())


def git_get(env: dict[str, str], host: str) -> CliResult:
    """One git-credential-rightbrain get for https://HOST in process."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(env=env, stdin=io.StringIO(f"protocol=https\nhost={host}\n\n"), stdout=out, stderr=err)
    code = serve(GIT, ["get"], runtime)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env with throwaway git, docker and kubectl configuration."""
    (tmp_path / "gitconfig").touch()
    return {
        **helper_env,
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "DOCKER_CONFIG": str(tmp_path / "docker"),
        "KUBECONFIG": str(tmp_path / "kube" / "config"),
        "PATH": f"{BIN_DIR}{os.pathsep}{helper_env['PATH']}",
    }


def test_configuring_git_and_kubectl_does_not_make_docker_answer(env: dict[str, str]) -> None:
    """After configure git and configure kubectl, docker's list is empty and its get says not found for both
    hosts, while git answers for its host."""
    assert run_cli(["configure", "git", "--host", "git.example.com"], env).code == 0
    kubectl = ["configure", "kubectl", "--cluster", "k", "--server", "https://k8s.example.com:6443"]
    assert run_cli(kubectl, env).code == 0
    assert docker_run("list", env).stdout == "{}\n"
    for host in ("git.example.com", "k8s.example.com:6443"):
        assert (docker_run("get", env, host).code, docker_run("get", env, host).stdout) == (1, NOT_FOUND)
    assert "password=" in git_get(env, "git.example.com").stdout
    assert git_get(env, "k8s.example.com:6443").stdout == ""


def test_a_host_configured_for_two_tools_serves_both(env: dict[str, str]) -> None:
    """configure git and configure docker for the same host: one entry, configured_by both, each answers."""
    assert run_cli(["configure", "git", "--host", "gitea.example.com"], env).code == 0
    assert run_cli(["configure", "docker", "--registry", "gitea.example.com"], env).code == 0
    assert json.loads(docker_run("list", env).stdout) == {"gitea.example.com": "oauth2"}
    assert docker_run("get", env, "gitea.example.com").code == 0
    assert "password=" in git_get(env, "gitea.example.com").stdout


@pytest.mark.parametrize(
    ("table", "git_answers", "docker_answers"),
    [
        ("", True, True),
        ('tools = ["git"]\n', True, False),
        ('tools = ["docker"]\n', False, True),
        ('tools = ["git", "docker"]\n', True, True),
        ('configured_by = ["kubectl"]\n', False, False),
        ('configured_by = ["git"]\ntools = ["docker"]\n', True, True),
    ],
    ids=["no-list-serves-all", "tools-git", "tools-docker", "tools-both", "kubectl-only", "union"],
)
def test_an_entry_serves_the_tools_it_names(
    env: dict[str, str], table: str, git_answers: bool, docker_answers: bool
) -> None:
    """tools (by hand) and configured_by (by configure) together name the tools an entry serves; neither: all."""
    write_config(env, f'[hosts."h.example.com"]\n{table}')
    assert ("password=" in git_get(env, "h.example.com").stdout) is git_answers
    assert (docker_run("get", env, "h.example.com").code == 0) is docker_answers
    assert ("h.example.com" in json.loads(docker_run("list", env).stdout)) is docker_answers


def test_rightbrain_hosts_serves_every_tool(env: dict[str, str]) -> None:
    """RIGHTBRAIN_HOSTS (how CI jobs configure the helper) serves git and docker alike, beside per-tool entries."""
    write_config(env, '[hosts."git.example.com"]\nconfigured_by = ["git"]\n')
    ci = {**env, "RIGHTBRAIN_HOSTS": "ci.example.com"}
    assert "password=" in git_get(ci, "ci.example.com").stdout
    assert docker_run("get", ci, "ci.example.com").code == 0
    assert json.loads(docker_run("list", ci).stdout) == {"ci.example.com": "oauth2"}


@pytest.mark.parametrize("value", ['"git"', "[1]", '[""]'])
def test_a_malformed_tools_list_is_a_config_error(env: dict[str, str], value: str) -> None:
    """tools must be a list of tool names: anything else is exit 3 naming the entry and the fix."""
    path = write_config(env, f'[hosts."h.example.com"]\ntools = {value}\n')
    result = git_get(env, "h.example.com")
    assert result.code == 3
    assert f'[hosts."h.example.com"] in {path}: tools must be a list of tool names' in result.stderr


def answers(tool: str, env: dict[str, str], host: str) -> bool:
    """Whether the adapter called `tool` hands out a token for https://HOST (each asked as its tool asks)."""
    if tool == "terraform":
        result = run_adapter(TERRAFORM, ["get", host], env)
        return result.stdout.startswith('{"token":')
    if tool == "cargo":
        result = run_adapter(CARGO, ["--cargo-plugin"], env, cargo_request("get", f"sparse+https://{host}/i/") + "\n")
        return '"kind":"get"' in result.stdout
    if tool == "bazel":
        result = run_cli(["bazel", "get"], env, stdin=f'{{"uri":"https://{host}/cas/1"}}')
        return '"Authorization"' in result.stdout
    url_call = run_cli(["goauth", f"https://{host}/mod"], env).stdout
    start_up = run_cli(["goauth"], env).stdout
    assert ("Authorization: Bearer " in url_call) == (f"https://{host}\n" in start_up), (url_call, start_up)
    return "Authorization: Bearer " in url_call


HOST_LIST_TOOLS = ["terraform", "cargo", "bazel", "goauth"]


@pytest.mark.parametrize("tool", HOST_LIST_TOOLS)
@pytest.mark.parametrize(
    ("table", "served"),
    [
        ('configured_by = ["git"]\n', set()),
        ('tools = ["docker", "kubectl"]\n', set()),
        ('configured_by = ["terraform"]\n', {"terraform"}),
        ('configured_by = ["cargo"]\n', {"cargo"}),
        ('tools = ["bazel"]\n', {"bazel"}),
        ('tools = ["goauth"]\n', {"goauth"}),
        ("", set(HOST_LIST_TOOLS)),
    ],
    ids=["git-only", "docker-kubectl", "terraform", "cargo", "bazel", "goauth", "no-list-serves-all"],
)
def test_terraform_cargo_bazel_and_goauth_answer_only_for_their_entries(
    tool: str, table: str, served: set[str], env: dict[str, str]
) -> None:
    """A host configured for git (or docker, or another of these tools) gets no token from terraform, cargo,
    bazel or goauth; each answers only for entries naming it, or naming no tool at all."""
    write_config(env, f'[hosts."h.example.com"]\n{table}')
    assert answers(tool, env, "h.example.com") is (tool in served)


@pytest.mark.parametrize("tool", HOST_LIST_TOOLS)
def test_rightbrain_hosts_serves_the_host_list_tools_too(tool: str, env: dict[str, str]) -> None:
    """RIGHTBRAIN_HOSTS serves terraform, cargo, bazel and goauth beside a config entry that serves git only."""
    write_config(env, '[hosts."git.example.com"]\nconfigured_by = ["git"]\n')
    ci = {**env, "RIGHTBRAIN_HOSTS": "ci.example.com"}
    assert answers(tool, ci, "ci.example.com")
    assert not answers(tool, ci, "git.example.com")
