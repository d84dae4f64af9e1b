"""Real kubectl 1.32 against an HTTPS fake API server on 127.0.0.1, with the helper as its exec credential plugin.

The plain `kubectl.1.32` binary beside Google Cloud SDK's dispatcher is used where the number of plugin runs
matters; the dispatcher (`kubectl` on PATH, what users run) is used after `configure kubectl`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import helper_command, run_cli, run_helper
from .support.kube_api import KubeApiServer
from .support.profiles import full_profile
from .support.tls import Certificate, make_certificate
from .support.tokenserver import TokenServer

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
PREFIX = "Unable to connect to the server: getting credentials: "


def kubectl_on_path() -> str:
    """The `kubectl` users run (here: Google Cloud SDK's dispatcher)."""
    found = shutil.which("kubectl")
    assert found, "kubectl is not on PATH; these tests need kubectl 1.32 (see real-clients.md §4)"
    return found


def plain_kubectl() -> str:
    """The plain kubectl v1.32 binary that sits beside the dispatcher."""
    path = Path(os.path.realpath(kubectl_on_path())).parent / "kubectl.1.32"
    assert path.exists(), f"{path} is missing; these tests need the plain kubectl 1.32 binary"
    return str(path)


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1."""
    directory = tmp_path / "tls"
    directory.mkdir()
    return make_certificate(directory)


@pytest.fixture
def kube_api(certificate: Certificate, token_server: TokenServer) -> Iterator[KubeApiServer]:
    """An API server that accepts exactly the tokens the test issuer has issued."""
    server = KubeApiServer(certificate, lambda token: token in token_server.issued).start()
    yield server
    server.stop()


@pytest.fixture
def kube_env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The helper's environment plus a throwaway KUBECONFIG (HOME is already throwaway)."""
    return {**helper_env, "KUBECONFIG": str(tmp_path / "kube" / "config")}


def write_kubeconfig(env: dict[str, str], server: str, ca: Path, api_version: str) -> None:
    """A kubeconfig whose only user runs `rightbrain-helper kubectl` (JSON is YAML too)."""
    exec_section = {"apiVersion": api_version, "command": helper_command(), "args": ["kubectl"]}
    if api_version == V1:
        exec_section["interactiveMode"] = "Never"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": "svc", "user": {"exec": exec_section}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "svc"}}],
        "current-context": "fake",
    }
    path = Path(env["KUBECONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config), encoding="utf-8")


def kubectl(binary: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run kubectl with stdin from /dev/null, as in CI."""
    return subprocess.run(
        [binary, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("api_version", [V1, V1BETA1])
def test_kubectl_sends_the_helpers_token(
    kube_env: dict[str, str],
    kube_api: KubeApiServer,
    token_server: TokenServer,
    certificate: Certificate,
    api_version: str,
) -> None:
    """`kubectl get --raw /version` works with the helper's Bearer token, for both exec apiVersions."""
    write_kubeconfig(kube_env, kube_api.url, certificate.cert, api_version)
    result = kubectl(plain_kubectl(), ["get", "--raw", "/version"], kube_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["gitVersion"] == "v1.32.0"
    assert [seen.authorization for seen in kube_api.requests()] == [f"Bearer {token_server.issued[0]}"]
    assert len(token_server.token_requests()) == 1


def test_two_kubectl_processes_share_one_cached_token(
    kube_env: dict[str, str], kube_api: KubeApiServer, token_server: TokenServer, certificate: Certificate
) -> None:
    """kubectl caches nothing across processes; the helper's cache makes the second run cost no token request."""
    write_kubeconfig(kube_env, kube_api.url, certificate.cert, V1)
    for _ in range(2):
        result = kubectl(plain_kubectl(), ["get", "--raw", "/version"], kube_env)
        assert result.returncode == 0, result.stderr
    assert len(token_server.token_requests()) == 1
    assert {seen.authorization for seen in kube_api.requests()} == {f"Bearer {token_server.issued[0]}"}


def test_failing_fetch_shows_the_helpers_message(
    kube_env: dict[str, str], kube_api: KubeApiServer, token_server: TokenServer, certificate: Certificate
) -> None:
    """When the issuer refuses, kubectl shows the helper's one-line reason and its own exit-code line; no request."""
    write_kubeconfig(kube_env, kube_api.url, certificate.cert, V1)
    env = {**kube_env, "RIGHTBRAIN_CLIENT_SECRET": "wrong-secret"}
    result = kubectl(plain_kubectl(), ["get", "--raw", "/version"], env)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    helper_lines = [line for line in lines if line.startswith("rightbrain-helper: error: ")]
    assert helper_lines, result.stderr
    assert all("invalid_client" in line for line in helper_lines)
    assert f"{PREFIX}exec: executable {helper_command()} failed with exit code 1" in result.stderr
    assert "wrong-secret" not in result.stderr
    assert kube_api.requests() == []


def test_configure_then_kubectl_then_unconfigure(
    kube_env: dict[str, str], kube_api: KubeApiServer, token_server: TokenServer, certificate: Certificate
) -> None:
    """`configure kubectl` writes what the real kubectl (the dispatcher users run) then uses; unconfigure undoes it."""
    configure = ["configure", "kubectl", "--cluster", "fake", "--server", kube_api.url]
    configure += ["--certificate-authority", str(certificate.cert)]
    done = run_helper(configure, kube_env)
    assert done.returncode == 0, done.stderr
    host_entry = f'[hosts."{kube_api.url.removeprefix("https://")}"]'
    config_toml = Path(kube_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    assert host_entry in config_toml.read_text(encoding="utf-8")

    result = kubectl(kubectl_on_path(), ["get", "--raw", "/version"], kube_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["minor"] == "32"
    seen = [(item.path, item.authorization) for item in kube_api.requests()]
    assert seen[-1] == ("/version", f"Bearer {token_server.issued[0]}")
    # The dispatcher's own version probe (`/version?timeout=5s`) went out without credentials on this machine.
    assert {authorization for _, authorization in seen} <= {f"Bearer {token_server.issued[0]}", ""}

    undone = run_helper(["unconfigure", "kubectl", "--cluster", "fake"], kube_env)
    assert undone.returncode == 0, undone.stderr
    view = json.loads(kubectl(plain_kubectl(), ["config", "view", "-o", "json"], kube_env).stdout)
    assert (view["clusters"], view["users"], view["contexts"], view["current-context"]) == (None, None, None, "")
    assert host_entry not in config_toml.read_text(encoding="utf-8")
    again = kubectl(plain_kubectl(), ["get", "--raw", "/version", "--server", kube_api.url], kube_env)
    assert again.returncode != 0


def config_view(env: dict[str, str]) -> dict[str, object]:
    """The merged kubeconfig as kubectl reads it."""
    result = kubectl(plain_kubectl(), ["config", "view", "-o", "json"], env)
    assert result.returncode == 0, result.stderr
    view: dict[str, object] = json.loads(result.stdout)
    return view


def test_dry_run_prints_the_exact_kubectl_commands_and_changes_nothing(
    kube_env: dict[str, str], certificate: Certificate
) -> None:
    """--dry-run lists the kubectl commands configure would run and the host-list change; no file is written."""
    config_toml = Path(kube_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    profile = full_profile(kube_env, "ci")
    config_toml.write_text(profile)
    config_toml.chmod(0o600)
    argv = ["configure", "kubectl", "--cluster", "fake", "--server", "https://127.0.0.1:6443", "--profile", "ci"]
    result = run_cli([*argv, "--certificate-authority", str(certificate.cert), "--dry-run"], kube_env)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"would run: kubectl config set-cluster fake --server=https://127.0.0.1:6443 "
        f"--certificate-authority={certificate.cert}",
        f"would run: kubectl config set-credentials rightbrain-fake --exec-api-version={V1} "
        f"--exec-command={helper_command()} --exec-arg=kubectl --exec-arg=--profile=ci --exec-interactive-mode=Never",
        "would run: kubectl config set-context fake --cluster=fake --user=rightbrain-fake",
        "would run: kubectl config use-context fake",
        f'would add [hosts."127.0.0.1:6443"] to {config_toml}',
        "current context: fake (configure makes it current: the kubeconfig had none)",
    ]
    assert not Path(kube_env["KUBECONFIG"]).exists()
    assert config_toml.read_text() == profile


EXISTING = """\
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://other.example:6443", insecure-skip-tls-verify: true}
users:
- name: me
  user: {token: "static-token"}
contexts:
- name: other
  context: {cluster: other, user: me, namespace: dev}
current-context: other
"""


def test_configure_keeps_other_entries_is_idempotent_and_unconfigure_restores(
    kube_env: dict[str, str], certificate: Certificate
) -> None:
    """configure adds only its entries (backup first); a second run changes nothing; unconfigure restores the rest."""
    path = Path(kube_env["KUBECONFIG"])
    path.parent.mkdir(parents=True)
    path.write_text(EXISTING, encoding="utf-8")
    before = config_view(kube_env)
    argv = ["kubectl", "--cluster", "fake", "--server", "https://127.0.0.1:6443"]
    argv += ["--certificate-authority", str(certificate.cert)]
    first = run_cli(["configure", *argv], kube_env)
    assert first.code == 0, first.stderr
    backups = list(path.parent.glob("config.bak-*"))
    assert [backup.read_text(encoding="utf-8") for backup in backups] == [EXISTING]
    view = config_view(kube_env)
    assert view["current-context"] == "other"
    assert {item["name"] for item in view["contexts"]} == {"other", "fake"}  # type: ignore[attr-defined]
    written = path.read_bytes()

    second = run_cli(["configure", *argv], kube_env)
    assert second.code == 0, second.stderr
    assert second.stdout.startswith("unchanged: kubeconfig (already as wanted)\n")
    assert path.read_bytes() == written
    assert list(path.parent.glob("config.bak-*")) == backups

    undone = run_cli(["unconfigure", "kubectl", "--cluster", "fake"], kube_env)
    assert undone.code == 0, undone.stderr
    assert config_view(kube_env) == before


def test_unconfigure_keeps_a_cluster_another_context_uses(kube_env: dict[str, str]) -> None:
    """The cluster entry stays when a context configure did not make still points at it."""
    assert (
        run_cli(["configure", "kubectl", "--cluster", "fake", "--server", "https://127.0.0.1:6443"], kube_env).code == 0
    )
    mine = kubectl(plain_kubectl(), ["config", "set-context", "mine", "--cluster=fake", "--user=me"], kube_env)
    assert mine.returncode == 0, mine.stderr
    undone = run_cli(["unconfigure", "kubectl", "--cluster", "fake"], kube_env)
    assert undone.code == 0, undone.stderr
    assert "delete-cluster" not in undone.stdout
    view = config_view(kube_env)
    assert [item["name"] for item in view["clusters"]] == ["fake"]  # type: ignore[attr-defined]
    assert [item["name"] for item in view["contexts"]] == ["mine"]  # type: ignore[attr-defined]
    assert view["users"] is None


def test_kubeconfig_list_is_respected(kube_env: dict[str, str], tmp_path: Path) -> None:
    """With KUBECONFIG=a:b, the entries go where kubectl puts them (the first existing file); b is not created."""
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(EXISTING, encoding="utf-8")
    env = {**kube_env, "KUBECONFIG": f"{first}{os.pathsep}{second}"}
    result = run_cli(["configure", "kubectl", "--cluster", "fake", "--server", "https://127.0.0.1:6443"], env)
    assert result.code == 0, result.stderr
    assert f"wrote {first} (backup: {first}.bak-" in result.stdout
    assert not second.exists()
    assert "rightbrain-fake" in first.read_text(encoding="utf-8")


def test_configure_refuses_a_plain_http_server(kube_env: dict[str, str]) -> None:
    """kubectl never sends credentials over http, so configure refuses such a server and writes nothing."""
    result = run_cli(["configure", "kubectl", "--cluster", "fake", "--server", "http://127.0.0.1:8080"], kube_env)
    assert result.code == 2
    assert "use https://HOST[:PORT]; kubectl sends credentials only over https" in result.stderr
    assert not Path(kube_env["KUBECONFIG"]).exists()
