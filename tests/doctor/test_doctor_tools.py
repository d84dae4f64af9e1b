"""`doctor` reads each tool's own configuration and says which hosts it sends to this helper, and what in it will
go wrong: with the real git, a credential helper that would store the token; docker credHelpers for a registry the
helper does not answer for; a kubeconfig exec plugin with an apiVersion the helper does not speak; terraform
credentials that take precedence over the helper; cargo registries whose host is not listed; a host entry whose
profile does not resolve. Following the fix a ✗ line gives makes it ✓."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK

from ..conftest import run_cli
from ..support.doctor_report import BIN_DIR, FAIL, INFO, OK, tools_env
from ..support.procs import write_config
from ..support.tokenserver import TokenServer
from .conftest import doctor

HOST = "git.example.com"


@pytest.fixture
def env(env: dict[str, str], tmp_path: Path, token_server: TokenServer) -> dict[str, str]:
    """The doctor tests' environment with every tool's configuration under the test's directory."""
    return tools_env(env, tmp_path / "tools")


def run(env: dict[str, str], *argv: str) -> None:
    """Run a CLI command (configure, unconfigure) and require success."""
    result = run_cli(list(argv), env)
    assert result.code == 0, result.stderr


def git(env: dict[str, str], *args: str) -> None:
    """Run the real git with `env`."""
    subprocess.run(["git", *args], env=env, check=True, capture_output=True, timeout=60)


def test_git_with_a_store_helper_after_ours_fails_and_its_fix_works(env: dict[str, str]) -> None:
    """A global credential.helper=store added after configure: ✗ saying git-credential-store would write the
    token to ~/.git-credentials, with the fix; running that fix makes the git line ✓."""
    run(env, "configure", "git", "--host", HOST)
    assert doctor(env).line("git:")[0] == OK
    git(env, "config", "--global", "--add", "credential.helper", "store")
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("git:")
    assert mark == FAIL
    assert "credential.helper = 'store' (global config" in text
    assert "git-credential-store writes it in plain text to ~/.git-credentials" in text
    fix = f"rightbrain-helper unconfigure git --host {HOST} && rightbrain-helper configure git --host {HOST}"
    assert fix in text
    run(env, "unconfigure", "git", "--host", HOST)
    run(env, "configure", "git", "--host", HOST)
    assert doctor(env).line("git:") == (
        OK,
        f"git: https://{HOST} runs this helper and no other credential helper (profile default)",
    )


def test_a_host_listed_for_git_that_git_does_not_send_here_fails(env: dict[str, str]) -> None:
    """configure git, then the section removed by hand: ✗ naming the host and `configure git` as the fix."""
    run(env, "configure", "git", "--host", HOST)
    git(env, "config", "--global", "--remove-section", f"credential.https://{HOST}")
    mark, text = doctor(env).line("git:")
    assert mark == FAIL
    assert text.startswith(f"git: {HOST} is listed for git, but git's configuration does not run this helper")
    assert text.endswith(f"fix: rightbrain-helper configure git --host {HOST}")


def test_docker_cred_helpers_for_an_unlisted_registry_fails_and_its_fix_works(env: dict[str, str]) -> None:
    """credHelpers sends a registry to this helper that the host list lacks: ✗ saying docker gets "credentials
    not found", with the fix; running it makes the line ✓."""
    config = Path(env["DOCKER_CONFIG"]) / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"credHelpers": {"unlisted.example.com": "rightbrain"}}))
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("docker:")
    assert mark == FAIL
    assert '"credentials not found"' in text
    assert text.endswith("fix: rightbrain-helper configure docker --registry unlisted.example.com")
    run(env, "configure", "docker", "--registry", "unlisted.example.com")
    assert doctor(env).line("docker:") == (
        OK,
        'docker: credHelpers["unlisted.example.com"] runs this helper (profile default)',
    )


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: old
  cluster: {{server: "https://k8s.example.com:6443"}}
users:
- name: rightbrain-old
  user:
    exec:
      apiVersion: {version}
      command: {command}
      args: [kubectl]
      interactiveMode: Never
contexts:
- name: old
  context: {{cluster: old, user: rightbrain-old}}
current-context: old
"""


@pytest.mark.parametrize(("version", "expected"), [("client.authentication.k8s.io/v1alpha1", FAIL),
                                                   ("client.authentication.k8s.io/v1beta1", OK)])  # fmt: skip
def test_kubectl_exec_api_version_is_checked(env: dict[str, str], version: str, expected: str) -> None:
    """A kubeconfig user running this helper with exec apiVersion v1alpha1: ✗ (removed from Kubernetes); v1beta1
    is one the helper answers: ✓ naming the context and server."""
    command = BIN_DIR / "rightbrain-helper"
    Path(env["KUBECONFIG"]).write_text(KUBECONFIG.format(version=version, command=command))
    mark, text = doctor(env).line("kubectl:")
    assert mark == expected, text
    if expected == FAIL:
        assert f"exec apiVersion '{version}', which the helper does not answer" in text
        assert "fix: rightbrain-helper configure kubectl" in text
    else:
        assert text.endswith("(exec client.authentication.k8s.io/v1beta1, profile default): context old \u2192 "
                             "https://k8s.example.com:6443")  # fmt: skip


def test_terraform_credentials_that_win_over_the_helper_fail(env: dict[str, str]) -> None:
    """A TF_TOKEN_<host> variable and a token saved by `terraform login` each take precedence over the helper:
    one ✗ each, with the fix."""
    run(env, "configure", "terraform", "--host", "app.example.com")
    saved = Path(env["HOME"]) / ".terraform.d" / "credentials.tfrc.json"
    saved.write_text(json.dumps({"credentials": {"app.example.com": {"token": "saved-token"}}}))
    report = doctor({**env, "TF_TOKEN_app_example_com": "env-token"})
    assert report.code == EXIT_FAILURE, report
    failed = [text for text in report.marked(FAIL) if text.startswith("terraform:")]
    assert [text.rpartition("fix: ")[2] for text in failed] == [
        "unset TF_TOKEN_app_example_com",
        "terraform logout app.example.com",
    ]
    assert "saved-token" not in report.stdout
    assert "env-token" not in report.stdout


def test_a_cargo_registry_whose_host_is_not_listed_fails(env: dict[str, str]) -> None:
    """configure cargo, then its host taken off the host list by hand: ✗ saying cargo gets no token."""
    run(env, "configure", "cargo", "--registry", "corp", "--index", "sparse+https://crates.example.com/index/")
    write_config(env, "")
    mark, text = doctor(env).line("cargo:")
    assert mark == FAIL
    assert "registry corp runs this helper, but its index host" in text
    assert (
        "fix: rightbrain-helper configure cargo --registry corp --index sparse+https://crates.example.com/index/"
        in text
    )


def test_a_host_entry_whose_profile_does_not_resolve_fails(env: dict[str, str]) -> None:
    """credHelpers and the host list agree, but the entry names a profile the config file lacks: ✗."""
    write_config(env, '[hosts."registry.example.com"]\nprofile = "gone"\ntools = ["docker"]\n')
    config = Path(env["DOCKER_CONFIG"]) / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"credHelpers": {"registry.example.com": "rightbrain"}}))
    mark, text = doctor(env).line("docker:")
    assert mark == FAIL
    assert "but its profile does not resolve: profile 'gone' is not in" in text


def test_a_listed_host_no_tool_uses_is_information(env: dict[str, str]) -> None:
    """A RIGHTBRAIN_HOSTS entry no tool's configuration sends here: one · line, and doctor still exits 0."""
    report = doctor({**env, "RIGHTBRAIN_HOSTS": "idle.example.com"})
    assert report.code == EXIT_OK, report
    assert report.line("host list:") == (
        INFO,
        "host list: idle.example.com (for every tool) is used by no tool's configuration here; bazel and the go "
        "command (GOAUTH) may still use it",
    )
