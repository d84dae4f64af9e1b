"""Discovery and revocation against a real authorization server: panva's oidc-provider (tests/interop/issuer.mjs),
configured by `issuer` alone. The token must be active at the server's own introspection endpoint (RFC 7662)
after `token`, and inactive after `clear` revoked it (RFC 7009)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from rightbrain_helper.oauth.client_auth import basic_authorization

from ..conftest import run_helper
from ..support.procs import write_config
from ..test_interop_oidc_provider import BASIC_CLIENT, BASIC_SECRET, Issuer, start_issuer


@pytest.fixture
def oidc_issuer(tmp_path: Path) -> Iterator[tuple[Issuer, str]]:
    """A running issuer.mjs and its issuer identifier (http://127.0.0.1:PORT)."""
    (tmp_path / "issuer").mkdir()
    (tmp_path / "credentials").mkdir()
    running = start_issuer(tmp_path / "issuer", tmp_path / "credentials")
    yield running, running.token_url.removesuffix("/token")
    running.stop()


def introspected_active(issuer: str, token: str) -> bool:
    """Whether the server's introspection endpoint says `token` is active (asked as the client that holds it)."""
    answer = requests.post(
        f"{issuer}/token/introspection",
        data={"token": token},
        headers={"Authorization": basic_authorization(BASIC_CLIENT, BASIC_SECRET, raw=False)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    active = answer.json()["active"]
    assert isinstance(active, bool)
    return active


def test_discovered_token_is_revoked_by_clear(
    oidc_issuer: tuple[Issuer, str], helper_env: dict[str, str], tmp_path: Path
) -> None:
    """With only `issuer` configured, the helper discovers oidc-provider's token endpoint and gets a token that
    introspects as active; `clear` revokes it (no warning) and it introspects as inactive."""
    running, issuer = oidc_issuer
    secret = tmp_path / "basic.secret"
    secret.write_text(BASIC_SECRET + "\n", encoding="utf-8")
    secret.chmod(0o600)
    write_config(
        helper_env,
        f'[profiles.oidc]\nissuer = "{issuer}"\nclient_id = "{BASIC_CLIENT}"\n'
        f'client_secret_file = "{secret}"\nscope = "api:read"\n',
    )
    fetched = run_helper(["token", "--profile", "oidc"], helper_env)
    assert (fetched.returncode, fetched.stderr) == (0, ""), fetched.stderr
    token = fetched.stdout.strip()
    [request] = running.requests_by(BASIC_CLIENT)
    assert (request["status"], request["client_auth"]) == (200, "client_secret_basic")
    assert introspected_active(issuer, token)
    cleared = run_helper(["clear", "--profile", "oidc"], helper_env)
    assert (cleared.returncode, cleared.stdout, cleared.stderr) == (0, "removed 1 cached token(s)\n", "")
    assert not introspected_active(issuer, token)
