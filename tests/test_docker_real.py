"""The real docker CLI (28, no daemon) using docker-credential-rightbrain against registries on 127.0.0.1.

`docker manifest inspect --insecure` talks to the registry itself, so it proves end to end that the token arrives;
`docker login` and `docker pull` are answered by a fake Engine API, since they hand the credential to the daemon.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BIN_DIR, CLIENT_SECRET, run_helper
from .support.registry import FakeEngine, Registry
from .support.tls import make_certificate
from .support.tokenserver import TokenServer

DOCKER = shutil.which("docker") or "docker"
CLEARED = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_AUTH_CONFIG")
ORIGINAL = '{\n\t"auths": {},\n\t"psFormat": "table {{.ID}}",\n\t"credHelpers": {\n\t\t"gcr.io": "gcloud"\n\t}\n}'


@pytest.fixture
def registry(tmp_path: Path, token_server: TokenServer) -> Iterator[Registry]:
    """An HTTPS registry that accepts Basic credentials whose password is a token the issuer handed out."""
    (tmp_path / "tls").mkdir()
    server = Registry(make_certificate(tmp_path / "tls"), lambda _user, password: password in token_server.issued)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env plus a throwaway DOCKER_CONFIG (holding ORIGINAL) and the helper first on PATH; no daemon."""
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    config.write_text(ORIGINAL)
    config.chmod(0o600)
    environment = {key: value for key, value in helper_env.items() if key not in CLEARED}
    path = f"{BIN_DIR}{os.pathsep}{helper_env.get('PATH', os.defpath)}"
    return {**environment, "DOCKER_CONFIG": str(config.parent), "PATH": path}


def docker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real docker CLI, stdin from /dev/null (login acts differently on a terminal)."""
    return subprocess.run(
        [DOCKER, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False
    )


def configure(env: dict[str, str], registry: Registry, command: str = "configure") -> None:
    """`rightbrain-helper configure docker --registry 127.0.0.1:PORT`, as a user would run it."""
    result = run_helper([command, "docker", "--registry", registry.address], env)
    assert result.returncode == 0, result.stderr


def inspect(env: dict[str, str], registry: Registry) -> subprocess.CompletedProcess[str]:
    """`docker manifest inspect --insecure 127.0.0.1:PORT/team/app:1.0`."""
    return docker(env, "manifest", "inspect", "--insecure", f"{registry.address}/{registry.repository}:1.0")


def test_configured_docker_sends_the_token_to_the_registry(
    env: dict[str, str], registry: Registry, token_server: TokenServer
) -> None:
    """After configure, manifest inspect succeeds with Basic oauth2:TOKEN; one token request; config kept."""
    configure(env, registry)
    result = inspect(env, registry)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(registry.manifest)
    authorized = registry.authorized()
    assert authorized
    assert {(seen.username, seen.password) for seen in authorized} == {("oauth2", token_server.issued[0])}
    assert len(token_server.token_requests()) == 1
    config = json.loads(Path(env["DOCKER_CONFIG"], "config.json").read_text())
    assert config == {**json.loads(ORIGINAL), "credHelpers": {"gcr.io": "gcloud", registry.address: "rightbrain"}}


def test_docker_login_succeeds_through_the_helper(
    env: dict[str, str], registry: Registry, token_server: TokenServer
) -> None:
    """docker login with no -u: the CLI takes the helper's answer, the daemon gets the token, and store exits 0
    (otherwise the login would fail with the non-TTY error)."""
    configure(env, registry)
    engine = FakeEngine().start()
    try:
        result = docker({**env, "DOCKER_HOST": f"tcp://{engine.address}"}, "login", registry.address)
    finally:
        engine.stop()
    assert (result.returncode, result.stdout) == (0, "Login Succeeded\n"), result.stderr
    assert "Authenticating with existing credentials... [Username: oauth2]" in result.stderr
    token = token_server.issued[0]
    assert engine.logins() == [{"username": "oauth2", "password": token, "serveraddress": registry.address}]


def test_docker_logout_makes_the_next_command_fetch_a_new_token(
    env: dict[str, str], registry: Registry, token_server: TokenServer
) -> None:
    """docker logout runs erase: the cached token is dropped and the next inspect sends a new one."""
    configure(env, registry)
    assert inspect(env, registry).returncode == 0
    logout = docker(env, "logout", registry.address)
    assert (logout.returncode, logout.stdout) == (0, f"Removing login credentials for {registry.address}\n")
    again = inspect(env, registry)
    assert again.returncode == 0, again.stderr
    assert len(token_server.issued) == 2
    assert registry.authorized()[-1].password == token_server.issued[1]


def test_unconfigure_sends_docker_back_to_anonymous(
    env: dict[str, str], registry: Registry, token_server: TokenServer
) -> None:
    """After unconfigure, config.json is byte for byte the original and docker sends no credentials."""
    configure(env, registry)
    assert inspect(env, registry).returncode == 0
    configure(env, registry, command="unconfigure")
    assert Path(env["DOCKER_CONFIG"], "config.json").read_text() == ORIGINAL
    seen_before = len(registry.seen)
    result = inspect(env, registry)
    assert result.returncode == 1
    assert "no basic auth credentials" in result.stderr
    assert all(seen.password is None for seen in registry.seen[seen_before:])
    assert len(token_server.token_requests()) == 1


def test_a_failing_token_fetch_is_shown_and_docker_goes_on_anonymously(
    env: dict[str, str], registry: Registry, token_server: TokenServer
) -> None:
    """A rejected client secret: docker shows the helper's one-line error, then fails with the registry's 401."""
    configure(env, registry)
    result = inspect({**env, "RIGHTBRAIN_CLIENT_SECRET": "wrong-secret"}, registry)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("rightbrain-helper: error: ")]
    assert errors
    assert all("token endpoint refused (invalid_client, HTTP 401)" in line for line in errors)
    assert "no basic auth credentials" in result.stderr
    assert "wrong-secret" not in result.stderr
    assert CLIENT_SECRET not in result.stderr
    assert registry.authorized() == []


def pull_through_engine(env: dict[str, str], image: str) -> tuple[subprocess.CompletedProcess[str], list[object]]:
    """`docker pull IMAGE` against a fake Engine API; the result and the credentials docker handed the daemon."""
    engine = FakeEngine().start()
    try:
        result = docker({**env, "DOCKER_HOST": f"tcp://{engine.address}"}, "pull", image)
    finally:
        engine.stop()
    return result, engine.pulls()


def test_an_unconfigured_host_gets_the_not_found_text_and_docker_pulls_anonymously(
    env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A host routed to the helper in credHelpers but not configured in it gets docker's exact not-found text:
    docker's client library takes it as "no credentials" and pulls anonymously and silently, even over a stale
    login for that host in `auths`, which any other failure text makes docker fall back to."""
    host = "registry.unconfigured.test:5000"
    stale = {"auth": base64.b64encode(b"stale-user:stale-password").decode()}
    config = {"auths": {host: stale}, "credHelpers": {host: "rightbrain"}}
    Path(env["DOCKER_CONFIG"], "config.json").write_text(json.dumps(config))
    answer = subprocess.run(
        [str(BIN_DIR / "docker-credential-rightbrain"), "get"],
        input=host,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (answer.returncode, answer.stdout, answer.stderr) == (1, "credentials not found in native keychain\n", "")
    result, pulls = pull_through_engine(env, f"{host}/team/app:1.0")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert "Pulled by the fake engine" in result.stdout
    assert pulls == [{}]
    assert token_server.token_requests() == []
    # The control: a helper whose failure text differs only slightly is not "not found" to docker, which then
    # hands the daemon the stale login; so the `{}` above is docker matching the exact text.
    other = tmp_path / "other-helper"
    other.mkdir()
    script = other / "docker-credential-other"
    script.write_text("#!/bin/sh\necho 'credentials not found'\nexit 1\n")
    script.chmod(0o755)
    config["credHelpers"] = {host: "other"}
    Path(env["DOCKER_CONFIG"], "config.json").write_text(json.dumps(config))
    _, pulls = pull_through_engine({**env, "PATH": f"{other}{os.pathsep}{env['PATH']}"}, f"{host}/team/app:1.0")
    assert pulls == [{"username": "stale-user", "password": "stale-password", "serveraddress": host}]
