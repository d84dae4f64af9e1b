"""Fixtures of the doctor tests: an isolated environment run from an empty directory (no repository's git config,
no machine-wide CA variables), the token endpoint over HTTPS, and ways to run doctor and set up a profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from ..support.doctor_report import Report
from ..support.procs import write_config


def doctor(env: dict[str, str], *args: str) -> Report:
    """Run `rightbrain-helper doctor ARGS` in this process, with the real transport and clock."""
    result = run_cli(["doctor", *args], env)
    return Report(result.code, result.stdout, result.stderr)


@pytest.fixture
def env(tls_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """helper_env without machine-wide CA variables (tls_env), run from an empty directory (no repository's git
    config)."""
    monkeypatch.chdir(tmp_path)
    return tls_env


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
