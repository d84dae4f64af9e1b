"""`git-credential-rightbrain` in process: exact transcripts (attributes in, exact bytes out) for get, erase,
store and unknown actions, which hosts and protocols get a token, and how bad input fails."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.integrations.git import GIT
from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.ports import Clock, TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.token.entry import Token
from rightbrain_helper.token.service import default_transport

from .conftest import CliResult
from .support.adapters import seed_cache
from .support.fakes import FakeClock, never_transport
from .support.tokenserver import TokenServer

# FakeClock starts at 1_800_000_000; the issuer grants 3600 s; the default margin is 60 s.
EXPIRY = 1_800_003_540
HOST = "protocol=https\nhost=git.example.com\n"


def credential(
    action: str,
    stdin: str,
    env: dict[str, str],
    *,
    clock: Clock | None = None,
    transport_factory: TransportFactory = default_transport,
    options: tuple[str, ...] = (),
) -> CliResult:
    """Run the git adapter in this process as git would (`git-credential-rightbrain ACTION`)."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        env=env,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        clock=clock or FakeClock(),
        transport_factory=transport_factory,
    )
    code = serve(GIT, [*options, action] if action else list(options), runtime)
    return CliResult(code, out.getvalue(), err.getvalue())


def basic(token: str, username: str = "x-access-token", expiry: int = EXPIRY) -> str:
    """The exact stdout of a username/password answer."""
    return f"username={username}\npassword={token}\npassword_expiry_utc={expiry}\n"


def bearer(token: str, expiry: int = EXPIRY) -> str:
    """The exact stdout of an authtype answer (git >= 2.46)."""
    return f"capability[]=authtype\nauthtype=Bearer\ncredential={token}\nephemeral=1\npassword_expiry_utc={expiry}\n"


def write_config(env: dict[str, str], text: str) -> None:
    """Write the helper's config file under the environment's XDG_CONFIG_HOME."""
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


@pytest.fixture
def git_env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with git.example.com in the host list."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com"}


def test_get_prints_username_token_and_expiry(git_env: dict[str, str], token_server: TokenServer) -> None:
    """git 2.39's request (no blank line, EOF) gets the default username, the token and expiry minus margin."""
    result = credential("get", HOST, git_env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == basic(token_server.issued[0])


def test_expiry_is_token_expiry_minus_the_profiles_margin(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """password_expiry_utc uses the profile's min_valid, so git drops the token before the server would."""
    write_config(helper_env, '[profiles.default]\nmin_valid = 300\n[hosts."git.example.com"]\n')
    result = credential("get", HOST, helper_env)
    assert result.stdout == basic(token_server.issued[0], expiry=1_800_003_300)


def test_username_comes_from_the_host_entry_then_from_git(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A per-host username wins; without one, the username git already has is kept; else x-access-token."""
    write_config(helper_env, '[hosts."git.example.com"]\nusername = "oauth2"\n[hosts."other.example"]\n')
    token = credential("get", HOST + "username=alice\n", helper_env).stdout
    assert token == basic(token_server.issued[0], username="oauth2")
    from_git = credential("get", "protocol=https\nhost=other.example\nusername=alice\n", helper_env)
    assert from_git.stdout == basic(token_server.issued[0], username="alice")


def test_unknown_attributes_are_tolerated(git_env: dict[str, str], token_server: TokenServer) -> None:
    """Attributes from newer gits (wwwauth[], capability[]=state, path, unknown keys) do not change the answer."""
    stdin = (
        "capability[]=state\nprotocol=https\nhost=git.example.com\npath=org/repo.git\n"
        'wwwauth[]=Basic realm="forge"\nstate[]=other:1\nfuture_key=a=b\nempty=\n\nignored=after-blank\n'
    )
    result = credential("get", stdin, git_env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == basic(token_server.issued[0])


@pytest.mark.parametrize(
    "challenges",
    ["", 'wwwauth[]=Bearer realm="forge"\n', 'wwwauth[]=Basic realm="a"\nwwwauth[]=Bearer error="invalid_token"\n'],
)
def test_authtype_capability_gets_a_bearer_credential(
    git_env: dict[str, str], token_server: TokenServer, challenges: str
) -> None:
    """When git offers capability[]=authtype and the server accepts Bearer (or said nothing), the token is
    sent as authtype=Bearer + credential, with no password, marked ephemeral."""
    result = credential("get", "capability[]=authtype\ncapability[]=state\n" + HOST + challenges, git_env)
    assert result.stdout == bearer(token_server.issued[0])


def test_authtype_capability_with_basic_only_server_keeps_basic(
    git_env: dict[str, str], token_server: TokenServer
) -> None:
    """A server that challenges only with Basic would refuse a Bearer header, so the answer stays Basic."""
    stdin = "capability[]=authtype\n" + HOST + 'wwwauth[]=Basic realm="GitHub"\n'
    assert credential("get", stdin, git_env).stdout == basic(token_server.issued[0])


@pytest.mark.parametrize(
    "stdin",
    [
        "protocol=https\nhost=other.example\n",
        "protocol=https\nhost=evil-git.example.com\n",
        "protocol=https\nhost=git.example.com.evil.net\n",
        "protocol=https\nhost=example.com\n",
        "protocol=cert\nhost=git.example.com\n",
        "protocol=smtp\nhost=git.example.com\n",
        "host=git.example.com\n",
        "protocol=https\n",
        "",
    ],
)
def test_other_hosts_and_protocols_get_nothing(git_env: dict[str, str], stdin: str) -> None:
    """No output, no message, exit 0 and no token request for anything but a configured host over http(s)."""
    result = credential("get", stdin, git_env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_plain_http_is_refused_for_a_remote_host(git_env: dict[str, str]) -> None:
    """Over http to a non-loopback host the token would travel in clear: nothing on stdout, a warning on stderr."""
    result = credential("get", "protocol=http\nhost=git.example.com\n", git_env, transport_factory=never_transport)
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr == (
        "rightbrain-helper: warning: not giving git a token for http://git.example.com: plain http would send it "
        "in clear; use an https:// URL (http is allowed only to loopback hosts)\n"
    )


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:3000", "[::1]:8080", "127.1.2.3"])
def test_plain_http_is_allowed_to_loopback(helper_env: dict[str, str], token_server: TokenServer, host: str) -> None:
    """http to a loopback host (a local test or demo server) gets the token."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "127.0.0.1,localhost,[::1],127.1.2.3"}
    result = credential("get", f"protocol=http\nhost={host}\n", env)
    assert result.stdout == basic(token_server.issued[0])


@pytest.mark.parametrize("field", ["password", "credential"])
def test_erase_of_the_cached_token_makes_the_next_get_fetch(
    git_env: dict[str, str], token_server: TokenServer, field: str
) -> None:
    """git's erase after a 401, carrying the cached token (as password or Bearer credential), drops the entry;
    the next get fetches a new token."""
    assert credential("get", HOST, git_env).stdout == basic(token_server.issued[0])
    erased = credential("erase", f"{HOST}username=x-access-token\n{field}={token_server.issued[0]}\n", git_env)
    assert (erased.code, erased.stdout) == (0, "")
    assert "git.example.com refused the token; dropped it from the cache" in erased.stderr
    again = credential("get", HOST, git_env)
    assert again.stdout == basic(token_server.issued[1])
    assert len(token_server.token_requests()) == 2


@pytest.mark.parametrize(
    "stdin",
    [
        HOST + "username=x-access-token\npassword=tok-someone-elses\n",
        HOST + "username=x-access-token\n",
        "protocol=https\nhost=other.example\nusername=x-access-token\npassword={token}\n",
    ],
)
def test_erase_keeps_the_cache_for_other_credentials(
    git_env: dict[str, str], token_server: TokenServer, stdin: str
) -> None:
    """erase with another password, no password, or for an unconfigured host leaves the cached token alone."""
    credential("get", HOST, git_env)
    erased = credential("erase", stdin.format(token=token_server.issued[0]), git_env, transport_factory=never_transport)
    assert (erased.code, erased.stdout, erased.stderr) == (0, "", "")
    again = credential("get", HOST, git_env, transport_factory=never_transport)
    assert again.stdout == basic(token_server.issued[0])


def test_store_is_accepted_and_does_nothing(git_env: dict[str, str], token_server: TokenServer) -> None:
    """store (sent after every success) exits 0 silently and neither fetches nor caches anything."""
    stdin = HOST + "username=x-access-token\npassword=tok-x\npassword_expiry_utc=1800003540\n"
    result = credential("store", stdin, git_env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert list(Path(git_env["RIGHTBRAIN_CACHE_DIR"]).glob("*.token")) == []


@pytest.mark.parametrize("action", ["capability", "frobnicate", "GET"])
def test_unknown_actions_are_ignored(git_env: dict[str, str], action: str) -> None:
    """Actions git may add later are ignored: exit 0, no output."""
    result = credential(action, HOST, git_env, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("action", ["get", "store", "erase"])
def test_malformed_input_is_one_clean_line(git_env: dict[str, str], action: str) -> None:
    """A line without '=' is reported in one line (never echoing it); only get exits non-zero (2)."""
    result = credential(action, "protocol=https\nhost git.example.com secret\n", git_env)
    assert (result.code, result.stdout) == (2 if action == "get" else 0, "")
    assert result.stderr == (
        "rightbrain-helper: error: input line 2 is not key=value (git sends attributes as key=value lines)\n"
    )


def test_overlong_line_is_refused(git_env: dict[str, str]) -> None:
    """A line longer than git's 65535-byte limit is an error, not a memory sink."""
    result = credential("get", "protocol=https\nhost=" + "a" * 70_000 + "\n", git_env)
    assert (result.code, result.stdout) == (2, "")
    assert "input line 2 is longer than 65535 characters" in result.stderr


def test_fetch_failure_is_one_line_and_nothing_on_stdout(git_env: dict[str, str], token_server: TokenServer) -> None:
    """A refused client gets the core's one-line error on stderr (git shows it) and its exit code; no output."""
    env = {**git_env, "RIGHTBRAIN_CLIENT_SECRET": "wrong"}
    result = credential("get", HOST, env)
    assert (result.code, result.stdout) == (4, "")
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("rightbrain-helper: error: ")


def test_username_that_would_break_the_protocol_is_refused(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A configured username with a line break could inject attributes: refused, nothing printed."""
    write_config(helper_env, '[hosts."git.example.com"]\nusername = "x\\npassword=gotcha"\n')
    result = credential("get", HOST, helper_env)
    assert (result.code, result.stdout) == (3, "")
    assert 'fix [hosts."git.example.com"]' in result.stderr


def test_command_line_errors_and_help(git_env: dict[str, str]) -> None:
    """No action or an unknown option is a usage error (exit 2); --help prints the usage."""
    assert credential("", "", git_env).code == 2
    assert credential("get", HOST, git_env, options=("--bogus",)).code == 2
    shown = credential("--help", "", git_env)
    assert (shown.code, shown.stdout.splitlines()[0]) == (0, "usage: git-credential-rightbrain [-v] get|store|erase")


LINES = st.one_of(
    st.sampled_from(
        ["protocol=https", "host=git.example.com", "capability[]=authtype", "wwwauth[]=Basic x", "password=p", ""]
    ),
    st.text(max_size=40),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["get", "store", "erase", "other"]), lines=st.lists(LINES, max_size=8))
def test_any_input_gives_protocol_lines_or_a_clean_error(
    helper_env: dict[str, str], action: str, lines: list[str]
) -> None:
    """Arbitrary input never crashes: stdout is empty or a whole answer, stderr has no traceback, get exits 0
    or 2 (bad input), everything else exits 0."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "git.example.com"}
    seed_cache(env, Token("tok-cached", "Bearer", 1_800_003_600, 1_800_000_000))
    result = credential(action, "\n".join(lines), env, transport_factory=never_transport)
    assert result.stdout in ("", basic("tok-cached"), bearer("tok-cached"))
    assert "Traceback" not in result.stderr
    assert result.code in ((0, 2) if action == "get" else (0,))
