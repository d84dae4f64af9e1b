"""`doctor` for a profile with `issuer` instead of `token_url`, against a real authorization server on 127.0.0.1
(tests/support/authz.py): discovery is asked once, afresh, and the token request goes to the endpoint it names;
a failed discovery is one ✗ line with the fix; the revocation endpoint and `revoke` are information; an
unlisted client_auth is ✗. And a client secret in the OS keyring: ✓ naming the entry, or ✗ with the fix,
never the secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_helper
from ..issuers.conftest import issuer_env, metadata_files
from ..support.authz import AuthorizationServer
from ..support.doctor_report import FAIL, INFO, OK, Report, assert_no_secret
from ..support.procs import write_config
from ..support.redisserver import free_port
from ..test_config import without
from .conftest import doctor


@pytest.fixture
def authz() -> Iterator[AuthorizationServer]:
    """An authorization server with both discovery documents, a revocation endpoint, and client_secret_basic
    listed as its token endpoint's method."""
    server = AuthorizationServer({CLIENT_ID: CLIENT_SECRET}, auth_methods=["client_secret_basic"])
    server.start()
    yield server
    server.stop()


def test_a_healthy_issuer_profile_passes_with_the_discovered_endpoint(
    env: dict[str, str], authz: AuthorizationServer
) -> None:
    """Discovery ✓ naming the document and the token endpoint; client_auth ✓; the revocation endpoint and
    revoke = true as information; the token request ✓ at the discovered endpoint. One discovery GET, one token
    request, and the metadata cache neither read nor written."""
    env = issuer_env(env, authz)
    report = doctor(env)
    assert report.code == EXIT_OK, report
    assert report.line(f"issuer {authz.issuer}:") == (
        OK,
        f"issuer {authz.issuer}: {authz.issuer}/.well-known/openid-configuration names this issuer and token "
        f"endpoint {authz.url}",
    )
    assert report.line("issuer: client_auth") == (
        OK,
        "issuer: client_auth client_secret_basic is among the methods the issuer lists",
    )
    mark, text = report.line("issuer: revocation endpoint")
    assert (mark, text.startswith(f"issuer: revocation endpoint {authz.origin}/oauth2/revoke; revoke = true")) == (
        INFO,
        True,
    ), text
    assert report.line(f"token endpoint {authz.url}: answered HTTP 200")[0] == OK
    assert report.line("token request")[0] == OK
    assert (authz.discovered_paths(), len(authz.token_requests())) == (["/.well-known/openid-configuration"], 1)
    assert metadata_files(env) == []
    assert_no_secret(report.stdout, CLIENT_SECRET)


def test_revoke_off_and_an_unlisted_method_are_reported(env: dict[str, str], authz: AuthorizationServer) -> None:
    """revoke = false is the information line's words; an issuer listing only client_secret_post while the
    profile uses basic is ✗ with the fix (set client_auth)."""
    authz.auth_methods = ["client_secret_post"]
    env = issuer_env(env, authz)
    write_config(env, "[profiles.default]\nrevoke = false\n")
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    assert report.line("issuer: the issuer lists") == (
        FAIL,
        "issuer: the issuer lists client_secret_post, not client_secret_basic (client_auth = client_secret_basic): "
        "set client_auth",
    )
    mark, text = report.line("issuer: revocation endpoint")
    assert (mark, text.endswith("; revoke = false: tokens the helper drops are not revoked")) == (INFO, True), text


def discovery_failure(report: Report) -> str:
    """The ✗ discovery line, after checking doctor failed and made no token request."""
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("issuer discovery:")
    assert mark == FAIL, text
    assert report.line("token endpoint") == (
        INFO,
        "token endpoint: not contacted, as the issuer's metadata was not discovered (see above)",
    )
    return text


def test_an_issuer_without_discovery_documents_fails_with_the_fix(
    env: dict[str, str], authz: AuthorizationServer
) -> None:
    """Both well-known URLs answer 404: ✗ naming each and the fix (correct issuer where it was set, or use
    token_url); no token request is made."""
    authz.documents = ()
    text = discovery_failure(doctor(issuer_env(env, authz)))
    assert text.startswith(f"issuer discovery: issuer {authz.issuer}: no discovery document (")
    assert f"{authz.issuer}/.well-known/openid-configuration answered HTTP 404" in text
    assert text.endswith(
        "fix: set issuer (set by environment RIGHTBRAIN_ISSUER) to the issuer's identifier exactly as its "
        "metadata names it, or set token_url instead"
    )
    assert authz.token_requests() == []


def test_an_unreachable_issuer_fails_with_the_network_fix(env: dict[str, str]) -> None:
    """Nothing listening at the issuer: ✗ saying the connection failed, with the network fix."""
    issuer = f"http://127.0.0.1:{free_port()}"
    text = discovery_failure(doctor({**without(env, "RIGHTBRAIN_TOKEN_URL"), "RIGHTBRAIN_ISSUER": issuer}))
    assert "connection failed" in text
    assert "fix: check that the issuer is up and reachable from here" in text


def test_a_keyring_secret_is_read_and_never_shown(env: dict[str, str]) -> None:
    """client_secret_keyring with the secret stored by `login`: ✓ naming the entry, not the secret; with the
    entry empty: ✗ saying how to store it."""
    env = without(env, "RIGHTBRAIN_CLIENT_SECRET")
    entry = f"rightbrain-helper/{CLIENT_ID}"
    write_config(env, f'[profiles.default]\nclient_secret_keyring = "{entry}"\n')
    missing = run_helper(["doctor"], env)
    report = Report(missing.returncode, missing.stdout, missing.stderr)
    mark, text = report.line("client secret:")
    assert (report.code, mark) == (EXIT_FAILURE, FAIL), report
    assert "store it with: rightbrain-helper login --profile PROFILE" in text
    stored = run_helper(["login"], env, stdin=CLIENT_SECRET + "\n")
    assert stored.returncode == 0, stored.stderr
    found = run_helper(["doctor"], env)
    report = Report(found.returncode, found.stdout, found.stderr)
    mark, text = report.line("client secret:")
    assert mark == OK, report
    assert text.startswith(
        f"client secret: read from the keyring entry {entry} (service 'rightbrain-helper', user '{CLIENT_ID}')"
    )
    assert report.line("token request")[0] == OK
    assert_no_secret(found.stdout + found.stderr, CLIENT_SECRET)
