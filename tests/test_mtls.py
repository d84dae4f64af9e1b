"""Mutual TLS (RFC 8705): tls_client_auth, and a client certificate presented with any method (certificate-bound
tokens), against the real token endpoint over HTTPS on 127.0.0.1 that demands a client certificate from a
throwaway CA."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_REJECTED, EXIT_UNAVAILABLE
from rightbrain_helper.settings.load import Overrides, load_context, load_settings
from rightbrain_helper.token.client_auth import doctor_checks

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.clientauth import ClientVerifier, certificate_digest, pem_digest
from .support.fakes import FakeClock
from .support.procs import write_config
from .support.profiles import secret_file
from .support.tls import Certificate, make_ca, make_certificate, make_client_certificate, mutual_tls_context
from .support.tokenserver import TokenServer


class Pki:
    """The issuer's server certificate and the client CA with two client certificates (RSA and EC keys)."""

    def __init__(self, directory: Path) -> None:
        self.server = make_certificate(directory)
        ca = make_ca(directory)
        self.one = make_client_certificate(ca, directory, "one")
        self.two = make_client_certificate(ca, directory, "two", "ec_paramgen_curve:P-256")
        self.ca = ca


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Certificates shared by the tests of this module."""
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def mtls_server(pki: Pki) -> Iterator[TokenServer]:
    """The token endpoint over HTTPS requiring a client certificate; certificate `one` is CLIENT_ID's."""
    server = TokenServer({CLIENT_ID: CLIENT_SECRET})
    context = mutual_tls_context(pki.server, pki.ca)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    verifier = ClientVerifier(https_url(server))
    verifier.certificates[CLIENT_ID] = pem_digest(pki.one.cert)
    server.verifier = verifier
    server.start()
    yield server
    server.stop()


def https_url(server: TokenServer) -> str:
    """The server's token URL over https."""
    return f"https://127.0.0.1:{server.port}/oauth2/token"


def mtls_profile(env: dict[str, str], server: TokenServer, pki: Pki, body: str) -> None:
    """[profiles.m] at the HTTPS server (its certificate as ca_bundle) for CLIENT_ID, plus `body`."""
    write_config(
        env,
        f'[profiles.m]\ntoken_url = "{https_url(server)}"\nclient_id = "{CLIENT_ID}"\n'
        f'ca_bundle = "{pki.server.cert}"\n{body}\n',
    )


def cert_lines(certificate: Certificate, key: Path | None = None) -> str:
    """tls_client_cert and tls_client_key lines for `certificate` (or another key)."""
    return f'tls_client_cert = "{certificate.cert}"\ntls_client_key = "{key or certificate.key}"\n'


def run_m(env: dict[str, str], clock: FakeClock | None = None) -> CliResult:
    """`token --profile m`."""
    return run_cli(["token", "--profile", "m"], env, clock=clock or FakeClock())


def test_tls_client_auth_sends_the_certificate_and_no_secret(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """tls_client_auth: the handshake presents the client certificate, the body carries client_id only."""
    mtls_profile(helper_env, mtls_server, pki, 'client_auth = "tls_client_auth"\n' + cert_lines(pki.one))
    result = run_m(helper_env)
    assert result.code == 0, result.stderr
    recorded = mtls_server.token_requests()[0]
    assert recorded.peer_cert is not None
    assert certificate_digest(recorded.peer_cert) == pem_digest(pki.one.cert)
    assert sorted(recorded.form) == [("client_id", CLIENT_ID), ("grant_type", "client_credentials")]
    assert "authorization" not in recorded.headers


def test_an_unregistered_certificate_is_refused_with_the_certificate_named(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """A valid certificate that is not the client's: invalid_client, exit 4, the hint names tls_client_cert."""
    mtls_profile(helper_env, mtls_server, pki, 'client_auth = "tls_client_auth"\n' + cert_lines(pki.two))
    result = run_m(helper_env)
    assert result.code == EXIT_REJECTED
    assert "invalid_client" in result.stderr
    assert "tls_client_cert" in result.stderr


def test_a_secret_method_presents_the_certificate_too(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """client_secret_basic with a certificate (for certificate-bound tokens): Basic header and the certificate."""
    secret = secret_file(helper_env)
    mtls_profile(helper_env, mtls_server, pki, f'client_secret_file = "{secret}"\n' + cert_lines(pki.two))
    result = run_m(helper_env)
    assert result.code == 0, result.stderr
    recorded = mtls_server.token_requests()[0]
    assert recorded.headers["authorization"].startswith("Basic ")
    assert recorded.peer_cert is not None
    assert certificate_digest(recorded.peer_cert) == pem_digest(pki.two.cert)


def test_a_new_certificate_never_gets_the_old_certificates_token(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """The same client with another certificate is another cache entry: a token bound to the first certificate
    is never handed out with the second; switching back is a hit."""
    secret = secret_file(helper_env)
    tokens = []
    for certificate in (pki.one, pki.two, pki.one):
        mtls_profile(helper_env, mtls_server, pki, f'client_secret_file = "{secret}"\n' + cert_lines(certificate))
        result = run_m(helper_env)
        assert result.code == 0, result.stderr
        tokens.append(result.stdout)
    assert tokens[0] != tokens[1]
    assert tokens[2] == tokens[0]
    assert len(mtls_server.token_requests()) == 2


def test_without_a_certificate_the_server_refuses_the_handshake(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """No client certificate for a server that demands one: exit 5; a TLS failure line suggests tls_client_cert.
    (Under TLS 1.3 the server's refusal may also come as a reset connection, depending on timing.)"""
    mtls_profile(helper_env, mtls_server, pki, f'client_secret_file = "{secret_file(helper_env)}"\n')
    result = run_m(helper_env)
    assert result.code == EXIT_UNAVAILABLE, result.stderr
    assert "TLS handshake failed" in result.stderr or "connection failed" in result.stderr
    if "TLS" in result.stderr:
        assert "may require a client certificate (tls_client_cert)" in result.stderr
    assert mtls_server.token_requests() == []


# name: (profile body given the pki, fragments of the one error line)
CONFIG_CASES: dict[str, tuple[Callable[[Pki], str], tuple[str, ...]]] = {
    "key-group-readable": (lambda p: cert_lines(p.one, chmodded(p.one.key, 0o640)), ("tls_client_key", "mode 0640")),
    "key-encrypted": (lambda p: cert_lines(p.one, encrypted_copy(p.one.key)), ("tls_client_key", "encrypted")),
    "cert-without-key": (lambda p: f'tls_client_cert = "{p.one.cert}"\n', ("tls_client_cert and tls_client_key",)),
    "method-without-cert": (lambda p: "", ("tls_client_auth", "needs tls_client_cert")),
    "cert-not-pem": (
        lambda p: cert_lines(Certificate(p.one.key, p.one.key)),
        ("tls_client_cert", "no PEM certificate"),
    ),
}


def chmodded(path: Path, mode: int) -> Path:
    """A copy of `path` with `mode`."""
    copy = path.with_name(path.name + f".{mode:o}")
    copy.write_bytes(path.read_bytes())
    copy.chmod(mode)
    return copy


def encrypted_copy(path: Path) -> Path:
    """A passphrase-protected copy of the PEM key in `path`, mode 600 (openssl would prompt for it)."""
    copy = path.with_name(path.name + ".enc")
    subprocess.run(
        ["openssl", "pkey", "-in", str(path), "-aes256", "-passout", "pass:secret", "-out", str(copy)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    copy.chmod(0o600)
    return copy


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_a_bad_certificate_setting_is_one_config_line_and_no_handshake(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki, case: str
) -> None:
    """A key open to the group, an encrypted key (no passphrase prompt inside git), a certificate without its key,
    tls_client_auth without a certificate, a certificate file that is not one: exit 3, one line, nothing sent."""
    body, fragments = CONFIG_CASES[case]
    mtls_profile(helper_env, mtls_server, pki, 'client_auth = "tls_client_auth"\n' + body(pki))
    result = run_m(helper_env)
    assert result.code == EXIT_CONFIG, result.stderr
    assert result.stderr.count("\n") == 1
    for fragment in fragments:
        assert fragment in result.stderr
    assert mtls_server.token_requests() == []


def test_doctor_checks_the_certificate_and_key_as_a_pair(
    helper_env: dict[str, str], mtls_server: TokenServer, pki: Pki
) -> None:
    """doctor: certificate readable, key private, and the two a pair; a key of another certificate fails the pair."""
    mtls_profile(helper_env, mtls_server, pki, 'client_auth = "tls_client_auth"\n' + cert_lines(pki.one))
    checks = doctor_checks(load_settings(load_context(helper_env), Overrides(profile="m")))
    assert [ok for ok, _ in checks] == [True, True, True]
    assert "belong together" in checks[-1][1]
    mtls_profile(helper_env, mtls_server, pki, 'client_auth = "tls_client_auth"\n' + cert_lines(pki.one, pki.two.key))
    checks = doctor_checks(load_settings(load_context(helper_env), Overrides(profile="m")))
    assert [ok for ok, _ in checks] == [True, True, False]
    assert "do not load as a pair" in checks[-1][1]
