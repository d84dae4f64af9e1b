"""docker-credential-rightbrain in process: exact transcripts of get, store, erase, list and version."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rightbrain_helper.integrations.docker import DOCKER
from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.ports import Clock, TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.token.service import default_transport

from .conftest import CLIENT_SECRET, CliResult, run_cli
from .support.fakes import never_transport
from .support.heavy import HEAVY_MODULES
from .support.procs import PYTHON, write_config
from .support.profiles import full_profile
from .support.tokenserver import Reply, TokenServer

NOT_FOUND = "credentials not found in native keychain\n"
REGISTRY = "127.0.0.1:5000"


def docker(
    action: str,
    env: dict[str, str],
    stdin: str = "",
    *,
    clock: Clock | None = None,
    transport_factory: TransportFactory = default_transport,
) -> CliResult:
    """Run one helper action in process, as docker would, and capture its streams."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        env=env, stdin=io.StringIO(stdin), stdout=out, stderr=err, clock=clock, transport_factory=transport_factory
    )
    return CliResult(serve(DOCKER, [action] if action else [], runtime), out.getvalue(), err.getvalue())


def answer(server_url: str, token: str, username: str = "oauth2") -> str:
    """The exact `get` answer for a configured host."""
    return f'{{"ServerURL":"{server_url}","Username":"{username}","Secret":"{token}"}}\n'


@pytest.fixture
def env(helper_env: dict[str, str]) -> dict[str, str]:
    """helper_env with REGISTRY and Docker Hub configured through RIGHTBRAIN_HOSTS."""
    return {**helper_env, "RIGHTBRAIN_HOSTS": f"{REGISTRY},docker.io"}


def test_get_answers_a_configured_host_with_the_exact_json(env: dict[str, str], token_server: TokenServer) -> None:
    """get with docker's stdin (bare host, no newline) prints ServerURL, the default username and the token."""
    result = docker("get", env, REGISTRY)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == answer(REGISTRY, token_server.issued[0])


@pytest.mark.parametrize(
    "server_url",
    [
        "reg.example.com",
        "reg.example.com\n",
        "REG.Example.COM:443",
        "https://reg.example.com/v2/",
        "https://u@reg.example.com:5001/x",
    ],
)
def test_get_normalizes_scheme_port_and_path(
    server_url: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Scheme, userinfo, path, case and trailing whitespace are dropped for matching; ServerURL echoes the input."""
    result = docker("get", {**helper_env, "RIGHTBRAIN_HOSTS": "reg.example.com"}, server_url)
    assert result.code == 0, result.stderr
    assert result.stdout == answer(server_url.strip(), token_server.issued[0])


@pytest.mark.parametrize(
    ("configured", "asked", "served"),
    [
        ("reg.example.com:5000", "reg.example.com:5000", True),
        ("reg.example.com:5000", "reg.example.com:5001", False),
        ("reg.example.com:5000", "reg.example.com", False),
        ("reg.example.com:443", "reg.example.com", True),
        ("reg.example.com:443", "https://reg.example.com/", True),
        ("reg.example.com:443", "http://reg.example.com", False),
        ("reg.example.com:80", "http://reg.example.com/v2/", True),
        ("reg.example.com", "reg.example.com:8443", True),
    ],
)
def test_an_entry_with_a_port_matches_only_that_port(
    configured: str, asked: str, served: bool, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """No port means the one docker connects to (443, or 80 for http://); a port-less entry matches any port."""
    result = docker("get", {**helper_env, "RIGHTBRAIN_HOSTS": configured}, asked)
    assert (result.code, result.stdout == NOT_FOUND) == ((0, False) if served else (1, True)), result.stderr
    assert len(token_server.token_requests()) == int(served)


@pytest.mark.parametrize(
    "server_url", ["evil-reg.example.com", "reg.example.com.evil.net", "sub.reg.example.com", "127.0.0.1:50000", "x"]
)
def test_an_unconfigured_host_gets_exactly_the_not_found_text(server_url: str, helper_env: dict[str, str]) -> None:
    """Any other host (lookalikes and suffixes too): the exact not-found text, exit 1, silence, no token request."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": f"reg.example.com,{REGISTRY}"}
    result = docker("get", env, server_url, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (1, NOT_FOUND, "")


@pytest.mark.parametrize("configured", ["docker.io", "index.docker.io", "registry-1.docker.io"])
@pytest.mark.parametrize(
    "asked", ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io", "docker.io"]
)
def test_docker_hub_aliases_are_one_host(
    configured: str, asked: str, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Docker Hub's key https://index.docker.io/v1/ and its aliases all match an entry naming any of them."""
    result = docker("get", {**helper_env, "RIGHTBRAIN_HOSTS": configured}, asked)
    assert result.code == 0, result.stderr
    assert result.stdout == answer(asked, token_server.issued[0])


def test_host_table_sets_username_profile_and_scope(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A [hosts."..."] table's username is the Username; its profile and scope select the token requested."""
    write_config(
        helper_env,
        full_profile(helper_env, "registry", "min_valid = 30")
        + '\n[hosts."reg.example.com"]\nprofile = "registry"\nusername = "robot"\nscope = "registry:pull"\n',
    )
    result = docker("get", helper_env, "reg.example.com")
    assert result.stdout == answer("reg.example.com", token_server.issued[0], "robot")
    assert [request.field("scope") for request in token_server.token_requests()] == ["registry:pull"]
    assert run_cli(["status"], helper_env).stdout.splitlines()[1].startswith("registry ")


def test_second_get_is_served_from_the_shared_cache(env: dict[str, str], token_server: TokenServer) -> None:
    """A second get (and the CLI's `token`) reuse the cached token: no second request."""
    first = docker("get", env, REGISTRY)
    second = docker("get", env, f"https://{REGISTRY}", transport_factory=never_transport)
    assert first.stdout == answer(REGISTRY, token_server.issued[0])
    assert second.stdout == answer(f"https://{REGISTRY}", token_server.issued[0])
    assert run_cli(["token"], env, transport_factory=never_transport).stdout == token_server.issued[0] + "\n"


def test_erase_drops_the_cached_token(env: dict[str, str], token_server: TokenServer) -> None:
    """erase (docker logout) prints nothing, exits 0, and the next get fetches a new token."""
    docker("get", env, REGISTRY)
    erased = docker("erase", env, REGISTRY)
    assert (erased.code, erased.stdout, erased.stderr) == (0, "", "")
    again = docker("get", env, REGISTRY)
    assert again.stdout == answer(REGISTRY, token_server.issued[1])
    assert len(token_server.token_requests()) == 2


def test_erase_of_an_unconfigured_host_keeps_the_cache(env: dict[str, str], token_server: TokenServer) -> None:
    """erase for a host nobody configured is a silent no-op: the configured host's token stays cached."""
    docker("get", env, REGISTRY)
    erased = docker("erase", env, "other.example.com")
    assert (erased.code, erased.stdout, erased.stderr) == (0, "", "")
    assert docker("get", env, REGISTRY, transport_factory=never_transport).stdout == answer(
        REGISTRY, token_server.issued[0]
    )


def test_store_of_our_own_answer_is_silent_and_stores_nothing(env: dict[str, str], tmp_path: Path) -> None:
    """store (docker login) exits 0 with no output, writes no file and requests no token."""
    before = sorted(path.name for path in tmp_path.rglob("*"))
    stdin = json.dumps({"ServerURL": REGISTRY, "Username": "oauth2", "Secret": "tok-from-get"}) + "\n"
    result = docker("store", env, stdin, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert sorted(path.name for path in tmp_path.rglob("*")) == before


def test_store_of_other_credentials_warns_without_the_secret(env: dict[str, str]) -> None:
    """`docker login -u alice` for a configured host: exit 0, one warning naming the host, never the password."""
    stdin = json.dumps({"ServerURL": REGISTRY, "Username": "alice", "Secret": "hunter2-canary"})
    result = docker("store", env, stdin, transport_factory=never_transport)
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr == (
        f"rightbrain-helper: warning: credentials for {REGISTRY} (username 'alice') were not stored: "
        "docker-credential-rightbrain hands out tokens for 'oauth2' and stores nothing\n"
    )


@pytest.mark.parametrize("stdin", ["not json", "[1, 2]", ""])
def test_store_with_malformed_input_still_exits_zero(stdin: str, env: dict[str, str]) -> None:
    """store never fails (docker login would): malformed input is one warning and exit 0."""
    result = docker("store", env, stdin, transport_factory=never_transport)
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr == (
        "rightbrain-helper: warning: store: input is not the JSON object docker sends; nothing was stored\n"
    )


def test_list_names_configured_hosts_as_docker_keys_them(helper_env: dict[str, str]) -> None:
    """list maps each configured host (Hub as https://index.docker.io/v1/) to its username; no token is fetched."""
    write_config(helper_env, '[hosts."reg.example.com"]\nusername = "robot"\n\n[hosts."index.docker.io"]\n')
    env = {**helper_env, "RIGHTBRAIN_HOSTS": f"{REGISTRY},reg.example.com"}
    result = docker("list", env, "unused", transport_factory=never_transport)
    assert (result.code, result.stderr) == (0, "")
    assert (
        result.stdout
        == '{"reg.example.com":"robot","https://index.docker.io/v1/":"oauth2","127.0.0.1:5000":"oauth2"}\n'
    )


def test_version_names_helper_package_and_version(helper_env: dict[str, str]) -> None:
    """version prints `NAME (PACKAGE) VERSION`, as the docker credential-helpers library does."""
    result = docker("version", helper_env)
    assert (result.code, result.stdout) == (0, "docker-credential-rightbrain (rightbrain-credential-helper) 0.1.0\n")


@pytest.mark.parametrize(
    ("action", "stdout"),
    [
        ("fetch", "Unknown credential action `fetch`\n"),
        ("", "Usage: docker-credential-rightbrain <store|get|erase|list|version>\n"),
    ],
)
def test_unknown_or_missing_action_is_reported_on_stdout(action: str, stdout: str, helper_env: dict[str, str]) -> None:
    """Unknown action / wrong argument count: the library's message on stdout (docker reads it there), exit 1."""
    result = docker(action, helper_env, REGISTRY)
    assert (result.code, result.stdout, result.stderr) == (1, stdout, "")


@pytest.mark.parametrize("action", ["get", "erase"])
@pytest.mark.parametrize("stdin", ["", " \n"])
def test_missing_server_url_is_the_library_error(action: str, stdin: str, env: dict[str, str]) -> None:
    """get/erase with no server URL: `no credentials server URL` on stdout, exit 1."""
    result = docker(action, env, stdin, transport_factory=never_transport)
    assert (result.code, result.stdout, result.stderr) == (1, "no credentials server URL\n", "")


def test_token_endpoint_failure_is_one_line_on_stderr(env: dict[str, str], token_server: TokenServer) -> None:
    """A refused token request: nothing on stdout, one error line on stderr (docker shows it), exit 4."""
    token_server.queue(Reply(401, {"error": "invalid_client", "error_description": "client authentication failed"}))
    result = docker("get", env, REGISTRY)
    assert (result.code, result.stdout) == (4, "")
    assert result.stderr.startswith("rightbrain-helper: error: token endpoint refused (invalid_client, HTTP 401)")
    assert result.stderr.count("\n") == 1
    assert CLIENT_SECRET not in result.stderr


@pytest.mark.parametrize("action", ["get", "list"])
def test_identity_token_username_is_refused(action: str, helper_env: dict[str, str]) -> None:
    """username = "<token>" would turn the token into a refresh token in docker: a config error, exit 3."""
    write_config(helper_env, '[hosts."reg.example.com"]\nusername = "<token>"\n')
    result = docker(action, helper_env, "reg.example.com", transport_factory=never_transport)
    assert (result.code, result.stdout) == (3, "")
    assert result.stderr.startswith('rightbrain-helper: error: [hosts."reg.example.com"] username = "<token>" would')


SERVER_URLS = st.text(max_size=80) | st.builds(
    lambda prefix, suffix: prefix + REGISTRY + suffix,
    st.sampled_from(["", "https://", "HTTP://", " ", "user@", "x"]),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stdin=SERVER_URLS)
def test_any_get_input_gives_a_protocol_answer(stdin: str, env: dict[str, str], token_server: TokenServer) -> None:
    """Whatever docker sends, get answers credentials, not-found or no-URL: never a crash, never a fetch for a
    host nobody configured."""
    docker("get", env, REGISTRY)  # warm the cache once; after that no input may reach the network
    result = docker("get", env, stdin, transport_factory=never_transport)
    assert result.stderr == ""
    if result.code == 0:
        secret = token_server.issued[0]
        assert json.loads(result.stdout) == {"ServerURL": stdin.strip(), "Username": "oauth2", "Secret": secret}
    else:
        assert (result.code, result.stdout) in {(1, NOT_FOUND), (1, "no credentials server URL\n")}


# The console script's main() in a fresh interpreter; writes the modules it loaded to argv[1]. Modules that site
# loaded first (the editable install imports re) are dropped, so an import by the helper shows up.
PROBE = r"""
import sys
for name in list(sys.modules):
    if name.partition(".")[0] in {"json", "re", "typing", "urllib", "tomllib", "argparse"}:
        del sys.modules[name]
out = sys.argv[1]
sys.argv = ["docker-credential-rightbrain", "get"]
from rightbrain_helper.integrations.docker import main
code = main()
with open(out, "w", encoding="utf-8") as handle:
    handle.write("\n".join(sorted(sys.modules)))
sys.exit(code)
"""


def test_cache_hit_get_imports_no_heavy_module(env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A get served from the cache, in a fresh process, imports neither json nor requests nor the others."""
    write_config(env, '[hosts."reg.example.com"]\nusername = "robot"\n', age=60)
    runs = []
    for name in ("miss", "hit"):
        result = subprocess.run(
            [PYTHON, "-c", PROBE, str(tmp_path / name)],
            env=env,
            input="reg.example.com",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        runs.append((result.stdout, set((tmp_path / name).read_text(encoding="utf-8").split("\n"))))
    (miss_out, miss_modules), (hit_out, hit_modules) = runs
    assert "requests" in miss_modules, "the probe must see the fetch path's imports"
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert miss_out == hit_out == answer("reg.example.com", token_server.issued[0], "robot")
    assert len(token_server.token_requests()) == 1
