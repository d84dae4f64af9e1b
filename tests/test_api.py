"""The Python API: get_token and BearerAuth (requests and httpx) over the shared cache, against a real token
endpoint and a real protected resource on 127.0.0.1 that refuses revoked tokens."""

from __future__ import annotations

import io
import os
import subprocess
import threading
from collections.abc import Iterator

import httpx
import pytest
import requests

import rightbrain_helper
from rightbrain_helper import api
from rightbrain_helper.errors import ConfigError, TokenEndpointRejected
from rightbrain_helper.httpx_auth import BearerAuth as HttpxBearerAuth

from .conftest import run_cli
from .support.procs import PYTHON, Gate
from .support.resource import ResourceServer
from .support.tokenserver import Reply, TokenServer


@pytest.fixture
def api_env(helper_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's environment replaced by helper_env, and a fresh process-wide API state."""
    for key in list(os.environ):
        if key not in helper_env:
            monkeypatch.delenv(key)
    for key, value in helper_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(api, "_shared", api._Shared())
    return helper_env


@pytest.fixture
def resource(token_server: TokenServer) -> Iterator[ResourceServer]:
    """A protected resource accepting the tokens token_server issued (until revoked)."""
    server = ResourceServer(lambda: list(token_server.issued)).start()
    yield server
    server.stop()


def test_get_token_returns_the_token_with_its_expiry_and_scope(
    api_env: dict[str, str], token_server: TokenServer
) -> None:
    """access_token is what the issuer sent; expires_at is epoch seconds (now + expires_in); scope as granted."""
    token = rightbrain_helper.get_token(scope=["b", "a"])
    assert token.access_token == token_server.issued[0]
    request = token_server.token_requests()[0]
    assert request.field("scope") == "a b"
    assert token.scope == "a b"
    assert abs(token.expires_at - (token.obtained_at + 3600)) < 1e-6
    assert isinstance(token.expires_at, float)


def test_get_token_shares_the_cache_with_the_command_line(api_env: dict[str, str], token_server: TokenServer) -> None:
    """A token the API fetched is what `rightbrain-helper token` prints, and the other way round: one fetch."""
    token = rightbrain_helper.get_token()
    assert run_cli(["token"], api_env).stdout == token.access_token + "\n"
    assert run_cli(["token", "--scope", "x"], api_env).stdout == token_server.issued[1] + "\n"
    assert rightbrain_helper.get_token(scope="x").access_token == token_server.issued[1]
    assert len(token_server.token_requests()) == 2


def test_get_token_raises_the_documented_errors(
    api_env: dict[str, str], token_server: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No client id -> ConfigError; the issuer refusing -> TokenEndpointRejected (both HelperError)."""
    monkeypatch.delenv("RIGHTBRAIN_CLIENT_ID")
    with pytest.raises(ConfigError, match="no client id"):
        rightbrain_helper.get_token()
    monkeypatch.setenv("RIGHTBRAIN_CLIENT_ID", api_env["RIGHTBRAIN_CLIENT_ID"])
    monkeypatch.setattr(api, "_shared", api._Shared())
    token_server.queue(Reply(401, {"error": "invalid_client"}))
    with pytest.raises(TokenEndpointRejected, match="invalid_client"):
        rightbrain_helper.get_token()


def test_requests_auth_sends_the_token(
    api_env: dict[str, str], token_server: TokenServer, resource: ResourceServer
) -> None:
    """Every request carries Authorization: Bearer <token>; the in-memory token serves repeats without a fetch."""
    auth = rightbrain_helper.BearerAuth()
    with requests.Session() as session:
        answers = [session.get(resource.url + f"/{n}", auth=auth, timeout=30) for n in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert resource.tokens() == [token_server.issued[0]] * 3
    assert len(token_server.token_requests()) == 1


def test_requests_auth_retries_once_with_a_fresh_token_after_a_401(
    api_env: dict[str, str], token_server: TokenServer, resource: ResourceServer
) -> None:
    """A revoked token: the 401 drops it (memory and shared cache), the request is sent once more with a new token,
    the caller sees the 200 with the 401 in history, and later calls and the CLI use the new token."""
    auth = rightbrain_helper.BearerAuth()
    assert requests.get(resource.url, auth=auth, timeout=30).status_code == 200
    first = token_server.issued[0]
    resource.revoke(first)
    answer = requests.post(resource.url + "/upload", data=io.BytesIO(b"payload"), auth=auth, timeout=30)
    second = token_server.issued[1]
    assert answer.status_code == 200
    assert [old.status_code for old in answer.history] == [401]
    assert answer.request.headers["Authorization"] == f"Bearer {second}"
    assert resource.tokens() == [first, first, second]
    assert [hit.body for hit in resource.requests()[1:]] == [b"payload", b"payload"]  # the file body was rewound
    assert run_cli(["token"], api_env).stdout == second + "\n"
    assert len(token_server.token_requests()) == 2


def test_requests_auth_retries_only_once(
    api_env: dict[str, str], token_server: TokenServer, resource: ResourceServer
) -> None:
    """When the fresh token is refused too, the second 401 is returned as it is: two requests, two fetches."""
    resource.issued = list  # accept nothing
    answer = requests.get(resource.url, auth=rightbrain_helper.BearerAuth(), timeout=30)
    assert answer.status_code == 401
    assert resource.tokens() == token_server.issued
    assert len(resource.tokens()) == 2


def test_requests_auth_does_not_retry_a_body_it_cannot_resend(
    api_env: dict[str, str], token_server: TokenServer, resource: ResourceServer
) -> None:
    """A generator body is gone after the first send: the 401 is returned and the token is kept."""
    auth = rightbrain_helper.BearerAuth()
    resource.issued = list
    answer = requests.post(resource.url, data=(chunk for chunk in [b"a", b"b"]), auth=auth, timeout=30)
    assert answer.status_code == 401
    assert len(resource.requests()) == 1
    assert len(token_server.token_requests()) == 1


def test_threads_share_one_fetch(api_env: dict[str, str], token_server: TokenServer) -> None:
    """Eight threads asking at once with a cold cache: one token request, everyone gets that token."""
    gate = Gate()
    token_server.queue(Reply(200, {"access_token": "tok-shared", "token_type": "Bearer", "expires_in": 600}, hold=gate))
    start = threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait(30)
        try:
            results.append(rightbrain_helper.get_token().access_token)
        except BaseException as exc:  # reported below, so a failing thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert gate.arrived.wait(30)
    gate.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert results == ["tok-shared"] * 8
    assert len(token_server.token_requests()) == 1


def test_httpx_auth_retries_once_with_a_fresh_token(
    api_env: dict[str, str], token_server: TokenServer, resource: ResourceServer
) -> None:
    """The httpx twin: token attached; after a revocation one retry with a new token (same body), then 200."""
    with httpx.Client(auth=HttpxBearerAuth(), timeout=30) as client:
        assert client.get(resource.url).status_code == 200
        first = token_server.issued[0]
        resource.revoke(first)
        answer = client.post(resource.url, content=iter([b"pay", b"load"]))
    assert answer.status_code == 200
    second = token_server.issued[1]
    assert resource.tokens() == [first, first, second]
    assert [hit.body for hit in resource.requests()[1:]] == [b"payload", b"payload"]


def test_import_loads_no_api_until_it_is_used(api_env: dict[str, str]) -> None:
    """`import rightbrain_helper` loads neither the API modules nor requests; the names resolve on first use, and
    an unknown name is an AttributeError."""
    code = (
        "import sys, rightbrain_helper as r\n"
        "api = ('rightbrain_helper.api', 'rightbrain_helper.requests_auth', 'requests')\n"
        "before = {m for m in api if m in sys.modules}\n"
        "assert before == set(), before\n"
        "r.get_token; assert 'requests' not in sys.modules\n"
        "r.BearerAuth; assert 'rightbrain_helper.requests_auth' in sys.modules\n"
        "try:\n    r.nope\nexcept AttributeError as exc:\n    print(exc)\n"
    )
    result = subprocess.run([PYTHON, "-c", code], env=api_env, capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "module 'rightbrain_helper' has no attribute 'nope'\n"
