"""The log's own mask, on its own: every path a diagnostic line takes (debug, warning, error, the text of an
unexpected exception) hides the secret, each encoding of it that a request carries, the access token, and any
piece of them, even where nothing upstream scrubbed the line first. Removing the mask fails these tests."""

from __future__ import annotations

import base64
import io
from urllib.parse import quote, quote_plus

import pytest

from rightbrain_helper.errors import TransportFailure
from rightbrain_helper.log import MASK, Log
from rightbrain_helper.ports import HttpResponse
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.settings.model import Settings

from .conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from .support.fakes import FakeClock, never_transport
from .support.tokenserver import TokenServer
from .test_config import write_config
from .test_masking import leaks

TOKEN = "tok-Zq8rW2mN5vB7xK1pL4sD9fG3hJ6"


def carried_forms() -> list[str]:
    """The secret as requests carry it: raw, form-encoded, percent-encoded, and both Basic headers whole."""
    encoded = quote_plus(CLIENT_SECRET, safe="")
    return [
        CLIENT_SECRET,
        encoded,
        quote(CLIENT_SECRET, safe=""),
        "Basic " + base64.b64encode(f"{CLIENT_ID}:{encoded}".encode()).decode(),
        "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
    ]


def carrying_everything() -> str:
    """A diagnostic naming the token and every form of the secret, whole and cut at both ends."""
    parts = [TOKEN, TOKEN[:-5], TOKEN[6:]]
    for form in carried_forms():
        parts += [form, form[:-4], form[5:]]
    return "saw " + " | ".join(parts)


@pytest.mark.parametrize("level", ["debug", "warn", "error"])
def test_every_log_level_hides_registered_values_and_their_pieces(level: str) -> None:
    """A line through debug, warn or error shows *** where the token or a (cut) secret form was; nothing else
    of the line is lost."""
    stream = io.StringIO()
    log = Log(verbose=True, stream=stream)
    for value in [TOKEN, *(form.removeprefix("Basic ") for form in carried_forms())]:
        log.mask(value)
    getattr(log, level)(carrying_everything())
    line = stream.getvalue()
    assert line.count("\n") == 1
    assert line.startswith("rightbrain-helper: ")
    assert "saw " in line
    assert MASK in line
    assert TOKEN[:8] not in line
    assert leaks(line) == []


def test_short_values_are_hidden_whole_and_tiny_ones_not_at_all() -> None:
    """A value under 8 characters is masked where it appears whole; one under 4 is not masked (it would garble
    every line while hiding nothing)."""
    stream = io.StringIO()
    log = Log(stream=stream)
    log.mask("pa55w")
    log.mask("ab")
    log.warn("pa55w, pa55, ab")
    assert stream.getvalue() == f"rightbrain-helper: warning: {MASK}, pa55, ab\n"


class RaisingTransport:
    """A transport that fails with an exception whose text carries every form of the secret."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> HttpResponse:
        """Raise the exception."""
        raise self.error


@pytest.mark.parametrize(
    ("error", "code", "reported"),
    [
        (RuntimeError(carrying_everything()), 1, "error: internal error: RuntimeError: saw "),
        (TransportFailure(carrying_everything(), retryable=False), 5, "error: token endpoint 127.0.0.1:"),
    ],
    ids=["unexpected-exception", "transport-failure"],
)
@pytest.mark.parametrize("client_auth", ["basic", "basic-raw", "post"])
def test_exception_text_is_masked(
    helper_env: dict[str, str], error: Exception, code: int, reported: str, client_auth: str
) -> None:
    """An exception whose text carries the secret in every form it is sent in (an internal error, reported by
    name and text; or a transport failure) reaches stderr masked: the fetch registers those forms with the log."""
    write_config(helper_env, f'[profiles.default]\nclient_auth = "{client_auth}"\n')

    def factory(settings: Settings) -> RaisingTransport:
        """Always the raising transport."""
        return RaisingTransport(error)

    result = run_cli(["--verbose", "token"], helper_env, clock=FakeClock(), transport_factory=factory)
    assert result.code == code
    assert reported in result.stderr
    assert MASK in result.stderr.splitlines()[-1]
    assert leaks(result.stderr) == []


def test_the_fetched_token_and_the_secret_are_masked_in_later_lines(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Once the service has fetched a token (and read the secret), any later line naming either is masked."""
    stream = io.StringIO()
    runtime = Runtime(env=helper_env, stdout=io.StringIO(), stderr=stream, clock=FakeClock())
    token = runtime.service.get_token(runtime.settings(Overrides())).access_token
    runtime.log.verbose = True
    for write in (runtime.log.debug, runtime.log.warn, runtime.log.error):
        write(f"token {token} and its head {token[:12]} for secret {CLIENT_SECRET[:-2]}")
    assert token[:8] not in stream.getvalue()
    assert leaks(stream.getvalue()) == []
    assert stream.getvalue().count(MASK) == 9


def test_a_cache_hit_masks_an_environment_secret(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """On a cache hit (no fetch, nothing read but the environment), a line naming the secret is still masked."""
    run_cli(["token"], helper_env)
    stream = io.StringIO()
    runtime = Runtime(env=helper_env, stdout=io.StringIO(), stderr=stream, transport_factory=never_transport)
    runtime.service.get_token(runtime.settings(Overrides()))
    runtime.log.warn(f"odd secret {CLIENT_SECRET}")
    assert stream.getvalue() == f"rightbrain-helper: warning: odd secret {MASK}\n"
