"""The real terraform (1.11) using terraform-credentials-rightbrain: `terraform init` of a module from a module
registry on 127.0.0.1 over HTTPS that demands the Bearer token; set up with `rightbrain-helper configure terraform`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BIN_DIR, CLIENT_SECRET, run_helper
from .support.module_registry import ARCHIVE_PATH, MODULE, VERSION, ModuleRegistry
from .support.tls import make_certificate
from .support.tokenserver import TokenServer

TERRAFORM = shutil.which("terraform") or "terraform"


@pytest.fixture
def registry(tmp_path: Path, token_server: TokenServer) -> Iterator[ModuleRegistry]:
    """A module registry that accepts Bearer tokens the test issuer handed out."""
    (tmp_path / "tls").mkdir()
    server = ModuleRegistry(make_certificate(tmp_path / "tls"), lambda token: token in token_server.issued).start()
    yield server
    server.stop()


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env without TF_* (TF_TOKEN_* would win over helpers), its own CLI config, the test CA trusted."""
    environment = {key: value for key, value in helper_env.items() if not key.startswith("TF_")}
    return {
        **environment,
        "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "SSL_CERT_FILE": str(tmp_path / "tls" / "cert.pem"),  # Go's TLS reads it on Linux
    }


@pytest.fixture
def project(tmp_path: Path, registry: ModuleRegistry) -> Path:
    """A root module that calls the registry's module."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "main.tf").write_text(
        f'module "m" {{\n  source  = "{registry.host}/{MODULE}"\n  version = "{VERSION}"\n}}\n'
        'output "g" {\n  value = module.m.greeting\n}\n'
    )
    return root


def terraform(env: dict[str, str], project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real terraform in the project, stdin from /dev/null."""
    return subprocess.run(
        [TERRAFORM, *args, "-no-color"],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def init(env: dict[str, str], project: Path) -> subprocess.CompletedProcess[str]:
    """`terraform init` from scratch (no module cache left by an earlier run)."""
    shutil.rmtree(project / ".terraform", ignore_errors=True)
    return terraform(env, project, "init", "-input=false")


def configure(env: dict[str, str], registry: ModuleRegistry, command: str = "configure") -> None:
    """`rightbrain-helper configure terraform --host 127.0.0.1:PORT`, as a user would run it."""
    result = run_helper([command, "terraform", "--host", registry.host], env)
    assert result.returncode == 0, result.stderr


def test_init_downloads_the_module_with_the_token(
    env: dict[str, str], project: Path, registry: ModuleRegistry, token_server: TokenServer
) -> None:
    """After configure, init succeeds: one token request, and discovery and the modules API saw Bearer <token>."""
    configure(env, registry)
    result = init(env, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Terraform has been successfully initialized!" in result.stdout
    assert len(token_server.token_requests()) == 1
    bearer = f"Bearer {token_server.issued[0]}"
    api_calls = [seen for seen in registry.requests() if seen.path != ARCHIVE_PATH]
    assert [seen.path for seen in api_calls] == [
        "/.well-known/terraform.json",
        f"/v1/modules/{MODULE}/versions",
        f"/v1/modules/{MODULE}/{VERSION}/download",
    ]
    assert {seen.authorization for seen in api_calls} == {bearer}
    assert (project / ".terraform" / "modules" / "m" / "main.tf").exists()


def test_a_second_init_uses_the_cached_token(
    env: dict[str, str], project: Path, registry: ModuleRegistry, token_server: TokenServer
) -> None:
    """A second terraform process gets the same token from the shared cache: still one token request."""
    configure(env, registry)
    assert init(env, project).returncode == 0
    assert init(env, project).returncode == 0
    assert len(token_server.token_requests()) == 1


def test_logout_drops_the_token_and_the_next_init_fetches_anew(
    env: dict[str, str], project: Path, registry: ModuleRegistry, token_server: TokenServer
) -> None:
    """terraform logout runs `forget`: the next init sends a newly fetched token."""
    configure(env, registry)
    assert init(env, project).returncode == 0
    logout = terraform(env, project, "logout", registry.host)
    assert logout.returncode == 0, logout.stdout + logout.stderr
    assert init(env, project).returncode == 0
    assert len(token_server.issued) == 2
    last_api_call = [seen for seen in registry.requests() if seen.path != ARCHIVE_PATH][-1]
    assert last_api_call.authorization == f"Bearer {token_server.issued[1]}"


def test_unconfigure_sends_terraform_back_to_anonymous(
    env: dict[str, str], project: Path, registry: ModuleRegistry, token_server: TokenServer
) -> None:
    """After unconfigure, init goes unauthenticated and the registry's 401 stops it; no token is fetched."""
    configure(env, registry)
    configure(env, registry, command="unconfigure")
    result = init(env, project)
    assert result.returncode == 1
    assert "401 Unauthorized" in result.stderr
    assert token_server.issued == []
    assert {seen.authorization for seen in registry.requests()} == {""}


def test_a_failing_helper_is_silent_unless_tf_log_is_set(
    env: dict[str, str], project: Path, registry: ModuleRegistry
) -> None:
    """A rejected client secret: terraform hides the helper's stderr and fails with the registry's 401; with
    TF_LOG set it logs the helper's one-line error. The secret appears in neither."""
    configure(env, registry)
    wrong = {**env, "RIGHTBRAIN_CLIENT_SECRET": "wrong-secret"}
    quiet = init(wrong, project)
    assert quiet.returncode == 1
    assert "401 Unauthorized" in quiet.stderr
    assert "rightbrain-helper" not in quiet.stdout + quiet.stderr
    logged = init({**wrong, "TF_LOG": "warn"}, project)
    assert "rightbrain-helper: error: token endpoint refused (invalid_client, HTTP 401)" in logged.stderr
    for output in (quiet.stdout + quiet.stderr, logged.stdout + logged.stderr):
        assert "wrong-secret" not in output
        assert CLIENT_SECRET not in output


def test_terraform_finds_the_helper_only_in_its_plugin_directory(
    env: dict[str, str], project: Path, registry: ModuleRegistry, token_server: TokenServer
) -> None:
    """Without the plugin link (the helper only on PATH), terraform silently goes unauthenticated."""
    configure(env, registry)
    os.unlink(Path(env["HOME"], ".terraform.d", "plugins", "terraform-credentials-rightbrain"))
    result = init({**env, "PATH": f"{BIN_DIR}{os.pathsep}{env.get('PATH', os.defpath)}"}, project)
    assert result.returncode == 1
    assert token_server.issued == []
