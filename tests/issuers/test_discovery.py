"""`issuer` instead of `token_url`: metadata discovery (OpenID Connect first, then RFC 8414 with path insertion),
the issuer check, the metadata cache (private, with a lifetime, refreshed when the endpoint fails), and no network
at all on a token cache hit. Every server is a real one on 127.0.0.1 (tests/support/authz.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_REJECTED, EXIT_UNAVAILABLE
from rightbrain_helper.oauth.issuer import endpoint_for, resolve_issuer
from rightbrain_helper.oauth.issuer_check import check_issuer
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.service import default_transport

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from ..support.authz import OIDC, RFC8414, AuthorizationServer
from ..support.fakes import FakeClock, never_transport
from ..support.heavy import HEAVY_MODULES
from ..support.procs import write_config
from ..support.tlsserver import make_self_signed, start_tls
from ..test_config import assert_one_line_error, basic_password
from ..test_hot_path import probe
from .conftest import MakeServer, issuer_env, metadata_files, mode_of


def test_issuer_discovers_the_token_endpoint_from_openid_configuration(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """With only `issuer` set, one GET of /.well-known/openid-configuration finds the token endpoint, where
    the token is then fetched with the client's credentials."""
    result = run_cli(["token"], issuer_env(helper_env, authz))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == authz.issued[0] + "\n"
    assert authz.discovered_paths() == ["/.well-known/openid-configuration"]
    [request] = authz.token_requests()
    assert request.path == "/oauth2/token"
    assert basic_password(request) == CLIENT_SECRET


@pytest.mark.parametrize(
    ("path", "documents", "expected_gets"),
    [
        ("", (RFC8414,), ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]),
        ("/tenant", (OIDC,), ["/tenant/.well-known/openid-configuration"]),
        (
            "/tenant",
            (RFC8414,),
            ["/tenant/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/tenant"],
        ),
        (
            "/realms/a/b",
            (RFC8414,),
            ["/realms/a/b/.well-known/openid-configuration", f"/.well-known/{RFC8414}/realms/a/b"],
        ),
    ],
    ids=["rfc8414-fallback", "oidc-appended-path", "rfc8414-path-insertion", "rfc8414-deep-path"],
)
def test_discovery_urls_for_each_document_and_issuer_path(
    helper_env: dict[str, str], make_authz: MakeServer, path: str, documents: tuple[str, ...], expected_gets: list[str]
) -> None:
    """OIDC's document is appended to the issuer's path; RFC 8414's well-known segment goes between host and path
    (§3.1), tried when the OIDC one is not served; either way the token comes from the named endpoint."""
    server = make_authz(path=path, documents=documents)
    result = run_cli(["token"], issuer_env(helper_env, server))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == server.issued[0] + "\n"
    assert server.discovered_paths() == expected_gets
    assert [request.path for request in server.token_requests()] == [f"{path}/oauth2/token"]


def test_trailing_slash_issuer_is_matched_exactly(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """An issuer with a trailing slash (as Auth0 names its tenants) discovers at the URL without a double slash,
    and matches only a document naming it with the slash."""
    server = make_authz()
    server.named_issuer = server.issuer + "/"
    result = run_cli(["token"], issuer_env(helper_env, server, server.issuer + "/"))
    assert (result.code, result.stderr) == (0, "")
    assert server.discovered_paths() == ["/.well-known/openid-configuration"]


def test_issuer_mismatch_is_one_line_error(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """A document naming another issuer (RFC 8414 §3.3) is refused at once: exit 3, both issuers named, no token
    request and nothing cached."""
    authz.named_issuer = "https://evil.example.com"
    env = issuer_env(helper_env, authz)
    result = run_cli(["token"], env)
    assert_one_line_error(result, EXIT_CONFIG, "'https://evil.example.com'", repr(authz.issuer), "RFC 8414 §3.3")
    assert authz.token_requests() == []
    assert authz.discovered_paths() == ["/.well-known/openid-configuration"]
    assert metadata_files(env) == []


def test_neither_document_is_one_line_error(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """When neither well-known URL serves a document: exit 3 naming both URLs and their answers, and the fix."""
    server = make_authz(documents=())
    result = run_cli(["token"], issuer_env(helper_env, server))
    assert_one_line_error(
        result,
        EXIT_CONFIG,
        f"{server.origin}/.well-known/openid-configuration answered HTTP 404",
        f"{server.origin}/.well-known/oauth-authorization-server answered HTTP 404",
        "check issuer, or set token_url",
    )
    assert server.token_requests() == []


def test_unreachable_issuer_is_exit_5(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """An issuer nobody answers for (a stopped server) is unavailable, exit 5, one line."""
    server = make_authz()
    issuer = server.issuer
    server.stop()
    result = run_cli(["token"], issuer_env(helper_env, server, issuer))
    assert_one_line_error(result, EXIT_UNAVAILABLE, f"issuer {issuer}: no discovery document", "connection failed")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"token_endpoint": "http://example.com/token"}, "use https://"),
        ({"token_endpoint": None}, "names no token_endpoint"),
        ({"token_endpoint": ["x"]}, "names no token_endpoint"),
    ],
    ids=["plain-http-elsewhere", "absent", "not-a-string"],
)
def test_unusable_discovered_token_endpoint_is_refused(
    helper_env: dict[str, str], authz: AuthorizationServer, change: dict[str, object], fragment: str
) -> None:
    """A discovered token endpoint must pass the token URL rules (https, or http to loopback): else exit 4 and
    the secret goes nowhere."""
    authz.metadata_changes = change
    result = run_cli(["token"], issuer_env(helper_env, authz))
    assert_one_line_error(result, EXIT_REJECTED, fragment)
    assert authz.token_requests() == []


def test_unsupported_client_auth_is_a_warning(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """Metadata listing token_endpoint_auth_methods_supported without ours: one warning naming both, and the
    request is still made (the server may accept it anyway)."""
    server = make_authz(auth_methods=["private_key_jwt", "client_secret_post"])
    result = run_cli(["token"], issuer_env(helper_env, server))
    assert result.code == 0
    assert result.stdout == server.issued[0] + "\n"
    warning = "rightbrain-helper: warning: issuer "
    assert result.stderr.startswith(warning), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert (
        "private_key_jwt, client_secret_post, not client_secret_basic (client_auth = client_secret_basic)"
        in result.stderr
    )


def test_listed_client_auth_gives_no_warning(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """client_auth = "post" maps to client_secret_post: listed, so no warning; the form carries the secret."""
    server = make_authz(auth_methods=["client_secret_post"])
    env = issuer_env(helper_env, server)
    write_config(env, '[profiles.default]\nclient_auth = "post"\n')
    result = run_cli(["token"], env)
    assert (result.code, result.stderr) == (0, "")
    assert server.token_requests()[0].field("client_secret") == CLIENT_SECRET


def test_metadata_is_cached_privately_and_reused_on_the_next_miss(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """The metadata goes to one 0600 *.issuer file; a second miss (--force-refresh) makes no discovery request,
    and `status` lists only the token."""
    env = issuer_env(helper_env, authz)
    assert run_cli(["token"], env).code == 0
    forced = run_cli(["token", "--force-refresh"], env)
    assert (forced.code, forced.stderr) == (0, "")
    assert len(authz.token_requests()) == 2
    assert authz.discovered_paths() == ["/.well-known/openid-configuration"]
    [stored] = metadata_files(env)
    assert mode_of(stored) == 0o600
    assert authz.url in stored.read_text(encoding="utf-8")
    status = run_cli(["status"], env)
    assert len(status.stdout.splitlines()) == 2, status.stdout


def test_token_cache_hit_uses_no_network(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """A token cache hit with an issuer needs neither discovery nor the token endpoint: a transport that fails on
    any use is never touched, and the same token comes back."""
    env = issuer_env(helper_env, authz)
    first = run_cli(["token"], env)
    assert first.code == 0
    hit = run_cli(["token"], env, transport_factory=never_transport)
    assert (hit.code, hit.stdout, hit.stderr) == (0, first.stdout, "")
    assert len(authz.discoveries) == 1


def test_metadata_older_than_its_lifetime_is_discovered_again(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """discovery_lifetime bounds the cached metadata: a miss after it has passed asks the issuer again."""
    env = issuer_env(helper_env, authz)
    write_config(env, "[profiles.default]\ndiscovery_lifetime = 600\n")
    clock = FakeClock()
    assert run_cli(["token"], env, clock=clock).code == 0
    clock.advance(599)
    assert run_cli(["token", "--force-refresh"], env, clock=clock).code == 0
    assert len(authz.discoveries) == 1
    clock.advance(2)
    assert run_cli(["token", "--force-refresh"], env, clock=clock).code == 0
    assert len(authz.discoveries) == 2


def test_moved_token_endpoint_is_rediscovered_once(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """Cached metadata whose token endpoint now answers 404: one new discovery, then the token from the endpoint
    the issuer names now; the cache file names the new endpoint."""
    env = issuer_env(helper_env, authz)
    assert run_cli(["token"], env).code == 0
    authz.token_path = "/v2/token"
    result = run_cli(["token", "--force-refresh"], env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == authz.issued[1] + "\n"
    assert [request.path for request in authz.token_requests()] == ["/oauth2/token", "/oauth2/token", "/v2/token"]
    assert len(authz.discoveries) == 2
    assert "/v2/token" in metadata_files(env)[0].read_text(encoding="utf-8")


def test_unreachable_token_endpoint_is_rediscovered_before_any_retry(
    helper_env: dict[str, str], make_authz: MakeServer
) -> None:
    """Cached metadata naming a token endpoint that no longer accepts connections: the first refused attempt
    leads straight to one new discovery (no back-off spent on the dead endpoint), then the token."""
    issuer, old_home = make_authz(), make_authz()
    issuer.metadata_changes = {"token_endpoint": old_home.url}
    env = issuer_env(helper_env, issuer)
    clock = FakeClock()
    assert run_cli(["token"], env, clock=clock).code == 0
    old_home.stop()
    issuer.metadata_changes = {}
    result = run_cli(["token", "--force-refresh"], env, clock=clock)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == issuer.issued[0] + "\n"
    assert clock.slept == []
    assert len(issuer.discoveries) == 2


def test_stale_metadata_serves_when_the_issuer_is_unreachable(
    helper_env: dict[str, str], make_authz: MakeServer
) -> None:
    """Past its lifetime, cached metadata still names the token endpoint when discovery cannot reach the issuer:
    one warning, and the token."""
    issuer, token_home = make_authz(), make_authz()
    issuer.metadata_changes = {"token_endpoint": token_home.url}
    env = issuer_env(helper_env, issuer)
    write_config(env, "[profiles.default]\ndiscovery_lifetime = 60\n")
    clock = FakeClock()
    assert run_cli(["token"], env, clock=clock).code == 0
    issuer.stop()
    clock.advance(120)
    result = run_cli(["token", "--force-refresh"], env, clock=clock)
    assert result.code == 0, result.stderr
    assert result.stdout == token_home.issued[1] + "\n"
    assert "using the metadata discovered 120 s ago" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("config", "fragments"),
    [
        ('issuer = "ftp://x"\n', ["issuer 'ftp://x'", "use the issuer URL"]),
        ('issuer = "http://auth.example.com"\n', ["use https://"]),
        ('issuer = "https://auth.example.com?tenant=a"\n', ["?query", "RFC 8414"]),
        ('issuer = "https://auth.example.com"\ntoken_url = "https://auth.example.com/t"\n', ["set only one"]),
        ("revoke = 1\n", ["revoke", "true or false"]),
        ("discovery_lifetime = -1\n", ["discovery_lifetime", "number of seconds"]),
    ],
    ids=["scheme", "plain-http", "query", "both-endpoints", "revoke-type", "lifetime-range"],
)
def test_bad_issuer_settings_are_one_line_errors(helper_env: dict[str, str], config: str, fragments: list[str]) -> None:
    """Issuer settings are checked like every other: exit 3, one line naming the key and the fix; nothing sent."""
    env = {key: value for key, value in helper_env.items() if key != "RIGHTBRAIN_TOKEN_URL"}
    write_config(env, "[profiles.default]\n" + config)
    result = run_cli(["token"], env, transport_factory=never_transport)
    assert_one_line_error(result, EXIT_CONFIG, *fragments)


def test_clear_removes_the_cached_metadata(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """`clear` (all profiles) also drops the discovery metadata, so the next miss asks the issuer again."""
    env = issuer_env(helper_env, authz)
    assert run_cli(["token"], env).code == 0
    assert len(metadata_files(env)) == 1
    assert run_cli(["clear"], env).code == 0
    assert metadata_files(env) == []
    assert run_cli(["token"], env).code == 0
    assert len(authz.discoveries) == 2


def test_ca_bundle_verifies_discovery_and_token_request(helper_env: dict[str, str], tmp_path: Path) -> None:
    """An https issuer with a private CA: with ca_bundle both discovery and the token request verify against it;
    without, discovery fails TLS verification (exit 5) before any secret is sent."""
    cert, key = make_self_signed(tmp_path)
    server = AuthorizationServer({CLIENT_ID: CLIENT_SECRET})
    server.scheme = "https"
    start_tls(server, cert, key)
    try:
        env = issuer_env(helper_env, server)
        refused = run_cli(["token"], env)
        assert_one_line_error(refused, EXIT_UNAVAILABLE, "TLS verification failed", "set ca_bundle")
        write_config(env, f'[profiles.default]\nca_bundle = "{cert}"\n')
        result = run_cli(["token"], env)
        assert (result.code, result.stderr) == (0, "")
        assert result.stdout == server.issued[0] + "\n"
        assert len(server.discoveries) == 1
        assert [request.path for request in server.token_requests()] == ["/oauth2/token"]
    finally:
        server.stop()


def test_issuer_cache_hit_imports_no_heavy_module(
    helper_env: dict[str, str], authz: AuthorizationServer, tmp_path: Path
) -> None:
    """In a fresh interpreter, a token cache hit for an issuer profile imports none of HEAVY_MODULES (no
    discovery code, no requests, no json); the miss before it discovered and fetched."""
    env = issuer_env(helper_env, authz)
    write_config(env, "[profiles.default]\nmin_valid = 30\n", age=60)
    miss, miss_modules = probe(["token"], env, tmp_path / "miss.txt")
    assert "rightbrain_helper.oauth.discovery" in miss_modules
    hit, hit_modules = probe(["token"], env, tmp_path / "hit.txt")
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert not any(name.startswith("rightbrain_helper.oauth.request") for name in hit_modules)
    assert miss.stdout == hit.stdout == authz.issued[0] + "\n"
    assert len(authz.discoveries) == 1


def test_doctor_check_marks_an_unlisted_client_auth(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """check_issuer (for `doctor`) asks the issuer afresh and reports the document, both endpoints, and an
    unlisted client authentication method as a failed check; a bad issuer is one failed check, not an error."""
    server = make_authz(auth_methods=["private_key_jwt"])
    runtime = Runtime(env=issuer_env(helper_env, server))
    settings = runtime.settings(Overrides())
    lines = check_issuer(settings, default_transport(settings), runtime.clock, runtime.log)
    assert lines == [
        (True, f"issuer {server.issuer}: metadata from {server.issuer}/.well-known/openid-configuration"),
        (True, f"token endpoint {server.url}"),
        (True, f"revocation endpoint {server.origin}/oauth2/revoke"),
        (
            False,
            "the issuer lists private_key_jwt, not client_secret_basic (client_auth = client_secret_basic): "
            "set client_auth",
        ),
    ]
    server.named_issuer = "https://elsewhere.example"
    [(ok, line)] = check_issuer(settings, default_transport(settings), runtime.clock, runtime.log)
    assert not ok
    assert "names issuer 'https://elsewhere.example'" in line


def test_endpoint_for_uses_mtls_aliases_only_with_a_client_certificate(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """endpoint_for gives the discovered endpoints, and their RFC 8705 mtls_endpoint_aliases once a client
    certificate is set; an alias that breaks the URL rules is dropped; token_url profiles have no revocation."""
    aliases = {"token_endpoint": f"{authz.origin}/mtls/token", "revocation_endpoint": "http://example.com/revoke"}
    authz.metadata_changes = {"mtls_endpoint_aliases": aliases}
    runtime = Runtime(env=issuer_env(helper_env, authz))
    settings = runtime.settings(Overrides())
    resolved = resolve_issuer(settings, default_transport(settings), runtime.clock, runtime.log)
    assert (endpoint_for(resolved, "token"), endpoint_for(resolved, "revocation")) == (
        authz.url,
        f"{authz.origin}/oauth2/revoke",
    )
    with_cert = resolved.replace(tls_client_cert="/path/client.pem")
    assert endpoint_for(with_cert, "token") == f"{authz.origin}/mtls/token"
    assert endpoint_for(with_cert, "revocation") == f"{authz.origin}/oauth2/revoke"
    plain = Runtime(env=helper_env).settings(Overrides())
    assert (endpoint_for(plain, "token"), endpoint_for(plain, "revocation")) == (plain.token_url, "")
