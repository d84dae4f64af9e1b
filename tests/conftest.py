"""Shared fixtures: a real token endpoint on 127.0.0.1, an isolated environment, and ways to run the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightbrain_helper.integrations.commands import main
from rightbrain_helper.ports import Clock, TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.token.service import default_transport

from .support.tlsserver import make_self_signed, start_tls
from .support.tokenserver import TokenServer

CLIENT_ID = "client-1"
CLIENT_SECRET = "s3cret+/=%:@!canary"  # punctuation that encoded and raw Basic disagree on
BIN_DIR = Path(sys.executable).parent


class CliResult:
    """Exit code and captured streams of one CLI run."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    """A token endpoint that knows CLIENT_ID / CLIENT_SECRET."""
    server = TokenServer({CLIENT_ID: CLIENT_SECRET}).start()
    yield server
    server.stop()


@pytest.fixture
def helper_env(tmp_path: Path, token_server: TokenServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with its own HOME, config dir and cache dir, pointed at token_server."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RIGHTBRAIN_", "XDG_", "GIT_", "DOCKER_", "KUBE", "TF_", "CARGO_"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        RIGHTBRAIN_CACHE_DIR=str(tmp_path / "cache"),
        RIGHTBRAIN_TOKEN_URL=token_server.url,
        RIGHTBRAIN_CLIENT_ID=CLIENT_ID,
        RIGHTBRAIN_CLIENT_SECRET=CLIENT_SECRET,
        # never the user's keyring: a plaintext file (keyrings.alt) under this test's own data directory
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    for name in ("PYTHON_KEYRING_BACKEND", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, env[name])  # for keyring calls made in this process
    return env


def run_cli(
    argv: list[str],
    env: dict[str, str],
    *,
    clock: Clock | None = None,
    transport_factory: TransportFactory = default_transport,
    stdin: str = "",
) -> CliResult:
    """Run the CLI in this process with injected seams; capture its streams."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        env=env, stdin=io.StringIO(stdin), stdout=out, stderr=err, clock=clock, transport_factory=transport_factory
    )
    code = main(argv, runtime)
    return CliResult(code, out.getvalue(), err.getvalue())


def helper_command(name: str = "rightbrain-helper") -> str:
    """The installed console script, from the same venv as the test interpreter."""
    path = BIN_DIR / name
    assert path.exists(), f"{name} is not installed in {BIN_DIR}; run scripts/test.sh"
    return str(path)


def run_helper(
    argv: list[str], env: dict[str, str], *, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a real subprocess."""
    return subprocess.run(
        [helper_command(), *argv], env=env, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture
def tls_env(helper_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """helper_env without the machine-wide CA bundle variables, in the env dict and in os.environ (requests reads
    the latter itself), so only the helper's own settings decide what is trusted."""
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        helper_env.pop(name, None)
    return helper_env


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TokenServer, str, Path]]:
    """The token endpoint over HTTPS with a self-signed certificate for IP 127.0.0.1: (server, url, cert.pem)."""
    cert, key = make_self_signed(tmp_path)
    server = TokenServer({CLIENT_ID: CLIENT_SECRET})
    url = start_tls(server, cert, key)
    yield server, url, cert
    server.stop()
