"""The secret in every encoding the helper sends it in (raw, form-urlencoded, percent-encoded, Basic base64 of
both the encoded and the raw pair) never reaches any output, not even in part: a token endpoint that echoes the
request back, cut at every offset, into each place the helper quotes from (an OAuth error code and description,
a non-JSON 5xx or 401 body, a redirect's Location, a bad token_type) leaves no 8-character piece of the secret,
and no base64 run that decodes to one, on stdout or stderr, with --verbose debug lines on."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from rightbrain_helper.secret_forms import redact

from .conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from .support.fakes import FakeClock
from .support.tokenserver import Recorded, Reply, TokenServer
from .test_config import write_config

PIECE = 8  # the promise: no piece this long of the secret, in any encoding, in any output
BASE64_RUN = re.compile(rf"[A-Za-z0-9+/_-]{{{PIECE * 4 // 3},}}")  # enough characters to carry PIECE bytes
TO_STANDARD = str.maketrans("-_", "+/")


def secret_pieces(secret: str = CLIENT_SECRET) -> set[str]:
    """Every PIECE-character piece of the secret, raw and in the encodings a request carries it in."""
    forms = {secret, quote_plus(secret, safe=""), quote(secret, safe="")}
    return {form[at : at + PIECE] for form in forms for at in range(len(form) - PIECE + 1)}


def decoded_runs(text: str) -> list[bytes]:
    """Every base64 run in `text` (either alphabet) decoded from each of its four possible starting offsets."""
    decoded = []
    for run in BASE64_RUN.findall(text):
        for shift in range(4):
            chunk = run[shift:].translate(TO_STANDARD)
            chunk = chunk[: len(chunk) // 4 * 4 + (len(chunk) % 4 if len(chunk) % 4 > 1 else 0)]
            try:
                decoded.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4)))
            except (binascii.Error, ValueError):
                continue
    return decoded


def leaks(text: str, secret: str = CLIENT_SECRET) -> list[str]:
    """The pieces of the secret `text` shows, in the plain or inside a base64 run."""
    pieces = secret_pieces(secret)
    found = sorted(piece for piece in pieces if piece in text)
    for data in decoded_runs(text):
        found += sorted(piece for piece in pieces if piece.encode() in data)
    return found


def echo_of(recorded: Recorded) -> str:
    """The request as a server that echoes it back would write it: request line, headers, blank line, body."""
    lines = [f"{recorded.method} {recorded.path}", *(f"{name}: {value}" for name, value in recorded.headers.items())]
    return "\n".join(lines) + "\n\n" + recorded.body.decode("utf-8")


def secret_span(echo: str, recorded: Recorded) -> range:
    """The offsets of `echo` at which a cut can fall inside the part that carries the secret (and one beyond)."""
    carrier = recorded.headers.get("authorization") or f"client_secret={quote_plus(CLIENT_SECRET, safe='')}"
    start = echo.index(carrier)
    return range(max(start - 1, 0), min(start + len(carrier) + 2, len(echo) + 1))


def server_error(head: str, tail: str) -> list[Reply]:
    """A 503 HTML page echoing the cut request on both attempts the deadline allows (a debug line, then the error)."""
    page = f"<html><body><pre>{head}</pre><hr><pre>{tail}</pre></body></html>"
    return [Reply(503, page, {"Content-Type": "text/html", "Retry-After": "1"}) for _ in range(2)]


def oauth_error(head: str, tail: str) -> list[Reply]:
    """An OAuth error whose code and description echo the cut request."""
    return [Reply(400, {"error": head, "error_description": tail})]


def bare_refusal(head: str, tail: str) -> list[Reply]:
    """A plain-text 401 echoing the cut request (no OAuth error body)."""
    return [Reply(401, f"{head}\n--\n{tail}", {"Content-Type": "text/plain"})]


def redirect(head: str, tail: str) -> list[Reply]:
    """A redirect whose Location echoes the cut request."""
    return [Reply(302, "", {"Location": f"https://login.example/?{head} {tail}".replace("\n", " ")})]


def bad_token_type(head: str, tail: str) -> list[Reply]:
    """A 200 whose token_type echoes the cut request."""
    return [Reply(200, {"access_token": "tok-fine", "token_type": f"{head} | {tail}", "expires_in": 60})]


ECHOES = [server_error, oauth_error, bare_refusal, redirect, bad_token_type]


@pytest.mark.parametrize("client_auth", ["basic", "basic-raw", "post"])
@pytest.mark.parametrize("echo", ECHOES, ids=[echo.__name__ for echo in ECHOES])
def test_a_request_echoed_back_cut_at_any_offset_shows_no_piece_of_the_secret(
    helper_env: dict[str, str],
    token_server: TokenServer,
    client_auth: str,
    echo: Callable[[str, str], list[Reply]],
) -> None:
    """For every offset k in and around the secret's carrier, the server echoes request[:k] and request[k:]; no
    output of the helper (stdout, stderr with debug lines) holds a piece of the secret in any encoding."""
    write_config(helper_env, f'[profiles.default]\nclient_auth = "{client_auth}"\ndeadline = 2\n')
    cut = {"at": 0}

    def respond(recorded: Recorded) -> Reply:
        """Echo this very request, cut at the current offset."""
        text = echo_of(recorded)
        replies = echo(text[: cut["at"]], text[cut["at"] :])
        token_server.queue(*replies[1:])
        return replies[0]

    token_server.responder = respond
    assert run_cli(["token"], helper_env, clock=FakeClock()).code != 0
    first = token_server.token_requests()[0]
    offsets = secret_span(echo_of(first), first)
    assert len(offsets) > PIECE
    for offset in offsets:
        cut["at"] = offset
        result = run_cli(["--verbose", "token"], helper_env, clock=FakeClock())
        assert result.code in (4, 5), result.stderr
        assert "debug: POST" in result.stderr
        output = result.stdout + result.stderr
        assert leaks(output) == [], f"cut at {offset}: {output}"


def test_the_leak_check_sees_what_the_old_masking_let_through() -> None:
    """The checker itself: a Basic value cut short, and a raw secret cut short, are both reported as leaks."""
    basic = base64.b64encode(f"{CLIENT_ID}:{quote_plus(CLIENT_SECRET, safe='')}".encode()).decode()
    assert leaks(f"rejected: Basic {basic[:-6]}")
    assert leaks(f"rejected: Basic {basic[5:]}")
    assert leaks(f"client_secret={CLIENT_SECRET[:-3]}")
    assert leaks("nothing to see here, " + CLIENT_SECRET[: PIECE - 1]) == []


@pytest.mark.parametrize("secret", [CLIENT_SECRET, "Ünïcode-and spaces/+=&<>\"'-" + "x" * 20])
@pytest.mark.parametrize("client_id", ["a", "ab", "abc"])  # the secret at each byte alignment inside base64
def test_the_response_scrubber_alone_leaves_no_piece_at_any_cut(client_id: str, secret: str) -> None:
    """oauth.redact, which cleans every server text before the log sees it, needs no help: each carrier of the
    secret (both Basic headers, the form body), cut at every offset from either end, comes out without a piece."""
    encoded = quote_plus(secret, safe="")
    carriers = [
        "Basic " + base64.b64encode(f"{client_id}:{encoded}".encode()).decode(),
        "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
        f"grant_type=client_credentials&client_id={client_id}&client_secret={encoded}",
    ]
    for carrier in carriers:
        for at in range(len(carrier) + 1):
            for cut in (carrier[:at], carrier[at:]):
                assert leaks(redact(f"echo: {cut} end", secret), secret) == [], cut
