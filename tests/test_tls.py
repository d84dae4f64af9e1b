"""Transport security of the token request: https required (plain http only to loopback), no credentials or
fragment in the token URL, and certificate verification that a private CA (`ca_bundle`) can satisfy but nothing
can switch off. The HTTPS issuer is the real token endpoint on 127.0.0.1 with a self-signed certificate."""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_UNAVAILABLE

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.fakes import FakeClock, never_transport
from .support.tlsserver import make_self_signed, start_tls
from .support.tokenserver import TokenServer


def write_profile(env: dict[str, str], token_url: str, body: str = "") -> None:
    """[profiles.default] with token_url and `body`, in $XDG_CONFIG_HOME/rightbrain-helper/config.toml, mode 600."""
    env.pop("RIGHTBRAIN_TOKEN_URL", None)
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[profiles.default]\ntoken_url = "{token_url}"\nclient_id = "{CLIENT_ID}"\n{body}\n')
    path.chmod(0o600)


def error_line(result: CliResult) -> str:
    """The one stderr line of a failed run."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/oauth2/token",
        "http://127.0.0.1.nip.io/oauth2/token",
        "http://127.attacker.example/oauth2/token",
        "http://localhost.attacker.example/oauth2/token",
        "ftp://127.0.0.1/oauth2/token",
        "oauth.example/token",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(tls_env: dict[str, str], url: str) -> None:
    """http:// (or any non-https scheme) to a host that is not loopback: exit 3 asking for https, no request sent."""
    write_profile(tls_env, url)
    result = run_cli(["token"], tls_env, clock=FakeClock(), transport_factory=never_transport)
    assert result.code == EXIT_CONFIG
    line = error_line(result)
    assert "token_url" in line
    assert "https://" in line
    assert CLIENT_SECRET not in line


def test_plain_http_to_localhost_is_allowed(tls_env: dict[str, str], token_server: TokenServer) -> None:
    """http://localhost:PORT (a local test or proxy issuer) is accepted, as is http://127.0.0.1 everywhere else."""
    write_profile(tls_env, f"http://localhost:{token_server.port}/oauth2/token")
    result = run_cli(["token"], tls_env, clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://client-1:hunter2@issuer.example/oauth2/token", "must not carry credentials"),
        ("https://client-1@issuer.example/oauth2/token", "must not carry credentials"),
        ("https://issuer.example/oauth2/token#frag", "#fragment"),
        ("https:///oauth2/token", "has no host"),
    ],
)
def test_token_url_with_credentials_fragment_or_no_host_is_refused(
    tls_env: dict[str, str], url: str, expected: str
) -> None:
    """Userinfo or a fragment in token_url (or no host at all) is a config error; a password there is not echoed."""
    write_profile(tls_env, url)
    result = run_cli(["token"], tls_env, clock=FakeClock(), transport_factory=never_transport)
    assert result.code == EXIT_CONFIG
    line = error_line(result)
    assert expected in line
    assert "hunter2" not in line


def test_self_signed_issuer_is_refused_without_ca_bundle(
    tls_env: dict[str, str], tls_server: tuple[TokenServer, str, Path]
) -> None:
    """An issuer whose certificate no trusted CA signed: exit 5 with a TLS verification message, no retry loop."""
    server, url, _cert = tls_server
    write_profile(tls_env, url)
    clock = FakeClock()
    result = run_cli(["token"], tls_env, clock=clock)
    assert result.code == EXIT_UNAVAILABLE
    line = error_line(result)
    assert "TLS verification failed" in line
    assert "certificate verify failed" in line
    assert "ca_bundle" in line
    assert clock.slept == []
    assert server.token_requests() == []


def test_ca_bundle_makes_the_private_issuer_trusted(
    tls_env: dict[str, str], tls_server: tuple[TokenServer, str, Path]
) -> None:
    """With ca_bundle naming the issuer's certificate the request goes through over TLS."""
    server, url, cert = tls_server
    write_profile(tls_env, url, f'ca_bundle = "{cert}"')
    result = run_cli(["token"], tls_env, clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == server.issued[0] + "\n"
    assert len(server.token_requests()) == 1


def test_ca_bundle_wins_over_a_machine_wide_requests_ca_bundle(
    tls_env: dict[str, str], tls_server: tuple[TokenServer, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUESTS_CA_BUNDLE pointing at the public CAs (as on many machines) does not override the profile's ca_bundle."""
    server, url, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    write_profile(tls_env, url, f'ca_bundle = "{cert}"')
    result = run_cli(["token"], tls_env, clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == server.issued[0] + "\n"


def test_ca_bundle_does_not_switch_off_the_name_check(tls_env: dict[str, str], tmp_path: Path) -> None:
    """A trusted certificate issued for another name is still refused: ca_bundle adds trust, not blindness."""
    cert, key = make_self_signed(tmp_path, san="DNS:issuer.example")
    server = TokenServer({CLIENT_ID: CLIENT_SECRET})
    url = start_tls(server, cert, key)
    try:
        write_profile(tls_env, url, f'ca_bundle = "{cert}"')
        clock = FakeClock()
        result = run_cli(["token"], tls_env, clock=clock)
    finally:
        server.stop()
    assert result.code == EXIT_UNAVAILABLE
    line = error_line(result)
    assert "TLS verification failed" in line
    assert "mismatch" in line.lower() or "match" in line.lower()
    assert clock.slept == []
    assert server.token_requests() == []


def test_missing_ca_bundle_file_is_a_config_error(
    tls_env: dict[str, str], tls_server: tuple[TokenServer, str, Path], tmp_path: Path
) -> None:
    """ca_bundle naming a file that does not exist: exit 3 naming the setting and the path, nothing sent."""
    server, url, _cert = tls_server
    missing = tmp_path / "no-such-ca.pem"
    write_profile(tls_env, url, f'ca_bundle = "{missing}"')
    result = run_cli(["token"], tls_env, clock=FakeClock())
    assert result.code == EXIT_CONFIG
    line = error_line(result)
    assert "ca_bundle" in line
    assert str(missing) in line
    assert server.token_requests() == []
