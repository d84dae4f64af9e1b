"""The real cargo (1.95) using cargo-credential-rightbrain: `cargo generate-lockfile` and `cargo fetch` against a
sparse registry on 127.0.0.1 with `auth-required`, set up with `rightbrain-helper configure cargo`.

cargo on PATH is a rustup proxy that reads ~/.rustup; the tests change HOME, so they call the toolchain's cargo
directly with RUSTUP_HOME and RUSTC resolved first (docs/../real-clients.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CLIENT_SECRET, run_helper
from .support.sparse_registry import CRATE, VERSION, SparseRegistry
from .support.tokenserver import TokenServer

RUSTUP = shutil.which("rustup") or os.path.expanduser("~/.cargo/bin/rustup")


def rustup(*args: str) -> str:
    """One line of rustup's answer (with the real HOME, before tests change it)."""
    return subprocess.run([RUSTUP, *args], capture_output=True, text=True, timeout=60, check=True).stdout.strip()


@pytest.fixture(scope="module")
def toolchain() -> dict[str, str]:
    """The toolchain's cargo and rustc, and RUSTUP_HOME."""
    return {"cargo": rustup("which", "cargo"), "RUSTC": rustup("which", "rustc"), "RUSTUP_HOME": rustup("show", "home")}


@pytest.fixture
def registry(token_server: TokenServer) -> Iterator[SparseRegistry]:
    """A sparse registry that accepts exactly `Bearer <token the issuer handed out>`."""
    server = SparseRegistry(lambda value: value.removeprefix("Bearer ") in token_server.issued and " " in value)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path, toolchain: dict[str, str]) -> dict[str, str]:
    """helper_env with its own CARGO_HOME and none of cargo's token variables (they would win over providers)."""
    environment = {key: value for key, value in helper_env.items() if not key.startswith("CARGO_")}
    (tmp_path / "cargo-home").mkdir()
    return {
        **environment,
        "CARGO_HOME": str(tmp_path / "cargo-home"),
        "RUSTUP_HOME": toolchain["RUSTUP_HOME"],
        "RUSTC": toolchain["RUSTC"],
        "CARGO_TERM_COLOR": "never",
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A library crate that depends on the registry's crate."""
    root = tmp_path / "consumer"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("")
    (root / "Cargo.toml").write_text(
        '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[dependencies]\n{CRATE} = {{ version = "0.1", registry = "test" }}\n'
    )
    return root


def cargo(
    toolchain: dict[str, str], env: dict[str, str], project: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run the real cargo in the project, stdin from /dev/null."""
    return subprocess.run(
        [toolchain["cargo"], *args],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def configure(env: dict[str, str], registry: SparseRegistry, *extra: str, command: str = "configure") -> None:
    """`rightbrain-helper configure cargo --registry test --index URL`, as a user would run it."""
    argv = [command, "cargo", "--registry", "test", *(["--index", registry.index] if command == "configure" else [])]
    result = run_helper([*argv, *extra], env)
    assert result.returncode == 0, result.stderr


def test_generate_lockfile_and_fetch_send_the_token(
    toolchain: dict[str, str], env: dict[str, str], project: Path, registry: SparseRegistry, token_server: TokenServer
) -> None:
    """After configure: the lock file names the crate, the download succeeds, one token request, and after the
    first 401 every request carried `Bearer <token>`."""
    configure(env, registry)
    locked = cargo(toolchain, env, project, "generate-lockfile")
    assert locked.returncode == 0, locked.stderr
    assert f'name = "{CRATE}"\nversion = "{VERSION}"' in (project / "Cargo.lock").read_text()
    fetched = cargo(toolchain, env, project, "fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert len(token_server.token_requests()) == 1
    seen = registry.requests()
    assert (seen[0].path, seen[0].authorization) == ("/index/config.json", "")
    assert {item.authorization for item in seen[1:]} == {f"Bearer {token_server.issued[0]}"}
    assert f"/dl/{CRATE}/{VERSION}/download" in [item.path for item in seen]


def test_no_bearer_sends_the_bare_token(
    toolchain: dict[str, str], env: dict[str, str], project: Path, token_server: TokenServer
) -> None:
    """configure --no-bearer: cargo sends the token as the whole Authorization value."""
    server = SparseRegistry(lambda value: value in token_server.issued).start()
    try:
        configure(env, server, "--no-bearer")
        result = cargo(toolchain, env, project, "generate-lockfile")
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert server.requests()[-1].authorization == token_server.issued[0]


def test_logout_and_login_through_cargo(
    toolchain: dict[str, str], env: dict[str, str], project: Path, registry: SparseRegistry, token_server: TokenServer
) -> None:
    """cargo logout drops the cached token (the next run fetches anew); cargo login says there is nothing to do."""
    configure(env, registry)
    assert cargo(toolchain, env, project, "generate-lockfile").returncode == 0
    logout = cargo(toolchain, env, project, "logout", "--registry", "test")
    assert logout.returncode == 0, logout.stderr
    (project / "Cargo.lock").unlink()
    assert cargo(toolchain, env, project, "generate-lockfile").returncode == 0
    assert len(token_server.issued) == 2
    login = subprocess.run(
        [toolchain["cargo"], "login", "--registry", "test"],
        cwd=project,
        env=env,
        input="pasted-token\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert login.returncode == 101
    assert "failed action `login`" in login.stderr
    assert "cargo login --registry test: tokens for this registry come from the OAuth issuer" in login.stderr
    assert "pasted-token" not in login.stderr


def test_a_failing_fetch_is_shown_by_cargo(
    toolchain: dict[str, str], env: dict[str, str], project: Path, registry: SparseRegistry
) -> None:
    """A rejected client secret: cargo fails (101) and prints the helper's reason; the secret appears nowhere."""
    configure(env, registry)
    result = cargo(toolchain, {**env, "RIGHTBRAIN_CLIENT_SECRET": "wrong-secret"}, project, "generate-lockfile")
    assert result.returncode == 101
    assert "failed action `get`" in result.stderr
    assert "token endpoint refused (invalid_client, HTTP 401)" in result.stderr
    assert "wrong-secret" not in result.stderr
    assert CLIENT_SECRET not in result.stderr


def test_unconfigure_leaves_cargo_without_a_provider(
    toolchain: dict[str, str], env: dict[str, str], project: Path, registry: SparseRegistry, token_server: TokenServer
) -> None:
    """After unconfigure the registry is gone from cargo's config: cargo no longer knows it, no token is fetched."""
    configure(env, registry)
    configure(env, registry, command="unconfigure")
    result = cargo(toolchain, env, project, "generate-lockfile")
    assert result.returncode == 101
    assert "registry index was not found in any configuration: `test`" in result.stderr
    assert token_server.issued == []
