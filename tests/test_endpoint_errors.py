"""Every way the token endpoint can say no, or answer with something unusable: one clear stderr line naming the
OAuth error code (RFC 6749 §5.2), the HTTP status, the issuer's words and the setting to check; exit 4; never a
traceback, never the secret, never a token on stdout."""

from __future__ import annotations

import pytest

from rightbrain_helper.errors import EXIT_REJECTED

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli, run_helper
from .support.fakes import FakeClock
from .support.tokenserver import Reply, TokenServer

ENCODED_SECRET = "s3cret%2B%2F%3D%25%3A%40%21canary"  # CLIENT_SECRET form-urlencoded, as a server may echo it


def fetch(env: dict[str, str], *argv: str) -> CliResult:
    """Run `token` in process with a fake clock (any retry costs no real time)."""
    return run_cli(["token", *argv], env, clock=FakeClock())


def error_line(result: CliResult) -> str:
    """The single stderr line of a failed run, after checking it is the only one and not a traceback."""
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rightbrain-helper: error: ")
    assert all(ch.isprintable() for ch in lines[0]), repr(lines[0])
    return lines[0]


def assert_no_secret(text: str) -> None:
    """Neither the secret nor its encoded form nor a long prefix of it appears in `text`."""
    for form in (CLIENT_SECRET, ENCODED_SECRET, CLIENT_SECRET[:8]):
        assert form not in text


@pytest.mark.parametrize(
    ("code", "status", "hint"),
    [
        ("invalid_client", 401, "client_auth"),
        ("invalid_scope", 400, "scope"),
        ("unauthorized_client", 400, "client_credentials"),
        ("invalid_request", 400, "extra_params"),
        ("unsupported_grant_type", 400, "token_url"),
        ("invalid_target", 400, "resource"),
        ("org_suspended", 403, "issuer's documentation"),
    ],
)
def test_oauth_error_is_one_line_naming_code_status_description_and_setting(
    helper_env: dict[str, str], token_server: TokenServer, code: str, status: int, hint: str
) -> None:
    """Each RFC 6749 §5.2 code (and an unknown one): code, status, cleaned description, hint; exit 4; no retry."""
    description = "  the request\tfailed\x1b[31m here\r\ninjected: line  "
    token_server.queue(Reply(status, {"error": code, "error_description": description}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    assert f"({code}, HTTP {status})" in line
    assert "the request failed [31m here injected: line" in line
    assert hint in line
    assert repr("default") in line
    assert CLIENT_ID in line
    assert len(token_server.token_requests()) == 1


def test_wrong_secret_is_invalid_client_from_the_real_endpoint(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The real endpoint's 401 invalid_client for a bad secret: named, with its description, not retried."""
    helper_env["RIGHTBRAIN_CLIENT_SECRET"] = "not-the-secret"
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    assert "(invalid_client, HTTP 401): client authentication failed" in line
    assert "not-the-secret" not in line
    assert len(token_server.token_requests()) == 1


def test_error_without_description_still_names_code_and_status(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """error_description is optional; the line is complete without it."""
    token_server.queue(Reply(400, {"error": "invalid_scope"}))
    line = error_line(fetch(helper_env))
    assert "(invalid_scope, HTTP 400);" in line
    assert "check scope" in line


def test_long_description_is_cut_to_a_short_line(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 20 kB error_description cannot flood the terminal: the line stays short."""
    token_server.queue(Reply(400, {"error": "invalid_request", "error_description": "why " * 5000}))
    line = error_line(fetch(helper_env))
    assert len(line) < 600
    assert "(invalid_request, HTTP 400)" in line


@pytest.mark.parametrize(
    "description",
    [
        f"client secret {CLIENT_SECRET} is not valid",
        f"cannot parse body grant_type=client_credentials&client_secret={ENCODED_SECRET}",
        "x" * 185 + CLIENT_SECRET + " rejected",  # straddles the cut of a long description
        "\n".join(["first line"] + [CLIENT_SECRET] * 3),
    ],
)
def test_secret_echoed_by_the_server_is_never_shown(
    helper_env: dict[str, str], token_server: TokenServer, description: str
) -> None:
    """A server that echoes the secret (raw or form-encoded) in error_description: the line never shows it."""
    token_server.queue(Reply(400, {"error": "invalid_client", "error_description": description}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    assert_no_secret(error_line(result))


def test_secret_echoed_in_a_non_json_body_is_never_shown(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An HTML error page quoting the secret: the excerpt in the message masks it."""
    page = f"<html><body><p>bad credentials {CLIENT_SECRET} / {ENCODED_SECRET}</p></body></html>"
    token_server.queue(Reply(400, page, {"Content-Type": "text/html"}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    assert "bad credentials" in line
    assert_no_secret(line)


def test_verbose_retrying_run_never_shows_the_secret(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """With --verbose, through a retried 503 and a final refusal that echoes it, stderr never holds the secret."""
    token_server.queue(
        Reply(503, f"overloaded, client_secret={ENCODED_SECRET}", {"Content-Type": "text/plain"}),
        Reply(401, {"error": "invalid_client", "error_description": f"secret {CLIENT_SECRET} revoked"}),
    )
    result = fetch(helper_env, "--verbose")
    assert result.code == EXIT_REJECTED
    assert "debug:" in result.stderr
    assert_no_secret(result.stderr)
    assert "Traceback" not in result.stderr


def test_error_object_with_http_200_is_an_error(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An error member in a 200 answer (some issuers do this) is reported like a 400, not taken as a token."""
    token_server.queue(Reply(200, {"error": "invalid_scope", "error_description": "scope not allowed"}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    assert "(invalid_scope, HTTP 200): scope not allowed" in error_line(result)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(
                400,
                "<!DOCTYPE html><html><head><title>Request Rejected</title></head>"
                "<body><h1>Request Rejected</h1><p>by the firewall</p></body></html>" + " " * 50_000,
                {"Content-Type": "text/html; charset=utf-8"},
            ),
            ["HTTP 400 (text/html; charset=utf-8)", "Request Rejected Request Rejected by the firewall"],
        ),
        (Reply(404, ""), ["HTTP 404 (no content type): empty body"]),
        (
            Reply(400, b"\x00\x01\x02\xff\xfe\x1b[2J\x07garbage\x00", {"Content-Type": "application/octet-stream"}),
            ["HTTP 400 (application/octet-stream)", "garbage"],
        ),
        (
            Reply(200, "<html><body>Please sign in</body></html>", {"Content-Type": "text/html"}),
            ["HTTP 200 (text/html)", "Please sign in"],
        ),
        (
            Reply(400, '["not", "an", "object"]', {"Content-Type": "application/json"}),
            ["not a JSON object", "HTTP 400"],
        ),
    ],
    ids=["html-page", "empty-body", "garbage-bytes", "html-with-200", "json-array"],
)
def test_body_that_is_not_an_oauth_answer_is_described(
    helper_env: dict[str, str], token_server: TokenServer, reply: Reply, expected: list[str]
) -> None:
    """Non-JSON bodies: one line with the status, the content type and a short printable excerpt; exit 4."""
    token_server.queue(reply)
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    for fragment in expected:
        assert fragment in line
    assert "<" not in line
    assert len(line) < 400
    assert len(token_server.token_requests()) == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"access_token": "tok-mac", "token_type": "mac", "expires_in": 60}, "token_type is 'mac', not Bearer"),
        ({"access_token": "tok-none", "expires_in": 60}, "not Bearer"),
        ({"access_token": "tok-neg", "token_type": "Bearer", "expires_in": -60}, "expires_in is '-60'"),
        ({"access_token": "tok-abc", "token_type": "Bearer", "expires_in": "abc"}, "expires_in is 'abc'"),
        ({"access_token": "tok-bool", "token_type": "Bearer", "expires_in": True}, "expires_in is 'True'"),
        ({"access_token": "tok-nan", "token_type": "Bearer", "expires_in": "NaN"}, "expires_in is 'NaN'"),
        ({"access_token": "tok-list", "token_type": "Bearer", "expires_in": [60]}, "expires_in is '[60]'"),
        ({"token_type": "Bearer", "expires_in": 60}, "no access_token"),
        ({"access_token": "", "token_type": "Bearer"}, "no access_token"),
    ],
    ids=["mac", "no-token-type", "negative", "abc", "true", "nan", "list", "no-token", "empty-token"],
)
def test_unusable_success_answer_is_refused_clearly(
    helper_env: dict[str, str], token_server: TokenServer, answer: dict[str, object], expected: str
) -> None:
    """A 200 whose token cannot be used (mac, bad expires_in, no token) is a clear error, and nothing is cached."""
    token_server.queue(Reply(200, answer))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    assert expected in error_line(result)
    assert fetch(helper_env).code == 0  # the next run asks again: the bad answer was not cached
    assert len(token_server.token_requests()) == 2


@pytest.mark.parametrize("access_token", ["leak en", "leak\nquit=1", "leak\r\n", "leakö", "leak\t1", " leak"])
def test_token_that_could_inject_into_a_tool_protocol_is_refused(
    helper_env: dict[str, str], token_server: TokenServer, access_token: str
) -> None:
    """A token with whitespace, a newline or non-ASCII (it could break git's key=value lines) is refused unshown."""
    token_server.queue(Reply(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 60}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    assert "access_token" in line
    assert "leak" not in line


def test_redirect_is_not_followed(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 3xx is reported with its target and not followed: the secret goes nowhere but token_url."""
    elsewhere = f"http://127.0.0.1:{token_server.port}/stolen"
    token_server.queue(Reply(307, "", {"Location": elsewhere}))
    result = fetch(helper_env)
    assert result.code == EXIT_REJECTED
    line = error_line(result)
    assert "redirected (HTTP 307)" in line
    assert elsewhere in line
    assert [item.path for item in token_server.requests] == ["/oauth2/token"]


def test_console_script_reports_a_refusal_in_one_line(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """The installed command, as a real process: exit 4, one stderr line, no traceback, empty stdout."""
    token_server.queue(Reply(400, {"error": "invalid_scope", "error_description": f"no! {CLIENT_SECRET}"}))
    done = run_helper(["token", "--scope", "admin"], helper_env)
    assert done.returncode == EXIT_REJECTED
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "(invalid_scope, HTTP 400)" in done.stderr
    assert "Traceback" not in done.stderr
    assert_no_secret(done.stderr)
