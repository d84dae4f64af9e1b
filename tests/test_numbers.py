"""Every number from outside is range-checked before use: the token endpoint's expires_in and Retry-After, the
times in a cache entry (an entry obtained "in the future" included), and the numeric settings of a profile.
A number out of range is that input's clean answer (exit 4, a miss, an ignored header, exit 3), never a crash."""

from __future__ import annotations

import json
import os
from email.utils import formatdate

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_REJECTED, EXIT_UNAVAILABLE
from rightbrain_helper.oauth import fetch
from rightbrain_helper.token.entry import FUTURE_TOLERANCE, MAX_LIFETIME, Token, decode, encode

from .conftest import run_cli
from .support.fakes import FakeClock
from .support.procs import entry_paths, write_config
from .support.tokenserver import Reply, TokenServer
from .test_config import assert_one_line_error
from .test_kubectl_adapter import kubectl_env

T = 1_800_000_000.0  # FakeClock's start


def token_answer(expires_in_json: str) -> Reply:
    """A 200 with a usable token and `expires_in_json` pasted into the JSON text as it stands."""
    body = f'{{"access_token":"tok-edge","token_type":"Bearer","expires_in":{expires_in_json}}}'
    return Reply(200, body, {"Content-Type": "application/json"})


UNUSABLE_EXPIRES_IN = [
    *("1" + "0" * 400, "-1" + "0" * 400, "1e400", "NaN", "Infinity", "-Infinity"),  # no float holds these
    *("0", "-5", "0.5", "0.999", "1e-9"),  # under a second: the token would be expired on arrival
    *("true", '"\u0661\u0668\u0660\u0660"', '"1_000"', '"1e3"', '"-60"', '"0x10"', '"1."', '"inf"', "[60]", "{}"),
]


@pytest.mark.parametrize("expires_in", UNUSABLE_EXPIRES_IN)
def test_unusable_expires_in_is_a_bad_response(
    helper_env: dict[str, str], token_server: TokenServer, expires_in: str
) -> None:
    """An expires_in that is no number, cannot be represented, or is under a second: exit 4, one line, not cached."""
    token_server.queue(token_answer(expires_in))
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert_one_line_error(result, EXIT_REJECTED, "expires_in is ")
    assert not os.path.exists(entry_paths(helper_env)[0])


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [
        ("1", 1),
        ('"3599.5"', 3599),
        (" 1800 ", 1800),
        ('" 1800 "', 1800),
        ("1e300", MAX_LIFETIME),
        ("4e7", MAX_LIFETIME),
    ],
)
def test_usable_expires_in_sets_the_lifetime(
    helper_env: dict[str, str], token_server: TokenServer, expires_in: str, lifetime: float
) -> None:
    """A number (or decimal string) of at least 1 s is the lifetime; more than a year (even 1e300) is a year."""
    token_server.queue(token_answer(expires_in))
    result = run_cli(["json"], helper_env, clock=FakeClock())
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["expires_in"] == int(lifetime)


def test_shortest_accepted_lifetime_is_still_fresh_when_handed_out(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A 1 s token is served, then refetched once its half-lifetime margin is reached: never handed out expired."""
    token_server.queue(token_answer("1"), token_answer("1"))
    clock = FakeClock()
    assert run_cli(["token"], helper_env, clock=clock).stdout == "tok-edge\n"
    clock.advance(0.5)
    assert run_cli(["token"], helper_env, clock=clock).code == 0
    assert len(token_server.token_requests()) == 2


# --- times in a cache entry ------------------------------------------------------------------------------------


def plant_entry(env: dict[str, str], data: bytes) -> None:
    """Write `data` as the default profile's cache entry, a private file of ours, as a fetch would have."""
    path = entry_paths(env)[0]
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def entry_with(field: str, text: str) -> bytes:
    """A well-formed entry (a 3600 s token from T) whose `field` line holds `text` instead."""
    lines = encode(Token("tok-planted", "Bearer", T + 3600, T)).decode().split("\n")
    lines = [f"{field}={text}" if line.startswith(field + "=") else line for line in lines]
    return "\n".join(lines).encode()


BAD_TIMES = [
    ("expires_at", "1e+300"),
    ("expires_at", "253402300800.0"),  # one second after 9999-12-31T23:59:59Z
    ("expires_at", repr(T + MAX_LIFETIME + 2)),  # longer than the helper ever keeps a token
    ("obtained_at", "-5.0"),
    ("expires_at", "1_800_003_600.0"),
    ("expires_at", " 1800003600.0"),
    ("expires_at", "\u0661800003600.0"),
    ("expires_at", "1800003600"),  # not as the encoder writes it (repr of a float)
]


@pytest.mark.parametrize(("field", "text"), BAD_TIMES)
def test_entry_with_out_of_range_times_is_a_miss_everywhere(
    helper_env: dict[str, str], token_server: TokenServer, field: str, text: str
) -> None:
    """An entry whose times cannot be printed or were never written so: a miss for json and kubectl (a fresh
    token is fetched), "unreadable" for status; never a crash."""
    data = entry_with(field, text)
    assert decode(data) is None
    for argv, env in ((["json"], helper_env), (["kubectl"], kubectl_env(helper_env, None))):
        plant_entry(helper_env, data)
        result = run_cli(argv, env, clock=FakeClock())
        assert (result.code, result.stderr) == (0, ""), result.stderr
        assert token_server.issued[-1] in result.stdout
    plant_entry(helper_env, data)
    status = run_cli(["status"], helper_env, clock=FakeClock())
    assert (status.code, status.stderr) == (0, "")
    assert "unreadable" in status.stdout
    assert len(token_server.token_requests()) == 2


def test_entry_up_to_year_9999_is_printed_by_every_command(helper_env: dict[str, str]) -> None:
    """The latest time an entry may hold prints as RFC 3339 in json, status and kubectl (no overflow)."""
    last = 253402300799.0
    plant_entry(helper_env, encode(Token("tok-late", "Bearer", last, last - 3600)))
    late = FakeClock(last - 3000)
    assert json.loads(run_cli(["json"], helper_env, clock=late).stdout)["expires_at"] == "9999-12-31T23:59:59Z"
    assert "(9999-12-31T23:59:59Z)" in run_cli(["status"], helper_env, clock=late).stdout
    kubectl = run_cli(["kubectl"], kubectl_env(helper_env, None), clock=late)
    assert '"expirationTimestamp":"9999-12-31T23:58:59Z"' in kubectl.stdout


# --- an entry obtained "in the future": the clock was ahead, then corrected ---------------------------------------


def test_entry_obtained_in_the_future_is_a_miss(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Fetched while the clock was 10 min ahead, then the clock is corrected: the entry is not trusted, a new token
    is fetched (its expiry was counted from a moment that had not come)."""
    first = run_cli(["token"], helper_env, clock=FakeClock(T + 600))
    second = run_cli(["token"], helper_env, clock=FakeClock(T))
    assert (first.code, second.code) == (0, 0)
    assert second.stdout == token_server.issued[1] + "\n" != first.stdout


def test_small_clock_step_back_is_tolerated(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A clock set back by less than the tolerance (clocks of machines sharing an NFS home) still hits."""
    run_cli(["token"], helper_env, clock=FakeClock(T + FUTURE_TOLERANCE - 1))
    assert run_cli(["token"], helper_env, clock=FakeClock(T)).stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1


def test_entry_obtained_in_the_future_is_no_fallback(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """When the refresh fails, an entry obtained in the future is not served as a fallback either."""
    run_cli(["token"], helper_env, clock=FakeClock(T + 600))
    token_server.queue(*[Reply(503, "down", {"Retry-After": "0"}) for _ in range(fetch.MAX_ATTEMPTS)])
    result = run_cli(["token"], helper_env, clock=FakeClock(T))
    assert result.code == EXIT_UNAVAILABLE
    assert result.stdout == ""


# --- Retry-After -------------------------------------------------------------------------------------------------

IGNORED_RETRY_AFTER = [
    *("-5", "1.5", "+3", "3 s", "0x10", "1e3", "\u00b2", "\u00b3\u00b9", "soon"),
    "Sun, 31 Feb 2027 08:00:00 GMT",
    "Mon, 01 Jan 99999 00:00:00 GMT",
    "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
    "Sun, 06 Nov 1994 99:99:99 GMT",
]


@pytest.mark.parametrize("value", IGNORED_RETRY_AFTER)
def test_retry_after_that_is_no_delta_or_date_is_ignored(
    helper_env: dict[str, str], token_server: TokenServer, value: str
) -> None:
    """A Retry-After other than ASCII digits or a real HTTP-date (superscript digits, a sign, a fraction, a date no
    calendar has) is ignored: the normal back-off applies, and the retry succeeds."""
    token_server.queue(Reply(503, "busy", {"Retry-After": value}))
    clock = FakeClock()
    result = run_cli(["token"], helper_env, clock=clock)
    assert result.code == 0, result.stderr
    assert len(clock.slept) == 1
    assert 0 < clock.slept[0] <= fetch.FIRST_DELAY


@pytest.mark.parametrize("value", ["9" * 5000, "99999999999", "2147483648"])
def test_huge_retry_after_is_a_long_wait_capped(
    helper_env: dict[str, str], token_server: TokenServer, value: str
) -> None:
    """Delta-seconds of any length (RFC 9111: take 2^31 for what cannot be held) is a long wait: capped like any
    other, never an overflow."""
    token_server.queue(Reply(429, "slow down", {"Retry-After": value}))
    clock = FakeClock()
    result = run_cli(["token"], helper_env, clock=clock)
    assert result.code == 0, result.stderr
    assert clock.slept == [fetch.MAX_RETRY_AFTER]


def test_retry_after_date_is_read_as_gmt(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """An IMF-fixdate 9 s ahead of the (fake) clock waits exactly 9 s."""
    token_server.queue(Reply(503, "", {"Retry-After": formatdate(T + 9, usegmt=True)}))
    clock = FakeClock()
    assert run_cli(["token"], helper_env, clock=clock).code == 0
    assert clock.slept == [9.0]


# --- numeric settings --------------------------------------------------------------------------------------------

BAD_NUMBERS = [
    ("deadline", "inf"),
    ("deadline", "nan"),
    ("deadline", "1e308"),
    ("deadline", "3601"),
    ("lock_timeout", "-inf"),
    ("lock_timeout", "-1"),
    ("min_valid", "99999999999999999999999"),
    ("min_valid", "-0.5"),
    ("default_lifetime", "0.5"),
    ("default_lifetime", "31622401"),
    ("connect_timeout", "0"),
    ("read_timeout", "1e400"),
    ("secret_command_timeout", "true"),
]


@pytest.mark.parametrize(("key", "value"), BAD_NUMBERS)
def test_numeric_setting_out_of_range_is_a_config_error(helper_env: dict[str, str], key: str, value: str) -> None:
    """NaN, infinity, a huge integer, a negative or too-large number: exit 3, one line naming the key and range."""
    write_config(helper_env, f"[profiles.default]\n{key} = {value}\n")
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert_one_line_error(result, EXIT_CONFIG, key, "[profiles.default]", "at most")


def test_numeric_settings_at_their_limits_work(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """The ends of each range are accepted (a 1 s default lifetime, no margin, no lock wait, an hour's deadline)."""
    write_config(
        helper_env,
        "[profiles.default]\ndefault_lifetime = 1\nmin_valid = 0\nlock_timeout = 0\ndeadline = 3600\n"
        "connect_timeout = 0.001\nread_timeout = 3600\nsecret_command_timeout = 3600\n",
    )
    result = run_cli(["token"], helper_env, clock=FakeClock())
    assert result.code == 0, result.stderr


def test_fractional_default_lifetime_is_not_truncated(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """default_lifetime = 1.5 lives 1.5 s (not int() to 1): served at +0.7 s, refetched at +0.8 s."""
    write_config(helper_env, "[profiles.default]\ndefault_lifetime = 1.5\nmin_valid = 60\n")
    token_server.expires_in = None
    clock = FakeClock()
    run_cli(["token"], helper_env, clock=clock)
    clock.advance(0.7)
    run_cli(["token"], helper_env, clock=clock)
    assert len(token_server.token_requests()) == 1
    clock.advance(0.1)
    run_cli(["token"], helper_env, clock=clock)
    assert len(token_server.token_requests()) == 2
