"""The real git, kubectl and docker clients, each configured with `configure`, getting their tokens from a real
authorization server: panva's oidc-provider (tests/interop/issuer.mjs) on 127.0.0.1, client_secret_basic with a
secret that Basic must encode. Each server accepts only a token the issuer logged as issued."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BIN_DIR, run_helper
from .support.git_http import GitHttpServer, make_repository
from .support.kube_api import KubeApiServer
from .support.registry import Registry
from .support.tls import make_certificate
from .test_interop_oidc_provider import BASIC_CLIENT, BASIC_SECRET, Issuer, start_issuer

CLEARED = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_AUTH_CONFIG", "KUBECONFIG")


@pytest.fixture(scope="module")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    """One oidc-provider for the three clients."""
    running = start_issuer(tmp_path_factory.mktemp("issuer"), tmp_path_factory.mktemp("credentials"))
    yield running
    running.stop()


def issued_by(issuer: Issuer, token: str) -> bool:
    """Whether the issuer logged `token` (by its SHA-256) as one it handed out."""
    digest = hashlib.sha256(token.encode("ascii")).hexdigest()
    return any(entry.get("token_sha256") == digest for entry in issuer.logged())


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path, oidc: Issuer) -> dict[str, str]:
    """An isolated HOME whose default client is oidc-provider's basic-client; git, docker and kubectl configs of
    its own; the helper's scripts first on PATH."""
    secret = tmp_path / "basic.secret"
    secret.write_text(BASIC_SECRET + "\n", encoding="utf-8")
    secret.chmod(0o600)
    environment = {key: value for key, value in helper_env.items() if key not in CLEARED}
    environment.pop("RIGHTBRAIN_CLIENT_SECRET", None)
    (tmp_path / "docker").mkdir()
    environment.update(
        RIGHTBRAIN_TOKEN_URL=oidc.token_url,
        RIGHTBRAIN_CLIENT_ID=BASIC_CLIENT,
        RIGHTBRAIN_CLIENT_SECRET_FILE=str(secret),
        GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        KUBECONFIG=str(tmp_path / "kubeconfig"),
        DOCKER_CONFIG=str(tmp_path / "docker"),
        PATH=f"{BIN_DIR}{os.pathsep}{helper_env.get('PATH', os.defpath)}",
    )
    return environment


def run(env: dict[str, str], *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A real client, stdin from /dev/null."""
    return subprocess.run(
        list(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False
    )


def configure(env: dict[str, str], *argv: str) -> None:
    """`rightbrain-helper configure ...`, as a user would run it."""
    result = run_helper(["configure", *argv], env)
    assert result.returncode == 0, result.stderr


def test_git_kubectl_and_docker_get_tokens_from_oidc_provider(
    env: dict[str, str], oidc: Issuer, tmp_path: Path
) -> None:
    """git ls-remote, kubectl get --raw /version and docker manifest inspect each succeed with a token oidc-provider
    issued to basic-client, all three from one token request (the shared cache)."""
    oidc.start_test()
    certificate = make_certificate(tmp_path)
    make_repository(tmp_path / "git", env)
    git_server = GitHttpServer(tmp_path / "git", lambda _user, password: issued_by(oidc, password)).start()
    kube = KubeApiServer(certificate, lambda token: issued_by(oidc, token)).start()
    (tmp_path / "registry-tls").mkdir()
    registry = Registry(make_certificate(tmp_path / "registry-tls"), lambda _user, password: issued_by(oidc, password))
    registry.start()
    try:
        configure(env, "git", "--host", f"http://127.0.0.1:{git_server.port}")
        configure(
            env, "kubectl", "--cluster", "c", "--server", kube.url, "--certificate-authority", str(certificate.cert)
        )
        configure(env, "docker", "--registry", registry.address)
        git = run(env, "git", "ls-remote", git_server.url(), cwd=tmp_path)
        kubectl = run(env, "kubectl", "get", "--raw", "/version")
        docker = run(
            env,
            shutil.which("docker") or "docker",
            "manifest",
            "inspect",
            "--insecure",
            f"{registry.address}/{registry.repository}:1.0",
        )
    finally:
        for server in (git_server, kube, registry):
            server.stop()
    for result in (git, kubectl, docker):
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert "refs/heads/" in git.stdout
    assert '"gitVersion"' in kubectl.stdout
    assert '"schemaVersion": 2' in docker.stdout
    requests = oidc.requests_by(BASIC_CLIENT)
    assert len(requests) == 1, requests
    assert requests[0]["status"] == 200
    passwords = {seen.password for seen in git_server.requests() if seen.password}
    bearers = {seen.authorization.removeprefix("Bearer ") for seen in kube.requests() if seen.authorization}
    docker_passwords = {seen.password for seen in registry.seen if seen.password}
    assert len(passwords | bearers | docker_passwords) == 1
    assert issued_by(oidc, passwords.pop())
