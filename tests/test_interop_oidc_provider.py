"""Interop with a real authorization server: panva's oidc-provider (node, tests/interop/issuer.mjs) on 127.0.0.1.

The issuer logs every token request as a JSON line (client, client auth method, scope, resource, status, error,
and a SHA-256 of the token it issued), so each test can tell exactly what reached it and what it handed out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .conftest import run_helper
from .support.clientauth import mint, new_ec_key, new_key, new_rsa_key, write_key
from .support.tls import make_ca, make_certificate, make_client_certificate

INTEROP = Path(__file__).parent / "interop"
ISSUER_SCRIPT = INTEROP / "issuer.mjs"
START_TIMEOUT = 60.0
# The clients issuer.mjs registers; the Basic secret has a space and characters RFC 6749 §2.3.1 encoding changes.
BASIC_CLIENT, BASIC_SECRET = "basic-client", "b4sic s3cret+/=%:@!"
POST_CLIENT, POST_SECRET = "post-client", "p0st-s3cret&=+"
JWT_RESOURCE = "https://jwt.example.test/"
TLS_CLIENT, BOUND_CLIENT, BOUND_SECRET = "tls-client", "bound-client", "b0und-s3cret"
FEDERATED_CLIENT = "federated-client"


class Credentials:
    """What the secretless clients hold (their keys, a client certificate) and what the issuer is told of them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rsa_key = write_key(directory / "rs256.key", rsa := new_rsa_key())
        self.ec_key = write_key(directory / "es256.key", ec := new_ec_key())
        self.other_key = write_key(directory / "other.key", new_key("rsa"))
        self.workload = new_ec_key()  # the stand-in workload issuer's signing key
        self.server = make_certificate(directory)
        ca = make_ca(directory)
        self.client = make_client_certificate(ca, directory, TLS_CLIENT)
        self.keys_file = directory / "keys.json"
        jwks = {
            "jwt-rs256-client": json.loads(RSAAlgorithm.to_jwk(rsa.public_key())),
            "jwt-es256-client": json.loads(ECAlgorithm.to_jwk(ec.public_key())),
            FEDERATED_CLIENT: json.loads(ECAlgorithm.to_jwk(self.workload.public_key())),
        }
        tls = {
            "server_cert": self.server.cert.read_text(),
            "server_key": self.server.key.read_text(),
            "client_ca": ca.cert.read_text(),
            "subject_dn": f"CN={TLS_CLIENT}",
        }
        self.keys_file.write_text(json.dumps({"jwks": jwks, "tls": tls}), encoding="utf-8")

    def write_assertion(self, path: Path, audience: str, lifetime: int = 600) -> str:
        """What the platform does: write a fresh federated assertion for federated-client (0644)."""
        now = int(time.time())
        claims = {"iss": FEDERATED_CLIENT, "sub": FEDERATED_CLIENT, "aud": audience, "iat": now, "exp": now + lifetime}
        assertion = mint(self.workload, {**claims, "jti": os.urandom(8).hex()}, "ES256")
        path.write_text(assertion + "\n", encoding="ascii")
        path.chmod(0o644)
        return assertion


class Issuer:
    """A running issuer.mjs: its token URL and the token requests it has logged since the current test began."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log_path: Path, https_port: int, credentials: Credentials
    ) -> None:
        self.process = process
        self.token_url = f"http://127.0.0.1:{port}/token"
        self.mtls_token_url = f"https://127.0.0.1:{https_port}/token"  # asks for a client certificate
        self.credentials = credentials
        self.log_path = log_path
        self.since = 0

    def logged(self) -> list[dict[str, object]]:
        """Every token request logged, oldest first."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def start_test(self) -> None:
        """Count only requests from now on (tests share one issuer and run one at a time)."""
        self.since = len(self.logged())

    def requests_by(self, client_id: str) -> list[dict[str, object]]:
        """The token requests of one client since the current test began."""
        return [entry for entry in self.logged()[self.since :] if entry["client_id"] == client_id]

    def stop(self) -> None:
        """Close its stdin, on which it must exit by itself; kill it (and fail) only if it ignores that."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
            pytest.fail("issuer.mjs did not exit when its stdin closed")


def _require_node_modules() -> str:
    """The node binary, or a failure saying how to install the issuer (a missing issuer is never a skip)."""
    if not (INTEROP / "node_modules" / "oidc-provider" / "package.json").is_file():
        pytest.fail(
            f"oidc-provider is not installed in {INTEROP / 'node_modules'}; run scripts/test.sh "
            "(it runs `npm ci` in tests/interop)"
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the interop tests need node 20 or later (then run scripts/test.sh)")
    return node


def _wait_for_port(process: subprocess.Popen[bytes], port_file: Path, stderr_path: Path) -> int:
    """Poll for the port file the issuer writes once it listens; fail with its stderr if it dies or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists():
        if process.poll() is not None:
            pytest.fail(f"issuer.mjs exited with {process.returncode}: {stderr_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=15)
            pytest.fail(f"issuer.mjs did not listen within {START_TIMEOUT:g} s: {stderr_path.read_text()}")
        time.sleep(0.05)
    return int(port_file.read_text(encoding="ascii"))


@pytest.fixture(scope="module")
def running_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    """One oidc-provider for this module's tests (it takes a second or two to start on this machine)."""
    running = start_issuer(tmp_path_factory.mktemp("issuer"), tmp_path_factory.mktemp("credentials"))
    yield running
    running.stop()


def start_issuer(directory: Path, credentials_directory: Path) -> Issuer:
    """Start issuer.mjs with fresh client credentials; it runs until Issuer.stop()."""
    node = _require_node_modules()
    credentials = Credentials(credentials_directory)
    port_file, log_path, stderr_path = directory / "port", directory / "requests.jsonl", directory / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [node, str(ISSUER_SCRIPT), str(port_file), str(log_path), str(credentials.keys_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=INTEROP,
        )
    port = _wait_for_port(process, port_file, stderr_path)
    https_port = int((directory / "port.https").read_text(encoding="ascii"))  # written before the port file
    return Issuer(process, port, log_path, https_port, credentials)


@pytest.fixture
def issuer(running_issuer: Issuer) -> Issuer:
    """The shared issuer, its request log counted from the start of this test."""
    running_issuer.start_test()
    return running_issuer


@pytest.fixture
def interop_env(tmp_path: Path, issuer: Issuer) -> dict[str, str]:
    """An isolated HOME/config/cache with a config file whose profiles point at the issuer."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RIGHTBRAIN_", "XDG_", "GIT_", "DOCKER_", "KUBE"))
    }
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    env["RIGHTBRAIN_CACHE_DIR"] = str(tmp_path / "cache")
    secrets = {"basic": BASIC_SECRET, "post": POST_SECRET, "wrong": "not-the-secret"}
    for name, secret in secrets.items():
        path = tmp_path / f"{name}.secret"
        path.write_text(secret + "\n", encoding="utf-8")
        path.chmod(0o600)
    profiles = {
        "basic": (BASIC_CLIENT, "basic", "basic", 'scope = "api:read"'),
        "post": (POST_CLIENT, "post", "post", 'scope = "api:write"'),
        "jwt": (BASIC_CLIENT, "basic", "basic", f'scope = "jwt:read"\nresource = "{JWT_RESOURCE}"'),
        "unknown-resource": (POST_CLIENT, "post", "post", 'resource = "https://nowhere.example.test/"'),
        "wrong-basic": (BASIC_CLIENT, "basic", "wrong", ""),
        "raw-basic": (BASIC_CLIENT, "basic-raw", "basic", ""),
        "wrong-post": (POST_CLIENT, "post", "wrong", ""),
    }
    text = "".join(
        f'[profiles.{name}]\ntoken_url = "{issuer.token_url}"\nclient_id = "{client}"\nclient_auth = "{auth}"\n'
        f'client_secret_file = "{tmp_path / (secret + ".secret")}"\n{extra}\n\n'
        for name, (client, auth, secret, extra) in profiles.items()
    )
    text += secretless_profiles(issuer, tmp_path)
    config = tmp_path / "config" / "rightbrain-helper" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(text, encoding="utf-8")
    config.chmod(0o600)
    (tmp_path / "home").mkdir()
    return env


def secretless_profiles(issuer: Issuer, tmp_path: Path) -> str:
    """Profiles for the clients without a shared secret (and bound-client, a secret plus a certificate)."""
    held = issuer.credentials
    bound_secret = tmp_path / "bound.secret"
    bound_secret.write_text(BOUND_SECRET + "\n", encoding="utf-8")
    bound_secret.chmod(0o600)
    assertion = tmp_path / "federated.jwt"
    held.write_assertion(assertion, issuer.token_url)
    mtls = (
        f'token_url = "{issuer.mtls_token_url}"\nca_bundle = "{held.server.cert}"\n'
        f'tls_client_cert = "{held.client.cert}"\ntls_client_key = "{held.client.key}"\n'
        f'scope = "jwt:read"\nresource = "{JWT_RESOURCE}"\n'
    )
    jwt_profile = (
        'token_url = "{url}"\nclient_id = "{client}"\nclient_auth = "private_key_jwt"\nprivate_key_file = "{key}"\n'
    )
    profiles = {
        "jwt-rs256": jwt_profile.format(url=issuer.token_url, client="jwt-rs256-client", key=held.rsa_key),
        "jwt-es256": jwt_profile.format(url=issuer.token_url, client="jwt-es256-client", key=held.ec_key),
        "jwt-wrong-key": jwt_profile.format(url=issuer.token_url, client="jwt-rs256-client", key=held.other_key),
        "federated": f'token_url = "{issuer.token_url}"\nclient_id = "{FEDERATED_CLIENT}"\n'
        f'client_auth = "client_assertion"\nclient_assertion_file = "{assertion}"\n',
        "tls": f'client_id = "{TLS_CLIENT}"\nclient_auth = "tls_client_auth"\n{mtls}',
        "bound": f'client_id = "{BOUND_CLIENT}"\nclient_secret_file = "{bound_secret}"\n{mtls}',
    }
    return "".join(f"[profiles.{name}]\n{body}\n" for name, body in profiles.items())


def _sha256(token: str) -> str:
    """The digest the issuer logs for a token it issued."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _jwt_claims(token: str) -> dict[str, object]:
    """The (unverified) payload of a JWT access token."""
    payload = token.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_basic_auth_with_scope_gets_a_token_once_then_hits_the_cache(
    interop_env: dict[str, str], issuer: Issuer
) -> None:
    """client_secret_basic with an encoded-special secret and a scope: oidc-provider issues; the 2nd run is a hit."""
    first = run_helper(["token", "--profile", "basic"], interop_env)
    second = run_helper(["token", "--profile", "basic"], interop_env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout
    token = first.stdout.strip()
    (request,) = issuer.requests_by(BASIC_CLIENT)
    assert request["client_auth"] == "client_secret_basic"
    assert request["grant_type"] == "client_credentials"
    assert request["scope"] == "api:read"
    assert request["status"] == 200
    assert request["granted_scope"] == "api:read"
    assert request["token_sha256"] == _sha256(token)


def test_post_auth_json_reports_the_granted_scope_and_expiry(interop_env: dict[str, str], issuer: Issuer) -> None:
    """client_secret_post: `json` prints the issuer's token, scope and lifetime; the second `json` is a cache hit."""
    first = run_helper(["json", "--profile", "post"], interop_env)
    second = run_helper(["json", "--profile", "post"], interop_env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    answer, again = json.loads(first.stdout), json.loads(second.stdout)
    assert answer["access_token"] == again["access_token"]
    assert answer["token_type"] == "Bearer"
    assert answer["scope"] == "api:write"
    assert 500 < answer["expires_in"] <= 600  # issuer.mjs grants 600 s
    (request,) = issuer.requests_by(POST_CLIENT)
    assert request["client_auth"] == "client_secret_post"
    assert request["status"] == 200
    assert request["token_sha256"] == _sha256(answer["access_token"])


def test_resource_indicator_gets_a_jwt_for_that_audience_cached_apart(
    interop_env: dict[str, str], issuer: Issuer
) -> None:
    """Profile key `resource` is sent (RFC 8707): the JWT's aud is that resource, and it is cached apart from the
    same client's token for the default resource, then served from the cache."""
    other = run_helper(["token", "--profile", "basic"], interop_env)
    first = run_helper(["json", "--profile", "jwt"], interop_env)
    second = run_helper(["json", "--profile", "jwt"], interop_env)
    assert other.returncode == 0, other.stderr
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    token = json.loads(first.stdout)["access_token"]
    assert json.loads(second.stdout)["access_token"] == token != other.stdout.strip()
    claims = _jwt_claims(token)
    assert claims["aud"] == JWT_RESOURCE
    assert claims["client_id"] == BASIC_CLIENT
    assert claims["scope"] == "jwt:read"
    default_request, jwt_request = issuer.requests_by(BASIC_CLIENT)
    assert default_request["resource"] is None
    assert jwt_request["resource"] == JWT_RESOURCE
    assert jwt_request["token_sha256"] == _sha256(token)


@pytest.mark.parametrize(("profile", "client_id"), [("wrong-basic", BASIC_CLIENT), ("wrong-post", POST_CLIENT)])
def test_wrong_secret_exits_4_with_invalid_client(
    interop_env: dict[str, str], issuer: Issuer, profile: str, client_id: str
) -> None:
    """A secret oidc-provider rejects: exit 4, one stderr line naming invalid_client, no secret, nothing cached."""
    result = run_helper(["token", "--profile", profile], interop_env)
    assert result.returncode == 4
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "invalid_client" in lines[0]
    assert "not-the-secret" not in result.stderr
    (request,) = issuer.requests_by(client_id)
    assert (request["status"], request["error"]) == (401, "invalid_client")
    status = run_helper(["status"], interop_env)
    assert status.stdout == "no cached tokens\n"


def test_unknown_resource_exits_4_with_invalid_target(interop_env: dict[str, str], issuer: Issuer) -> None:
    """A resource the issuer does not serve: exit 4, one line naming invalid_target (RFC 8707 §2)."""
    result = run_helper(["token", "--profile", "unknown-resource"], interop_env)
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "invalid_target" in lines[0]


def token_twice_then_refresh(env: dict[str, str], profile: str) -> list[str]:
    """`token` twice (the second a cache hit), then `token --force-refresh`: the three tokens printed."""
    runs = [run_helper(["token", "--profile", profile], env) for _ in range(2)]
    runs.append(run_helper(["token", "--profile", profile, "--force-refresh"], env))
    for result in runs:
        assert result.returncode == 0, result.stderr
    return [result.stdout.strip() for result in runs]


@pytest.mark.parametrize(
    ("profile", "client_id"), [("jwt-rs256", "jwt-rs256-client"), ("jwt-es256", "jwt-es256-client")]
)
def test_private_key_jwt_gets_a_token_and_refreshes_with_a_new_assertion(
    interop_env: dict[str, str], issuer: Issuer, profile: str, client_id: str
) -> None:
    """private_key_jwt (RS256, ES256) against oidc-provider: issued, then a cache hit, then a forced refresh whose
    assertion the provider, which refuses a replayed jti, accepts too."""
    first, hit, refreshed = token_twice_then_refresh(interop_env, profile)
    assert hit == first != refreshed
    requests = issuer.requests_by(client_id)
    assert [(entry["client_auth"], entry["status"]) for entry in requests] == [("private_key_jwt", 200)] * 2
    assert [entry["token_sha256"] for entry in requests] == [_sha256(first), _sha256(refreshed)]


def test_a_key_the_provider_does_not_hold_is_invalid_client(interop_env: dict[str, str], issuer: Issuer) -> None:
    """An assertion signed with another key: oidc-provider answers invalid_client; exit 4, one line."""
    result = run_helper(["token", "--profile", "jwt-wrong-key"], interop_env)
    assert result.returncode == 4
    assert "invalid_client" in result.stderr
    assert "private_key_file" in result.stderr
    (request,) = issuer.requests_by("jwt-rs256-client")
    assert (request["status"], request["error"]) == (401, "invalid_client")


def test_federated_assertion_is_sent_and_reread_after_rotation(
    interop_env: dict[str, str], issuer: Issuer, tmp_path: Path
) -> None:
    """client_assertion: the workload issuer's JWT (its key registered for the client) gets a token; after the
    platform rotates the file, a refresh sends the new one (the provider would refuse the old jti again)."""
    first = run_helper(["token", "--profile", "federated"], interop_env)
    assert first.returncode == 0, first.stderr
    issuer.credentials.write_assertion(tmp_path / "federated.jwt", issuer.token_url)
    assert run_helper(["token", "--profile", "federated"], interop_env).stdout == first.stdout  # same identity
    refreshed = run_helper(["token", "--profile", "federated", "--force-refresh"], interop_env)
    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout != first.stdout
    requests = issuer.requests_by(FEDERATED_CLIENT)
    assert [(entry["client_auth"], entry["status"]) for entry in requests] == [("private_key_jwt", 200)] * 2


def test_an_expired_federated_assertion_is_refused_before_sending(
    interop_env: dict[str, str], issuer: Issuer, tmp_path: Path
) -> None:
    """The platform's file holds an expired JWT: exit 3 naming the file; oidc-provider sees nothing."""
    issuer.credentials.write_assertion(tmp_path / "federated.jwt", issuer.token_url, lifetime=-60)
    result = run_helper(["token", "--profile", "federated"], interop_env)
    assert result.returncode == 3
    assert "client_assertion_file" in result.stderr
    assert "expired" in result.stderr
    assert issuer.requests_by(FEDERATED_CLIENT) == []


def _thumbprint(certificate: Path) -> str:
    """RFC 8705 §3.1 x5t#S256 of a PEM certificate: base64url of the SHA-256 of its DER, unpadded."""
    der = ssl.PEM_cert_to_DER_cert(certificate.read_text(encoding="ascii"))
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode("ascii").rstrip("=")


@pytest.mark.parametrize(
    ("profile", "client_id", "auth"),
    [("tls", TLS_CLIENT, "tls_client_auth"), ("bound", BOUND_CLIENT, "client_secret_basic")],
)
def test_mutual_tls_gets_a_certificate_bound_token(
    interop_env: dict[str, str], issuer: Issuer, profile: str, client_id: str, auth: str
) -> None:
    """Over HTTPS with a client certificate: tls_client_auth (the certificate is the credential) and
    client_secret_basic for a client with certificate-bound tokens; the JWT access token is bound to the
    certificate the helper presented (cnf x5t#S256), and a forced refresh works the same."""
    first, hit, refreshed = token_twice_then_refresh(interop_env, profile)
    assert hit == first != refreshed
    expected = _thumbprint(issuer.credentials.client.cert)
    assert _jwt_claims(first)["cnf"] == {"x5t#S256": expected}
    requests = issuer.requests_by(client_id)
    assert [(entry["client_auth"], entry["status"]) for entry in requests] == [(auth, 200)] * 2
    assert {entry["client_cert_sha256"] for entry in requests} == {base64.urlsafe_b64decode(expected + "=").hex()}


def test_oidc_provider_wants_the_encoded_basic_form(interop_env: dict[str, str], issuer: Issuer) -> None:
    """The same secret (space, '+', '%', ':') that client_secret_basic delivers is refused as basic-raw:
    oidc-provider decodes the Basic credentials as RFC 6749 §2.3.1 says (docs/client-auth.md lists it so)."""
    result = run_helper(["token", "--profile", "raw-basic"], interop_env)
    assert result.returncode == 4, result.stderr
    assert BASIC_SECRET not in result.stderr
    assert "not properly encoded" in result.stderr
    assert "client_auth" in result.stderr
    (request,) = issuer.logged()[issuer.since :]  # refused before it knew the client
    assert (request["client_auth"], request["status"], request["error"]) == (
        "client_secret_basic",
        400,
        "invalid_request",
    )
