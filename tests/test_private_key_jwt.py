"""private_key_jwt (RFC 7523, OIDC Core §9) against the real token endpoint on 127.0.0.1, which holds the client's
public key and checks the signature, iss = sub = client id, aud = its URL, exp, and that no jti comes twice."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_REJECTED
from rightbrain_helper.settings.load import Overrides, load_context, load_settings
from rightbrain_helper.token.client_auth import doctor_checks

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.clientauth import JWT_BEARER, ClientVerifier, PrivateKey, new_key, write_key
from .support.fakes import FakeClock
from .support.heavy import HEAVY_MODULES
from .support.procs import write_config
from .support.tokenserver import Reply, TokenServer
from .test_hot_path import probe


def jwt_profile(env: dict[str, str], server: TokenServer, key: Path, extra: str = "", *, age: float = 0) -> None:
    """[profiles.jwt] for CLIENT_ID at `server` with client_auth private_key_jwt and `key`; no secret anywhere in
    it (the explicit profile shuts out RIGHTBRAIN_CLIENT_SECRET)."""
    write_config(
        env,
        f'[profiles.jwt]\ntoken_url = "{server.url}"\nclient_id = "{CLIENT_ID}"\nclient_auth = "private_key_jwt"\n'
        f'private_key_file = "{key}"\n{extra}\n',
        age=age,
    )


def trusting(server: TokenServer, key: PrivateKey, clock: FakeClock | None = None) -> ClientVerifier:
    """Give `server` a verifier that holds `key`'s public half for CLIENT_ID (on `clock`'s time, if given)."""
    verifier = ClientVerifier(server.url, clock.now if clock else time.time)
    verifier.jwt_keys[CLIENT_ID] = key.public_key()
    server.verifier = verifier
    return verifier


def run_jwt(env: dict[str, str], clock: FakeClock, *extra: str) -> CliResult:
    """`token --profile jwt` with the fake clock."""
    return run_cli(["token", "--profile", "jwt", *extra], env, clock=clock)


def one_error(result: CliResult, code: int, *fragments: str) -> None:
    """The run failed with `code` and one error line holding each of `fragments`."""
    assert result.code == code, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("rightbrain-helper: error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize(
    "case", [("rsa", "", "RS256"), ("ec", "", "ES256"), ("rsa", "PS256", "PS256")], ids=["RS256", "ES256", "PS256"]
)
def test_signed_assertion_is_accepted_by_the_issuer(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, case: tuple[str, str, str]
) -> None:
    """The assertion is signed with the key's algorithm (or private_key_alg), iss = sub = client id, aud = the token
    endpoint, exp 60 s after iat, a jti; sent with client_id and the jwt-bearer type, and no secret."""
    kind, alg_setting, alg = case
    clock = FakeClock()
    key = new_key(kind)
    verifier = trusting(token_server, key, clock)
    extra = f'private_key_alg = "{alg_setting}"' if alg_setting else ""
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", key), extra)
    result = run_jwt(helper_env, clock)
    assert result.code == 0, (result.stderr, verifier.refusals)
    assert result.stdout == token_server.issued[0] + "\n"
    ((header, claims),) = verifier.assertions
    assert header["alg"] == alg
    assert "kid" not in header
    assert (claims["iss"], claims["sub"], claims["aud"]) == (CLIENT_ID, CLIENT_ID, token_server.url)
    assert claims["iat"] == int(clock.now())
    assert claims["exp"] - claims["iat"] == 60
    recorded = token_server.token_requests()[0]
    assert recorded.field("client_assertion_type") == JWT_BEARER
    assert recorded.field("client_id") == CLIENT_ID
    assert "authorization" not in recorded.headers
    assert recorded.field("client_secret") is None
    assert CLIENT_SECRET.encode() not in recorded.body


def test_kid_goes_into_the_header(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """private_key_kid names the key in the JWS header, so an issuer with several keys for the client finds it."""
    clock = FakeClock()
    key = new_key("ec")
    verifier = trusting(token_server, key, clock)
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", key), 'private_key_kid = "key-2026"')
    assert run_jwt(helper_env, clock).code == 0
    assert verifier.assertions[0][0]["kid"] == "key-2026"


def test_refresh_signs_a_new_assertion(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A cached token is served without signing; after it expires the next fetch signs a fresh assertion (new jti,
    new exp), which the issuer, refusing replays, accepts."""
    clock = FakeClock()
    verifier = trusting(token_server, key := new_key(), clock)
    token_server.expires_in = 300
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", key))
    first = run_jwt(helper_env, clock)
    assert run_jwt(helper_env, clock).stdout == first.stdout  # a hit: nothing signed or sent
    assert len(token_server.token_requests()) == 1
    clock.advance(400)
    second = run_jwt(helper_env, clock)
    assert second.code == 0, (second.stderr, verifier.refusals)
    assert second.stdout != first.stdout
    (_, one), (_, two) = verifier.assertions
    assert one["jti"] != two["jti"]
    assert two["exp"] == one["exp"] + 400


def test_a_retry_never_replays_the_assertion(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """After a 503 the retry carries a newly signed assertion: a server that saw the first jti would refuse it."""
    clock = FakeClock()
    trusting(token_server, key := new_key(), clock)
    token_server.queue(Reply(503, b"busy", {"Retry-After": "1"}))
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", key))
    assert run_jwt(helper_env, clock).code == 0
    first, second = (item.field("client_assertion") for item in token_server.token_requests())
    assert first
    assert second
    assert first != second


def test_a_new_key_is_a_new_token(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """Replacing the key file (same path) is a cache miss: the old key's token is not served for the new key."""
    clock = FakeClock()
    verifier = trusting(token_server, key := new_key(), clock)
    path = write_key(tmp_path / "client.key", key)
    jwt_profile(helper_env, token_server, path)
    first = run_jwt(helper_env, clock)
    verifier.jwt_keys[CLIENT_ID] = (rotated := new_key("ec")).public_key()
    write_key(path, rotated)
    second = run_jwt(helper_env, clock)
    assert second.code == 0, second.stderr
    assert second.stdout != first.stdout
    assert len(token_server.token_requests()) == 2


def test_an_unregistered_key_is_refused_with_the_keys_settings_named(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """An issuer that does not hold the key answers invalid_client; the hint names the key settings, exit 4."""
    clock = FakeClock()
    trusting(token_server, new_key(), clock)
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", new_key()))
    one_error(run_jwt(helper_env, clock), EXIT_REJECTED, "invalid_client", "private_key_file", "private_key_kid")


def encrypted_pem(key: PrivateKey) -> bytes:
    """`key` as an encrypted PKCS #8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )


def write_private(path: Path, data: bytes) -> None:
    """`data` in `path`, mode 600."""
    path.write_bytes(data)
    path.chmod(0o600)


KeyWriter = Callable[[Path], object]
# name: (write the key file, settings line, fragments of the error)
BAD_KEYS: dict[str, tuple[KeyWriter, str, tuple[str, ...]]] = {
    "group-readable": (lambda p: write_key(p, new_key(), 0o640), "", ("private_key_file", "mode 0640", "chmod 600")),
    "missing": (lambda p: p, "", ("private_key_file", "cannot open")),
    "encrypted": (lambda p: write_private(p, encrypted_pem(new_key())), "", ("encrypted",)),
    "not-a-key": (lambda p: write_private(p, b"hello\n"), "", ("no PEM private key",)),
    "alg-mismatch": (lambda p: write_key(p, new_key()), 'private_key_alg = "ES256"', ("ES256", "RS256 or PS256")),
    "ed25519": (lambda p: write_key(p, ed25519.Ed25519PrivateKey.generate()), "", ("Ed25519", "ES256")),
    "aud-issuer": (lambda p: write_key(p, new_key()), 'private_key_aud = "issuer"', ("private_key_aud", "issuer")),
}


@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_an_unusable_key_is_one_config_line_and_nothing_is_sent(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, case: str
) -> None:
    """A key file that is not private, missing, encrypted (no prompt inside git), not a key, of the wrong type or
    algorithm, or an audience that cannot be resolved: exit 3, one line naming the problem; no request."""
    write, extra, fragments = BAD_KEYS[case]
    path = tmp_path / "client.key"
    write(path)
    jwt_profile(helper_env, token_server, path, extra)
    one_error(run_jwt(helper_env, FakeClock()), EXIT_CONFIG, *fragments)
    assert token_server.token_requests() == []


def test_without_the_jwt_extra_the_error_says_what_to_install(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyJWT not importable: exit 3 and one line with the pip command for the [jwt] extra; nothing sent."""
    monkeypatch.setitem(sys.modules, "jwt", None)
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", new_key()))
    one_error(run_jwt(helper_env, FakeClock()), EXIT_CONFIG, "pip install 'rightbrain-credential-helper[jwt]'")
    assert token_server.token_requests() == []


def test_verbose_output_shows_neither_the_assertion_nor_the_key(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """--verbose prints the request with the assertion masked, and no line of the private key."""
    clock = FakeClock()
    trusting(token_server, key := new_key(), clock)
    path = write_key(tmp_path / "client.key", key)
    jwt_profile(helper_env, token_server, path)
    result = run_jwt(helper_env, clock, "--verbose")
    assert result.code == 0, result.stderr
    assertion = token_server.token_requests()[0].field("client_assertion") or ""
    assert "client_assertion=***" in result.stderr
    for piece in (assertion.split(".")[1][:12], assertion.split(".")[2][:12]):
        assert piece not in result.stderr
    for line in path.read_text().splitlines()[1:-1]:
        assert line[:12] not in result.stderr


def test_a_cache_hit_loads_no_signing_code(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """With private_key_jwt a hit imports neither PyJWT, cryptography nor the oauth package; the miss did."""
    trusting(token_server, key := new_key())
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", key), age=60)
    _, miss = probe(["token", "--profile", "jwt"], helper_env, tmp_path / "miss.txt")
    assert {"jwt", "cryptography", "rightbrain_helper.oauth.signing"} <= miss
    _, hit = probe(["token", "--profile", "jwt"], helper_env, tmp_path / "hit.txt")
    assert sorted(HEAVY_MODULES & hit) == []
    assert [name for name in hit if name.startswith(("jwt", "rightbrain_helper.oauth.request"))] == []
    assert len(token_server.token_requests()) == 1


def doctor_lines(env: dict[str, str]) -> list[tuple[bool, str]]:
    """The client authentication checks doctor will print for profile jwt."""
    return doctor_checks(load_settings(load_context(env), Overrides(profile="jwt")), 1_800_000_000.0)


def test_doctor_checks_a_good_key(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A private, readable EC key: both checks pass, the second naming the key type, algorithm and kid."""
    jwt_profile(helper_env, token_server, write_key(tmp_path / "client.key", new_key("ec")), 'private_key_kid = "k1"')
    (ok_file, _), (ok_key, line) = doctor_lines(helper_env)
    assert ok_file
    assert ok_key
    assert "EC secp256r1" in line
    assert "ES256" in line
    assert "kid k1" in line


@pytest.mark.parametrize("case", ["group-readable", "alg-mismatch", "no-extra"])
def test_doctor_fails_what_a_fetch_would_fail(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key open to the group, a key that cannot make private_key_alg, or no [jwt] extra: a failing check with the
    fix in its line (the key itself never shown)."""
    path = write_key(tmp_path / "client.key", new_key(), 0o640 if case == "group-readable" else 0o600)
    jwt_profile(helper_env, token_server, path, 'private_key_alg = "ES256"' if case == "alg-mismatch" else "")
    if case == "no-extra":
        monkeypatch.setitem(sys.modules, "jwt", None)
    checks = doctor_lines(helper_env)
    assert not checks[-1][0]
    expected = {"group-readable": "chmod 600", "alg-mismatch": "RS256 or PS256", "no-extra": "pip install"}[case]
    assert expected in checks[-1][1]
    assert all("PRIVATE KEY-----\n" not in line for _, line in checks)
