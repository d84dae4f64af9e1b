"""A refusal without an OAuth error body (a bare 401 or 403, empty, HTML, plain text or JSON without `error`, as
some servers answer a wrong secret) gets the same hint as invalid_client: check the client id, the secret and
client_auth. Other statuses without an OAuth error keep their plain description."""

from __future__ import annotations

import pytest

from rightbrain_helper.errors import EXIT_REJECTED
from rightbrain_helper.token.client_auth import METHODS

from .conftest import run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer

HINT = METHODS["client_secret_basic"].refusal_hint  # the default method names the secret


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (Reply(401, ""), "HTTP 401 (no content type): empty body"),
        (Reply(403, ""), "HTTP 403 (no content type): empty body"),
        (Reply(401, "Unauthorized", {"Content-Type": "text/plain"}), "HTTP 401 (text/plain): Unauthorized"),
        (Reply(403, "<h1>Forbidden</h1>", {"Content-Type": "text/html"}), "HTTP 403 (text/html): Forbidden"),
        (Reply(401, {"message": "Unauthorized"}), "HTTP 401 without an OAuth error code"),
    ],
    ids=["401-empty", "403-empty", "401-text", "403-html", "401-json-without-error"],
)
def test_bare_refusal_points_at_the_client_credentials(
    helper_env: dict[str, str], token_server: TokenServer, reply: Reply, said: str
) -> None:
    """A 401/403 that names no OAuth error: exit 4, one line saying the client was refused, what came back, and
    the invalid_client hint with the profile and client id; no retry."""
    token_server.queue(reply)
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert result.code == EXIT_REJECTED
    assert result.stderr.count("\n") == 1
    line = result.stderr.strip()
    assert line.startswith("rightbrain-helper: error: token endpoint refused the client (")
    assert said in line
    assert f"{HINT} (profile 'default', client 'client-1')" in line
    assert len(token_server.token_requests()) == 1


@pytest.mark.parametrize(
    "reply",
    [Reply(400, ""), Reply(404, "not here", {"Content-Type": "text/plain"}), Reply(400, {"message": "bad"})],
    ids=["400-empty", "404-text", "400-json-without-error"],
)
def test_other_statuses_without_an_oauth_error_get_no_client_hint(
    helper_env: dict[str, str], token_server: TokenServer, reply: Reply
) -> None:
    """A 400 or 404 without an OAuth error is described as it is, without blaming the client credentials."""
    token_server.queue(reply)
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert result.code == EXIT_REJECTED
    assert HINT not in result.stderr
    assert f"HTTP {reply.status}" in result.stderr
