"""The real skopeo (containers/image, as podman and buildah use it) with docker-credential-rightbrain.

containers/image reads docker's `credHelpers` from its auth files: `--authfile` / REGISTRY_AUTH_FILE,
`$XDG_RUNTIME_DIR/containers/auth.json`, `$DOCKER_CONFIG/config.json` and `~/.docker/config.json`
(containers-auth.json(5)). Each test sets exactly one of them and runs `skopeo inspect` against an HTTPS registry
on 127.0.0.1 that demands Basic credentials whose password is a token the issuer handed out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BIN_DIR, run_helper
from .support.registry import Registry
from .support.tls import make_certificate
from .support.tokenserver import TokenServer

SKOPEO = shutil.which("skopeo") or "/usr/bin/skopeo"  # scripts/setup.sh installs it (Debian package)
CLEARED = ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "CONTAINERS_REGISTRIES_CONF")


@pytest.fixture
def registry(tmp_path: Path, token_server: TokenServer) -> Iterator[Registry]:
    """An HTTPS registry accepting Basic credentials whose password the issuer handed out."""
    (tmp_path / "tls").mkdir()
    server = Registry(make_certificate(tmp_path / "tls"), lambda _user, password: password in token_server.issued)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env without any containers auth-file location, the helper first on PATH."""
    environment = {key: value for key, value in helper_env.items() if key not in CLEARED}
    return {**environment, "PATH": f"{BIN_DIR}{os.pathsep}{helper_env.get('PATH', os.defpath)}"}


def skopeo_inspect(env: dict[str, str], registry: Registry) -> subprocess.CompletedProcess[str]:
    """`skopeo inspect --tls-verify=false docker://127.0.0.1:PORT/team/app:1.0`."""
    image = f"docker://{registry.address}/{registry.repository}:{registry.tag}"
    return subprocess.run(
        [SKOPEO, "inspect", "--tls-verify=false", image],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_auth_file(path: Path, registry: Registry) -> None:
    """An auth file that sends the registry to the rightbrain helper."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"credHelpers": {registry.address: "rightbrain"}}))
    path.chmod(0o600)


@pytest.mark.parametrize("location", ["REGISTRY_AUTH_FILE", "HOME/.docker/config.json"])
def test_skopeo_gets_the_token_through_credhelpers(
    location: str, env: dict[str, str], registry: Registry, token_server: TokenServer, tmp_path: Path
) -> None:
    """With credHelpers in a containers auth file and the host configured, skopeo inspect succeeds with Basic
    oauth2:TOKEN at the registry; both of skopeo's helper runs share one token request."""
    if location == "REGISTRY_AUTH_FILE":
        env["REGISTRY_AUTH_FILE"] = str(tmp_path / "auth.json")
        write_auth_file(tmp_path / "auth.json", registry)
    else:
        write_auth_file(Path(env["HOME"], ".docker", "config.json"), registry)
    env["RIGHTBRAIN_HOSTS"] = registry.address
    result = skopeo_inspect(env, registry)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Digest"] == registry.digest
    assert {(seen.username, seen.password) for seen in registry.authorized()} == {("oauth2", token_server.issued[0])}
    assert len(token_server.token_requests()) == 1


def test_configure_docker_serves_skopeo_through_docker_config(
    env: dict[str, str], registry: Registry, token_server: TokenServer, tmp_path: Path
) -> None:
    """`rightbrain-helper configure docker` (DOCKER_CONFIG) is all skopeo needs: it reads the same file."""
    env["DOCKER_CONFIG"] = str(tmp_path / "docker")
    configured = run_helper(["configure", "docker", "--registry", registry.address], env)
    assert configured.returncode == 0, configured.stderr
    result = skopeo_inspect(env, registry)
    assert result.returncode == 0, result.stderr
    assert registry.authorized()


def test_unconfigured_host_leaves_skopeo_anonymous(
    env: dict[str, str], registry: Registry, token_server: TokenServer, tmp_path: Path
) -> None:
    """credHelpers names the helper but the host is not in its host list: not found, skopeo goes on without
    credentials and the registry refuses it; no token is fetched."""
    env["REGISTRY_AUTH_FILE"] = str(tmp_path / "auth.json")
    write_auth_file(tmp_path / "auth.json", registry)
    result = skopeo_inspect(env, registry)
    assert result.returncode == 1
    assert "unauthorized" in result.stderr.lower()
    assert registry.authorized() == []
    assert token_server.token_requests() == []
