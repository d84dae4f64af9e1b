"""doctor with a client that holds no secret: a private_key_jwt profile gets the method's own checks (the key
private and able to sign) and one real token request signed with it; a key open to the group is a failure."""

from __future__ import annotations

from pathlib import Path

from ..conftest import run_cli
from ..support.clientauth import new_key, write_key
from ..support.tokenserver import TokenServer
from ..test_private_key_jwt import jwt_profile, trusting
from .conftest import doctor


def test_private_key_jwt_profile_is_checked_end_to_end(
    env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A private EC key the issuer trusts: the key checks and the signed token request pass, exit 0."""
    key = new_key("ec")
    jwt_profile(env, token_server, write_key(tmp_path / "client.key", key))
    trusting(token_server, key)
    report = doctor(env, "--profile", "jwt")
    assert report.code == 0, report
    assert any("ES256" in text for text in report.marked("✓")), report
    assert any(text.startswith("token request") for text in report.marked("✓")), report
    assert len(token_server.token_requests()) == 1
    assert "PRIVATE KEY" not in report.stdout + report.stderr


def test_a_key_open_to_the_group_fails_with_the_fix(
    env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A key with mode 0640: a failing line naming the fix, exit 1."""
    key = new_key("ec")
    jwt_profile(env, token_server, write_key(tmp_path / "client.key", key, 0o640))
    trusting(token_server, key)
    report = doctor(env, "--profile", "jwt")
    assert report.code == 1, report
    assert any("chmod 600" in text for text in report.marked("✗")), report


def test_the_lock_checked_is_the_one_the_token_path_uses(
    env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """For a private_key_jwt profile, the cache lock doctor takes is the lock file `token` refreshed under (the
    key comes from the method's credential fingerprint, not a client secret)."""
    key = new_key("ec")
    jwt_profile(env, token_server, write_key(tmp_path / "client.key", key))
    trusting(token_server, key)
    assert run_cli(["token", "--profile", "jwt"], env).code == 0
    locks = [path.name for path in Path(env["RIGHTBRAIN_CACHE_DIR"]).iterdir() if path.suffix == ".lock"]
    assert len(locks) == 1
    report = doctor(env, "--profile", "jwt")
    lock_lines = [text for text in report.marked("✓") if text.startswith("cache lock")]
    assert len(lock_lines) == 1, report
    assert locks[0] in lock_lines[0]
