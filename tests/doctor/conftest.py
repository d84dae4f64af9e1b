"""Fixtures of the doctor tests: an isolated environment run from an empty directory (no repository's git config,
no machine-wide CA variables), the token endpoint over HTTPS, and ways to run doctor and set up a profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from ..support.doctor_report import Report
from ..support.procs import write_config
from ..support.tlsserver import make_self_signed, start_tls
from ..support.tokenserver import TokenServer

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def doctor(env: dict[str, str], *args: str) -> Report:
    """Run `rightbrain-helper doctor ARGS` in this process, with the real transport and clock."""
    result = run_cli(["doctor", *args], env)
    return Report(result.code, result.stdout, result.stderr)


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """helper_env, run from an empty directory (no repository's git config), no machine-wide CA variables."""
    monkeypatch.chdir(tmp_path)
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        helper_env.pop(name, None)
    return helper_env


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TokenServer, str, Path]]:
    """The token endpoint over HTTPS with a self-signed certificate for 127.0.0.1: (server, url, cert.pem)."""
    cert, key = make_self_signed(tmp_path)
    server = TokenServer({CLIENT_ID: CLIENT_SECRET})
    url = start_tls(server, cert, key)
    yield server, url, cert
    server.stop()


def profile_env(env: dict[str, str], tmp_path: Path, token_url: str, extra: str = "") -> dict[str, str]:
    """`env` with the client in [profiles.default] (secret in a 0600 file) instead of in the environment."""
    secret = tmp_path / "secret"
    secret.write_text(CLIENT_SECRET + "\n")
    secret.chmod(0o600)
    for name in ("RIGHTBRAIN_TOKEN_URL", "RIGHTBRAIN_CLIENT_ID", "RIGHTBRAIN_CLIENT_SECRET"):
        env.pop(name, None)
    write_config(
        env,
        f'[profiles.default]\ntoken_url = "{token_url}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret_file = "{secret}"\nscope = "read"\n{extra}\n',
    )
    return env
