"""Revocation (RFC 7009): `clear`, git's and docker's `erase`, terraform's `forget` and cargo's `logout` revoke
the token they drop at an issuer with a revocation endpoint, authenticated like the token request; a failed
revocation is one warning and never changes the exit code; `revoke = false` turns it off."""

from __future__ import annotations

import pytest

from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.docker import DOCKER
from rightbrain_helper.integrations.git import GIT
from rightbrain_helper.integrations.terraform import TERRAFORM

from ..conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from ..support.adapters import cargo_request, run_adapter
from ..support.authz import AuthorizationServer
from ..support.procs import write_config
from ..support.profiles import secret_file
from ..support.tokenserver import Reply
from ..test_config import basic_credentials
from .conftest import MakeServer, issuer_env

HOST = "git.example.com"


def docker_erase(env: dict[str, str], server_url: str) -> CliResult:
    """docker-credential-rightbrain erase, in process."""
    return run_adapter(DOCKER, ["erase"], env, server_url)


def git_erase(env: dict[str, str], token: str) -> CliResult:
    """git-credential-rightbrain erase with the credential git says was refused, in process."""
    stdin = f"protocol=https\nhost={HOST}\nusername=x-access-token\npassword={token}\n"
    return run_adapter(GIT, ["erase"], env, stdin)


def fetched(env: dict[str, str], server: AuthorizationServer) -> str:
    """Fetch (and cache) a token; return it."""
    result = run_cli(["token"], env)
    assert result.code == 0, result.stderr
    return server.issued[-1]


def test_clear_revokes_the_cached_token(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """`clear` POSTs the token with token_type_hint=access_token to the revocation endpoint, authenticated with
    the client's Basic credentials and nothing of the grant; stdout and the exit code are as without it."""
    env = issuer_env(helper_env, authz)
    token = fetched(env, authz)
    result = run_cli(["clear"], env)
    assert (result.code, result.stdout, result.stderr) == (0, "removed 1 cached token(s)\n", "")
    [revocation] = authz.revocations
    assert revocation.form == [("token", token), ("token_type_hint", "access_token")]
    assert basic_credentials(revocation) == (CLIENT_ID, CLIENT_SECRET)
    assert revocation.path == "/oauth2/revoke"


def test_revocation_authenticates_like_the_token_request(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """With client_auth = "post" the revocation carries client_id and client_secret in the form, no Basic."""
    env = issuer_env(helper_env, authz)
    write_config(env, '[profiles.default]\nclient_auth = "post"\n')
    token = fetched(env, authz)
    assert run_cli(["clear"], env).code == 0
    [revocation] = authz.revocations
    assert "authorization" not in revocation.headers
    assert revocation.form == [
        ("token", token),
        ("token_type_hint", "access_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ]


def test_clear_of_one_profile_revokes_only_its_tokens(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """`clear --profile a` revokes a's token at a's issuer; b's token stays cached and unrevoked."""
    first, second = make_authz(), make_authz()
    env = {key: value for key, value in helper_env.items() if key != "RIGHTBRAIN_TOKEN_URL"}
    secret = secret_file(env)
    profiles = [
        f'[profiles.{name}]\nissuer = "{server.issuer}"\nclient_id = "{CLIENT_ID}"\n'
        for name, server in (("a", first), ("b", second))
    ]
    write_config(env, "".join(f'{profile}client_secret_file = "{secret}"\n' for profile in profiles))
    assert run_cli(["token", "--profile", "a"], env).code == 0
    assert run_cli(["token", "--profile", "b"], env).code == 0
    result = run_cli(["clear", "--profile", "a"], env)
    assert (result.code, result.stdout, result.stderr) == (0, "removed 1 cached token(s)\n", "")
    assert first.revoked_tokens() == [first.issued[0]]
    assert second.revocations == []
    assert "b " in run_cli(["status"], env).stdout


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (Reply(503, "down for maintenance", {"Content-Type": "text/plain"}), "HTTP 503"),
        (Reply(400, {"error": "unsupported_token_type"}), "unsupported_token_type"),
    ],
    ids=["server-error", "oauth-error"],
)
def test_failed_revocation_is_one_warning(
    helper_env: dict[str, str], authz: AuthorizationServer, reply: Reply, fragment: str
) -> None:
    """A revocation endpoint that refuses or fails: `clear` still removes the token and exits 0, with one warning
    saying the token stays valid until it expires; never the token or the secret."""
    env = issuer_env(helper_env, authz)
    token = fetched(env, authz)
    authz.revocation_replies.append(reply)
    result = run_cli(["clear"], env)
    assert (result.code, result.stdout) == (0, "removed 1 cached token(s)\n")
    assert result.stderr.startswith("rightbrain-helper: warning: revocation at 127.0.0.1:"), result.stderr
    assert result.stderr.count("\n") == 1
    assert fragment in result.stderr
    assert "stays valid until it expires" in result.stderr
    assert token not in result.stderr
    assert CLIENT_SECRET not in result.stderr


def test_unreachable_revocation_endpoint_is_one_warning(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """A revocation endpoint that accepts no connections: a warning, exit 0, the entry gone."""
    issuer, gone = make_authz(), make_authz()
    issuer.metadata_changes = {"revocation_endpoint": gone.origin + "/oauth2/revoke"}
    env = issuer_env(helper_env, issuer)
    fetched(env, issuer)
    gone.stop()
    result = run_cli(["clear"], env)
    assert (result.code, result.stdout) == (0, "removed 1 cached token(s)\n")
    assert "warning: revocation at" in result.stderr
    assert "connection failed" in result.stderr
    assert run_cli(["status"], env).stdout == "no cached tokens\n"


def test_revoke_false_and_no_endpoint_mean_no_revocation(helper_env: dict[str, str], make_authz: MakeServer) -> None:
    """`revoke = false`, or an issuer whose metadata names no revocation endpoint: `clear` sends nothing and
    says nothing beyond its usual line."""
    quiet, without_endpoint = make_authz(), make_authz(revocation=False)
    for server, config in ((quiet, "revoke = false\n"), (without_endpoint, "")):
        env = issuer_env(helper_env, server)
        write_config(env, "[profiles.default]\n" + config)
        fetched(env, server)
        result = run_cli(["clear"], env)
        assert (result.code, result.stdout, result.stderr) == (0, "removed 1 cached token(s)\n", "")
        assert server.revocations == []
        assert [request.method for request in server.token_requests()] == ["POST"]


def test_token_url_profiles_are_never_revoked(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """A profile with token_url (no issuer, so no metadata) drops its token without any request."""
    env = {**helper_env, "RIGHTBRAIN_TOKEN_URL": authz.url}
    fetched(env, authz)
    result = run_cli(["clear"], env)
    assert (result.code, result.stderr) == (0, "")
    assert authz.revocations == []
    assert authz.discoveries == []


def test_git_erase_revokes_the_refused_token(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """git's erase of the cached token (the server refused it) drops and revokes it; an erase carrying some
    other credential revokes nothing, so no foreign password is ever sent to the issuer."""
    env = {**issuer_env(helper_env, authz), "RIGHTBRAIN_HOSTS": HOST}
    token = fetched(env, authz)
    other = git_erase(env, "somebody-elses-password")
    assert (other.code, other.stderr) == (0, "")
    assert authz.revocations == []
    result = git_erase(env, token)
    assert result.code == 0
    assert "refused the token; dropped it from the cache" in result.stderr
    assert authz.revoked_tokens() == [token]


def test_docker_erase_revokes(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """docker logout (erase) drops and revokes the registry's cached token, silently."""
    env = {**issuer_env(helper_env, authz), "RIGHTBRAIN_HOSTS": "127.0.0.1:5000"}
    token = fetched(env, authz)
    result = docker_erase(env, "127.0.0.1:5000")
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert authz.revoked_tokens() == [token]


def test_terraform_forget_and_cargo_logout_revoke(helper_env: dict[str, str], authz: AuthorizationServer) -> None:
    """terraform's forget and cargo's logout go through TokenService.forget, so both revoke what they drop."""
    env = {**issuer_env(helper_env, authz), "RIGHTBRAIN_HOSTS": "registry.example.com"}
    first = fetched(env, authz)
    forgot = run_adapter(TERRAFORM, ["forget", "registry.example.com"], env)
    assert (forgot.code, forgot.stderr) == (0, "")
    second = fetched(env, authz)
    logout = cargo_request("logout", "sparse+https://registry.example.com/index/")
    logged_out = run_adapter(CARGO, ["--cargo-plugin"], env, logout + "\n")
    assert logged_out.stdout.endswith('{"Ok":{"kind":"logout"}}\n'), logged_out.stdout
    assert authz.revoked_tokens() == [first, second]


def test_token_shared_with_the_fleet_is_not_revoked_by_a_local_clear(
    helper_env: dict[str, str], authz: AuthorizationServer
) -> None:
    """With a fleet tier configured, `clear --local` drops the local entry but revokes nothing: other machines
    may still be handed the token from Redis."""
    env = issuer_env(helper_env, authz)
    fetched(env, authz)
    write_config(env, '[profiles.default]\nshared_cache = "redis://127.0.0.1:9/0"\n')
    result = run_cli(["clear", "--local"], env)
    assert (result.code, result.stdout, result.stderr) == (0, "removed 1 cached token(s)\n", "")
    assert authz.revocations == []
