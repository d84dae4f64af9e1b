"""Which source wins: an explicitly chosen profile beats the environment's client (as botocore's profiles do),
flags beat both, and --verbose says where each setting came from without ever showing the secret."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG
from rightbrain_helper.integrations.docker import DOCKER
from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.runtime import Runtime

from .conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from .support.profiles import full_profile, secret_file
from .support.tokenserver import Recorded, TokenServer
from .test_config import assert_one_line_error, basic_credentials, write_config

PROFILE_CLIENT = "prod-client"
PROFILE_SECRET = "prod-secret-0123456789-canary"


@pytest.fixture
def prod_server() -> Iterator[TokenServer]:
    """The token endpoint of the `prod` profile's issuer (another issuer than the environment's)."""
    server = TokenServer({PROFILE_CLIENT: PROFILE_SECRET}).start()
    yield server
    server.stop()


@pytest.fixture
def prod_env(helper_env: dict[str, str], prod_server: TokenServer) -> dict[str, str]:
    """The quick start's RIGHTBRAIN_* variables still exported, and a config file whose `prod` profile names
    another issuer, client and secret file."""
    secret = secret_file(helper_env, PROFILE_SECRET, name="prod.secret")
    write_config(
        helper_env,
        f'[profiles.prod]\ntoken_url = "{prod_server.url}"\nclient_id = "{PROFILE_CLIENT}"\n'
        f'client_secret_file = "{secret}"\nscope = "prod-scope"\n',
    )
    return helper_env


def assert_prod_client_only(prod_server: TokenServer, env_server: TokenServer) -> list[Recorded]:
    """Every request went to prod's issuer with prod's client and secret; none to the environment's."""
    requests = prod_server.token_requests()
    assert requests, "no request reached the profile's issuer"
    assert {basic_credentials(request) for request in requests} == {(PROFILE_CLIENT, PROFILE_SECRET)}
    assert env_server.token_requests() == []
    for request in requests:
        assert CLIENT_SECRET not in request.body.decode() + str(request.headers)
    return requests


@pytest.mark.parametrize("how", ["flag", "flag-after-command", "RIGHTBRAIN_PROFILE"])
def test_an_explicit_profile_beats_the_exported_client(
    how: str, prod_env: dict[str, str], prod_server: TokenServer, token_server: TokenServer
) -> None:
    """--profile prod (or RIGHTBRAIN_PROFILE=prod) takes prod's token URL, client id and secret although
    RIGHTBRAIN_TOKEN_URL, _CLIENT_ID and _CLIENT_SECRET are still exported: no request mixes the two."""
    argv = {"flag": ["--profile", "prod", "token"], "flag-after-command": ["token", "--profile=prod"]}.get(how)
    env = {**prod_env, "RIGHTBRAIN_PROFILE": "prod"} if argv is None else prod_env
    result = run_cli(argv or ["token"], env)
    assert result.code == 0, result.stderr
    (request,) = assert_prod_client_only(prod_server, token_server)
    assert result.stdout == prod_server.issued[0] + "\n"
    assert request.field("scope") == "prod-scope"


def test_a_secret_file_variable_is_not_sent_to_an_explicit_profiles_issuer(
    prod_env: dict[str, str], prod_server: TokenServer, token_server: TokenServer, tmp_path: Path
) -> None:
    """RIGHTBRAIN_CLIENT_SECRET_FILE belongs to the environment's client as much as RIGHTBRAIN_CLIENT_SECRET."""
    other = tmp_path / "env.secret"
    other.write_text("env-file-secret-canary\n")
    other.chmod(0o600)
    env = {**prod_env, "RIGHTBRAIN_CLIENT_SECRET_FILE": str(other)}
    del env["RIGHTBRAIN_CLIENT_SECRET"]
    assert run_cli(["token", "--profile", "prod"], env).code == 0
    assert_prod_client_only(prod_server, token_server)


def test_a_host_entry_profile_is_explicit_too(
    prod_env: dict[str, str], prod_server: TokenServer, token_server: TokenServer
) -> None:
    """An adapter serving a host whose entry names `profile = "prod"` uses prod's client, not the exported one."""
    path = Path(prod_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.write_text(path.read_text() + '\n[hosts."reg.example.com"]\nprofile = "prod"\n')
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(env=prod_env, stdin=io.StringIO("reg.example.com"), stdout=out, stderr=err)
    assert serve(DOCKER, ["get"], runtime) == 0, err.getvalue()
    assert prod_server.issued[0] in out.getvalue()
    assert_prod_client_only(prod_server, token_server)


def test_without_an_explicit_profile_the_environment_overrides_key_by_key(
    helper_env: dict[str, str], token_server: TokenServer, prod_server: TokenServer
) -> None:
    """The default profile, even when default_profile names it, is overridden by each identity variable set:
    the environment of one shell or CI job is more specific than the file."""
    write_config(
        helper_env,
        f'default_profile = "prod"\n[profiles.prod]\ntoken_url = "{prod_server.url}"\nclient_id = "{PROFILE_CLIENT}"\n'
        'audience = "prod-aud"\n',
    )
    assert run_cli(["token"], helper_env).code == 0
    (request,) = token_server.token_requests()
    assert basic_credentials(request) == (CLIENT_ID, CLIENT_SECRET)
    assert request.field("audience") == "prod-aud"
    assert prod_server.token_requests() == []


def test_an_explicit_profile_ignores_scope_and_audience_variables_but_flags_win(
    prod_env: dict[str, str], prod_server: TokenServer
) -> None:
    """RIGHTBRAIN_SCOPE / _AUDIENCE describe the exported client's tokens: an explicit profile ignores them, while
    --scope and --audience beat the profile and the environment alike."""
    env = {**prod_env, "RIGHTBRAIN_SCOPE": "env-scope", "RIGHTBRAIN_AUDIENCE": "env-aud"}
    assert run_cli(["token", "--profile", "prod", "--no-cache"], env).code == 0
    assert (
        run_cli(["token", "--profile", "prod", "--no-cache", "--scope", "flag", "--audience", "f-aud"], env).code == 0
    )
    first, second = prod_server.token_requests()
    assert (first.field("scope"), first.field("audience")) == ("prod-scope", None)
    assert (second.field("scope"), second.field("audience")) == ("flag", "f-aud")


def test_an_explicit_profile_without_a_client_says_the_variable_is_not_used(helper_env: dict[str, str]) -> None:
    """A named profile lacking client_id or a secret source is an error that says why the exported variables do
    not fill the gap."""
    write_config(helper_env, '[profiles.half]\naudience = "x"\n')
    result = run_cli(["token", "--profile", "half"], helper_env)
    assert_one_line_error(
        result, EXIT_CONFIG, "no client id: set client_id in [profiles.half]", "RIGHTBRAIN_CLIENT_ID not used"
    )
    write_config(helper_env, '[profiles.half]\nclient_id = "c"\n')
    result = run_cli(["token"], {**helper_env, "RIGHTBRAIN_PROFILE": "half"})
    assert_one_line_error(
        result, EXIT_CONFIG, "no client secret", "RIGHTBRAIN_CLIENT_SECRET not used", "RIGHTBRAIN_PROFILE"
    )


def test_verbose_names_the_source_of_each_setting_and_never_the_secret(
    prod_env: dict[str, str], prod_server: TokenServer
) -> None:
    """--verbose prints where the profile, each setting and the secret came from (flag, environment, profile P
    in file F, default) and which exported variables were ignored; neither secret appears."""
    config = Path(prod_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    result = run_cli(["token", "-v", "--profile", "prod", "--audience", "aud-flag"], prod_env)
    assert result.code == 0, result.stderr
    lines = [line.removeprefix("rightbrain-helper: debug: setting ") for line in result.stderr.splitlines()]
    in_file = f"(from profile prod in {config})"
    for expected in (
        f"config file {config} (default)",
        "profile prod (from the command line)",
        f"token_url = {prod_server.url} {in_file}",
        f"client_id = {PROFILE_CLIENT} {in_file}",
        f"scope = prod-scope {in_file}",
        "audience = aud-flag (from the command line)",
        "min_valid = 60 (default)",
        f"client secret (not shown) in file {config.parent / 'prod.secret'} {in_file}",
        f"cache_dir = {prod_env['RIGHTBRAIN_CACHE_DIR']} (from environment RIGHTBRAIN_CACHE_DIR)",
        "RIGHTBRAIN_CLIENT_ID is set but not used: the profile was chosen by the command line",
        "RIGHTBRAIN_CLIENT_SECRET is set but not used: the profile was chosen by the command line",
    ):
        assert expected in lines, (expected, lines)
    assert PROFILE_SECRET not in result.stderr
    assert CLIENT_SECRET not in result.stderr


def test_verbose_names_environment_and_host_entry_sources(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Without a profile the identity comes from the environment and says so; numbers are shown as written (30,
    7.5); an adapter's host entry is named as what chose the profile (RIGHTBRAIN_VERBOSE, as git and docker pass
    no flags)."""
    profile = full_profile(helper_env, "default", "min_valid = 30\nread_timeout = 7.5")
    write_config(helper_env, profile + '[hosts."reg.example.com"]\nprofile = "default"\n')
    env = {**helper_env, "RIGHTBRAIN_VERBOSE": "1"}
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(env=env, stdin=io.StringIO("reg.example.com"), stdout=out, stderr=err)
    assert serve(DOCKER, ["get"], runtime) == 0, err.getvalue()
    result = run_cli(["token", "--verbose"], helper_env)
    assert result.code == 0, result.stderr
    for expected in (
        f"setting token_url = {token_server.url} (from environment RIGHTBRAIN_TOKEN_URL)",
        f"setting client_id = {CLIENT_ID} (from environment RIGHTBRAIN_CLIENT_ID)",
        "setting client secret (not shown) (from environment RIGHTBRAIN_CLIENT_SECRET)",
        "setting min_valid = 30 (from profile default in",
        "setting read_timeout = 7.5 (from profile default in",
    ):
        assert expected in result.stderr, (expected, result.stderr)
    assert 'setting profile default (from [hosts."reg.example.com"])' in err.getvalue()
    assert "setting client secret (not shown) in file" in err.getvalue()  # explicit: the env secret is ignored
    assert CLIENT_SECRET not in result.stderr + err.getvalue()
