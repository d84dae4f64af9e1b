"""Configuration: flags > environment > the profile in the TOML file > defaults, and one-line exit-3 complaints
that name the file, the table or key, and the fix."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, TransportFailure
from rightbrain_helper.ports import HttpResponse
from rightbrain_helper.settings.model import DEFAULT_TOKEN_URL, Settings

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.fakes import FakeClock
from .support.profiles import full_profile
from .support.tokenserver import Recorded, TokenServer


def config_path(env: dict[str, str]) -> Path:
    """Where the helper looks for its config file in `env` (XDG_CONFIG_HOME/rightbrain-helper/config.toml)."""
    return Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"


def write_config(env: dict[str, str], text: str, *, mode: int = 0o600, path: Path | None = None) -> Path:
    """Write a config file (default location unless `path`) with `mode`; return its path."""
    target = path or config_path(env)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    os.chmod(target, mode)
    return target


def assert_one_line_error(result: CliResult, code: int, *fragments: str) -> None:
    """The run failed with `code`, printed nothing on stdout and one error line (no traceback) with `fragments`."""
    assert result.code == code, (result.code, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("rightbrain-helper: error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def basic_credentials(recorded: Recorded) -> tuple[str, str]:
    """The client id and secret a request authenticated with, by HTTP Basic (form-urlencoded, RFC 6749 §2.3.1)."""
    encoded = recorded.headers["authorization"].removeprefix("Basic ")
    client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


def basic_user(recorded: Recorded) -> str:
    """The client id a request authenticated as."""
    return basic_credentials(recorded)[0]


def basic_password(recorded: Recorded) -> str:
    """The client secret a request authenticated with."""
    return basic_credentials(recorded)[1]


@pytest.fixture
def second_server() -> Iterator[TokenServer]:
    """Another token endpoint that knows the same client, to see which URL a request went to."""
    server = TokenServer({CLIENT_ID: CLIENT_SECRET, "profile-client": CLIENT_SECRET}).start()
    yield server
    server.stop()


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    """A copy of `env` without the variables `names`."""
    return {key: value for key, value in env.items() if key not in names}


PROFILE_WITH_SCOPE = """
[profiles.default]
scope = ["read", "profile-scope"]
audience = "profile-aud"
"""


def test_defaults_send_no_scope_or_audience(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """With no scope or audience anywhere, the request carries neither, and the client uses HTTP Basic."""
    result = run_cli(["token"], helper_env)
    assert result.code == 0, result.stderr
    (request,) = token_server.token_requests()
    assert request.field("scope") is None
    assert request.field("audience") is None
    assert request.field("client_secret") is None
    assert basic_user(request) == CLIENT_ID


def test_profile_scope_and_audience_reach_the_wire(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """scope (a list, sent sorted and space-separated) and audience come from the profile when nothing overrides."""
    write_config(helper_env, PROFILE_WITH_SCOPE)
    assert run_cli(["token"], helper_env).code == 0
    (request,) = token_server.token_requests()
    assert request.field("scope") == "profile-scope read"
    assert request.field("audience") == "profile-aud"


def test_environment_beats_profile_for_scope_and_audience(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """RIGHTBRAIN_SCOPE and RIGHTBRAIN_AUDIENCE override the profile's scope and audience."""
    write_config(helper_env, PROFILE_WITH_SCOPE)
    env = {**helper_env, "RIGHTBRAIN_SCOPE": "env-scope", "RIGHTBRAIN_AUDIENCE": "env-aud"}
    assert run_cli(["token"], env).code == 0
    (request,) = token_server.token_requests()
    assert request.field("scope") == "env-scope"
    assert request.field("audience") == "env-aud"


def test_flags_beat_environment_and_profile(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--scope (repeatable, also --scope=) and --audience override both the environment and the profile."""
    write_config(helper_env, PROFILE_WITH_SCOPE)
    env = {**helper_env, "RIGHTBRAIN_SCOPE": "env-scope", "RIGHTBRAIN_AUDIENCE": "env-aud"}
    result = run_cli(["token", "--scope", "b a", "--scope=c", "--audience", "flag-aud"], env)
    assert result.code == 0, result.stderr
    (request,) = token_server.token_requests()
    assert request.field("scope") == "a b c"
    assert request.field("audience") == "flag-aud"


def test_token_url_and_client_id_from_environment_beat_profile(
    helper_env: dict[str, str], token_server: TokenServer, second_server: TokenServer
) -> None:
    """The profile's token_url and client_id are used unless RIGHTBRAIN_TOKEN_URL / RIGHTBRAIN_CLIENT_ID are set."""
    write_config(helper_env, f'[profiles.default]\ntoken_url = "{second_server.url}"\nclient_id = "profile-client"\n')
    from_profile = without(helper_env, "RIGHTBRAIN_TOKEN_URL", "RIGHTBRAIN_CLIENT_ID")
    assert run_cli(["token", "--no-cache"], from_profile).code == 0
    assert [basic_user(item) for item in second_server.token_requests()] == ["profile-client"]
    assert token_server.token_requests() == []

    assert run_cli(["token", "--no-cache"], helper_env).code == 0
    assert [basic_user(item) for item in token_server.token_requests()] == [CLIENT_ID]
    assert len(second_server.token_requests()) == 1


PROFILES = """
default_profile = "c"

[profiles.default]
audience = "aud-default"

[profiles.a]
audience = "aud-a"

[profiles.b]
audience = "aud-b"

[profiles.c]
audience = "aud-c"
"""


def complete_profiles(env: dict[str, str]) -> str:
    """PROFILES with each profile naming its own token URL, client and secret file (as an explicitly chosen
    profile must)."""
    return 'default_profile = "c"\n\n' + "\n".join(
        full_profile(env, name, f'audience = "aud-{name}"') for name in ("default", "a", "b", "c")
    )


@pytest.mark.parametrize(
    ("argv", "env_profile", "expected"),
    [
        (["token"], "", "aud-c"),
        (["token"], "b", "aud-b"),
        (["token", "--profile", "a"], "b", "aud-a"),
        (["--profile=a", "token"], "", "aud-a"),
    ],
)
def test_profile_selection_order(
    helper_env: dict[str, str], token_server: TokenServer, argv: list[str], env_profile: str, expected: str
) -> None:
    """The profile is --profile, else RIGHTBRAIN_PROFILE, else the top-level default_profile."""
    write_config(helper_env, complete_profiles(helper_env))
    env = {**helper_env, "RIGHTBRAIN_PROFILE": env_profile} if env_profile else helper_env
    assert run_cli(argv, env).code == 0
    assert [item.field("audience") for item in token_server.token_requests()] == [expected]


def test_profile_named_default_is_used_without_default_profile(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Without default_profile or RIGHTBRAIN_PROFILE the [profiles.default] table applies."""
    write_config(helper_env, PROFILES.replace('default_profile = "c"', ""))
    assert run_cli(["token"], helper_env).code == 0
    assert [item.field("audience") for item in token_server.token_requests()] == ["aud-default"]


def test_no_config_file_at_all_is_fine(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """With no config file anywhere, the environment alone is enough."""
    assert not config_path(helper_env).exists()
    result = run_cli(["token"], helper_env)
    assert result.code == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"


def test_rightbrain_config_names_the_file(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """RIGHTBRAIN_CONFIG points at a config file outside the usual place, which is then read."""
    elsewhere = write_config(helper_env, '[profiles.default]\naudience = "elsewhere"\n', path=tmp_path / "my.toml")
    write_config(helper_env, '[profiles.default]\naudience = "usual-place"\n')
    assert run_cli(["token"], {**helper_env, "RIGHTBRAIN_CONFIG": str(elsewhere)}).code == 0
    assert [item.field("audience") for item in token_server.token_requests()] == ["elsewhere"]


def test_rightbrain_config_naming_a_missing_file_is_an_error(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A config file the user named explicitly must exist: exit 3 naming the file and RIGHTBRAIN_CONFIG."""
    missing = tmp_path / "nowhere" / "config.toml"
    result = run_cli(["token"], {**helper_env, "RIGHTBRAIN_CONFIG": str(missing)})
    assert_one_line_error(result, EXIT_CONFIG, str(missing), "RIGHTBRAIN_CONFIG", "does not exist")
    assert token_server.token_requests() == []


def test_cache_dir_from_environment(helper_env: dict[str, str], tmp_path: Path) -> None:
    """RIGHTBRAIN_CACHE_DIR is where the token entry goes (mode 0700 directory)."""
    cache = tmp_path / "elsewhere-cache"
    assert run_cli(["token"], {**helper_env, "RIGHTBRAIN_CACHE_DIR": str(cache)}).code == 0
    assert len(list(cache.glob("*.token"))) == 1
    assert cache.stat().st_mode & 0o777 == 0o700
    assert not (tmp_path / "cache").exists()


def test_cache_dir_defaults_to_xdg_cache_home(helper_env: dict[str, str], tmp_path: Path) -> None:
    """Without RIGHTBRAIN_CACHE_DIR the cache lives in XDG_CACHE_HOME/rightbrain-helper."""
    env = {**without(helper_env, "RIGHTBRAIN_CACHE_DIR"), "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    assert run_cli(["token"], env).code == 0
    assert len(list((tmp_path / "xdg-cache" / "rightbrain-helper").glob("*.token"))) == 1


class RecordingTransport:
    """Records the URL it was asked to POST to and fails without touching the network."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> HttpResponse:
        """Record and refuse."""
        self.urls.append(url)
        raise TransportFailure("recorded, not sent", retryable=False)


def test_default_token_url(helper_env: dict[str, str]) -> None:
    """Without token_url anywhere the request goes to the Rightbrain issuer's token endpoint."""
    transport = RecordingTransport()

    def factory(settings: Settings) -> RecordingTransport:
        """Always the recording transport."""
        return transport

    env = without(helper_env, "RIGHTBRAIN_TOKEN_URL")
    result = run_cli(["token"], env, clock=FakeClock(), transport_factory=factory)
    assert transport.urls == [DEFAULT_TOKEN_URL] == ["https://oauth.rightbrain.ai/oauth2/token"]
    assert result.code == 5


BAD_CONFIGS = [
    pytest.param(
        'colour = "blue"\n', ("unknown top-level key 'colour'", "default_profile"), id="unknown-top-level-key"
    ),
    pytest.param(
        '[profiles.default]\ntoken_uri = "https://x/token"\n',
        ("unknown key 'token_uri'", "[profiles.default]", "token_url"),
        id="unknown-profile-key",
    ),
    pytest.param(
        '[profiles.default]\nmin_valid = "soon"\n',
        ("min_valid", "[profiles.default]", "wrong type", "number"),
        id="wrong-type-number",
    ),
    pytest.param(
        "[profiles.default]\naudience = 42\n", ("audience", "[profiles.default]", "string"), id="wrong-type-string"
    ),
    pytest.param(
        '[profiles.default]\nclient_secret_command = "pass show x"\n',
        ("client_secret_command", "[profiles.default]", "argv list"),
        id="secret-command-not-a-list",
    ),
    pytest.param(
        "[profiles.default]\ndefault_lifetime = 0\n",
        ("default_lifetime", "at least 1"),
        id="zero-default-lifetime",
    ),
    pytest.param(
        '[profiles.default]\nclient_secret = "hunter2"\n',
        ("client_secret in [profiles.default]", "client_secret_file", "client_secret_command"),
        id="secret-in-file",
    ),
    pytest.param(
        '[profiles.default]\nclient_auth = "digest"\n',
        ("client_auth = 'digest'", "[profiles.default]", "client_secret_basic, basic-raw", "post = "),
        id="unknown-client-auth",
    ),
    pytest.param(
        '[profiles.default]\nscope = "read"\n[profiles.default.extra]\nx = 1\n',
        ("unknown key 'extra'", "[profiles.default]"),
        id="unknown-subtable",
    ),
    pytest.param(
        'default_profile = "prod"\n[profiles.dev]\n[profiles.staging]\n',
        ("profile 'prod' is not in", "dev, staging"),
        id="unknown-profile",
    ),
    pytest.param("default_profile = 7\n", ("default_profile", "string"), id="default-profile-not-a-string"),
    pytest.param('profiles = "all"\n', ("'profiles' must be a table",), id="profiles-not-a-table"),
    pytest.param('[profiles.default\nscope = "x"\n', ("not valid TOML", "line 1, column 18"), id="toml-syntax-error"),
]


@pytest.mark.parametrize(("text", "fragments"), BAD_CONFIGS)
def test_bad_config_is_one_line_exit_3(
    helper_env: dict[str, str], token_server: TokenServer, text: str, fragments: tuple[str, ...]
) -> None:
    """Each kind of bad config file fails with exit 3 and one line naming the file, what is wrong and the fix."""
    path = write_config(helper_env, text)
    result = run_cli(["token"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, str(path), *fragments)
    assert token_server.token_requests() == []


def test_secret_in_config_file_is_refused_even_with_env_secret(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """client_secret in the file is refused although RIGHTBRAIN_CLIENT_SECRET would supply one; not echoed."""
    write_config(helper_env, '[profiles.default]\nclient_secret = "hunter2-in-file"\n')
    result = run_cli(["token"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, "secrets do not belong in the config file")
    assert "hunter2-in-file" not in result.stderr
    assert token_server.token_requests() == []


def test_missing_client_id(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """No client id anywhere: exit 3 naming RIGHTBRAIN_CLIENT_ID, client_id and the profile table."""
    result = run_cli(["token"], without(helper_env, "RIGHTBRAIN_CLIENT_ID"))
    assert_one_line_error(
        result, EXIT_CONFIG, "no client id", "RIGHTBRAIN_CLIENT_ID", "client_id in [profiles.default]"
    )
    assert token_server.token_requests() == []


def test_missing_secret(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """No secret source anywhere: exit 3 naming each way to supply one."""
    result = run_cli(["token"], without(helper_env, "RIGHTBRAIN_CLIENT_SECRET"))
    assert_one_line_error(
        result,
        EXIT_CONFIG,
        "no client secret",
        "RIGHTBRAIN_CLIENT_SECRET",
        "RIGHTBRAIN_CLIENT_SECRET_FILE",
        "client_secret_file",
        "client_secret_command",
    )
    assert token_server.token_requests() == []


def test_unknown_profile_from_flag_lists_known_profiles(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--profile naming a profile the file lacks: exit 3 listing the profiles it has."""
    path = write_config(helper_env, PROFILES)
    result = run_cli(["token", "--profile", "prod"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, "'prod'", str(path), "a, b, c, default")


def test_unknown_profile_without_config_file(helper_env: dict[str, str]) -> None:
    """--profile naming a profile when there is no config file at all: exit 3 saying there are none."""
    result = run_cli(["token", "--profile", "prod"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, "'prod'", "profiles there: none")


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_config_writable_by_others_is_refused(helper_env: dict[str, str], token_server: TokenServer, mode: int) -> None:
    """A config file group or others may write (it can name a command to run) is refused with the chmod fix."""
    path = write_config(helper_env, PROFILE_WITH_SCOPE, mode=mode)
    result = run_cli(["token"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, str(path), "writable by group or others", f"chmod go-w {path}")
    assert token_server.token_requests() == []


def test_world_readable_config_is_fine(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 0644 config file is accepted: it holds no secret, only others' write access matters."""
    write_config(helper_env, PROFILE_WITH_SCOPE, mode=0o644)
    assert run_cli(["token"], helper_env).code == 0
    assert token_server.token_requests()[0].field("audience") == "profile-aud"


def test_config_that_is_a_directory_is_refused(helper_env: dict[str, str]) -> None:
    """A directory where the config file should be is a one-line exit-3 error, not a traceback."""
    config_path(helper_env).mkdir(parents=True)
    result = run_cli(["token"], helper_env)
    assert_one_line_error(result, EXIT_CONFIG, str(config_path(helper_env)), "not a regular file")


def test_bad_profile_not_selected_is_not_checked(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Only the selected profile is validated: a typo in another profile does not break this one."""
    write_config(helper_env, '[profiles.default]\naudience = "ok"\n[profiles.other]\ntypo_key = 1\n')
    assert run_cli(["token"], helper_env).code == 0
    assert token_server.token_requests()[0].field("audience") == "ok"
