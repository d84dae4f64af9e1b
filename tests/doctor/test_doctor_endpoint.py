"""`doctor` on the way to the token endpoint, with real servers on 127.0.0.1: nothing listening, a certificate
from a CA nobody trusts, a server clock ten minutes off, a CA file given to requests through its environment, and
a proxy with credentials in its URL. Each is one line naming what was used, and the fix when it fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_FAILURE

from ..support.doctor_report import FAIL, INFO, OK
from ..support.redisserver import free_port
from ..support.tokenserver import TokenServer
from .conftest import doctor


def test_an_unreachable_endpoint_fails_with_the_fix(env: dict[str, str]) -> None:
    """Nothing listening at the token URL: ✗ for the endpoint with the fix; one attempt, no retries."""
    url = f"http://127.0.0.1:{free_port()}/oauth2/token"
    report = doctor({**env, "RIGHTBRAIN_TOKEN_URL": url})
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("token endpoint")
    assert mark == FAIL
    assert text.startswith(f"token endpoint {url}: connection failed")
    assert "fix: check token_url, the network and the proxy settings" in text
    assert report.line("token request:")[0] == INFO


def test_an_untrusted_certificate_fails_naming_the_cas_used(
    env: dict[str, str], tls_server: tuple[TokenServer, str, Path]
) -> None:
    """HTTPS with a private CA and no ca_bundle: ✗ TLS naming the CA file requests used and the ca_bundle fix."""
    server, url, _ = tls_server
    report = doctor({**env, "RIGHTBRAIN_TOKEN_URL": url})
    assert report.code == EXIT_FAILURE, report
    import certifi  # noqa: PLC0415

    mark, text = report.line("TLS:")
    assert mark == FAIL
    assert "certificate verify failed" in text
    assert f"against {certifi.where()} (certifi's bundle, requests' default)" in text
    assert 'fix: if the issuer uses a private CA, set ca_bundle = "/path/to/ca.pem" in [profiles.default]' in text
    assert server.token_requests() == []


@pytest.mark.parametrize(("offset", "words"), [(600, "behind"), (-600, "ahead of")])
def test_a_clock_off_by_ten_minutes_fails(
    env: dict[str, str], token_server: TokenServer, offset: int, words: str
) -> None:
    """A server whose Date is 10 minutes off ours: ✗ clock, saying which way and the fix; the token is fine."""
    token_server.date_offset = offset
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("clock:")
    assert mark == FAIL
    assert text.startswith(f"clock: this machine is 600 s {words} the token endpoint's clock (its Date header)")
    assert "fix: set the time right" in text
    assert report.line("token request")[0] == OK


def test_a_clock_within_the_bound_passes(env: dict[str, str], token_server: TokenServer) -> None:
    """20 s off is within the 30 s allowed: ✓."""
    token_server.date_offset = 20
    assert doctor(env).line("clock:")[0] == OK


def test_the_ca_file_named_is_the_one_requests_uses(
    env: dict[str, str], tls_server: tuple[TokenServer, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUESTS_CA_BUNDLE (read by requests from the process environment) trusts the private CA: ✓ TLS naming
    that file and the variable, so the line says what the request really used."""
    _, url, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    report = doctor({**env, "RIGHTBRAIN_TOKEN_URL": url})
    mark, text = report.line("TLS:")
    assert (mark, text.endswith(f"verified against {cert} (environment REQUESTS_CA_BUNDLE)")) == (OK, True), text


def test_the_proxy_is_named_without_its_password(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from HTTP_PROXY that is down: ✗ for the endpoint naming the proxy by scheme, host and port; its
    user and password are never shown."""
    port = free_port()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://proxy-user:proxy-pw-9@127.0.0.1:{port}")
    report = doctor(env)
    mark, text = report.line("token endpoint")
    assert mark == FAIL
    assert f"(via proxy http://127.0.0.1:{port}); fix: check token_url, the network and the proxy settings" in text
    assert "proxy-pw-9" not in report.stdout
    assert "proxy-user" not in report.stdout
