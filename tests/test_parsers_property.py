"""Property tests of every parser of outside input: git's attribute lines, docker's server URLs, kubectl's
KUBERNETES_EXEC_INFO, the token response, Retry-After, ports, numeric settings and bounded JSON (the cache entry's
codec: test_entry_format.py). Arbitrary input never raises anything but the helper's own errors, and what is
accepted round-trips."""

from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightbrain_helper.errors import TokenEndpointRejected, UsageError
from rightbrain_helper.integrations.docker import registry_address
from rightbrain_helper.integrations.git import read_request
from rightbrain_helper.integrations.kubectl import API_VERSIONS, requested_api_version
from rightbrain_helper.jsonin import MAX_DEPTH, JsonInputError, loads_bounded
from rightbrain_helper.netaddr import canonical_port
from rightbrain_helper.oauth.fetch import MAX_DELTA_SECONDS, _retry_after
from rightbrain_helper.oauth.request import error_from_response, parse_success
from rightbrain_helper.settings.load import NUMBER_KEYS, NUMBER_LIMITS, is_number_in_range
from rightbrain_helper.settings.model import SecretSource, Settings
from rightbrain_helper.token.entry import MAX_LIFETIME, Token, decode, encode, valid_times

FAST = settings(max_examples=300, deadline=None)
SENT_AT = 1_800_000_000.0
SETTINGS = Settings(
    profile="p", token_url="https://issuer.example/token", client_id="c", secret=SecretSource("env", "X", value="s")
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
printable_line = st.text(st.characters(exclude_characters="\n\r", exclude_categories=["Cs"]), max_size=40)


class Response:
    """An HTTP answer as a transport returns it."""

    def __init__(self, body: bytes, content_type: str = "application/json", status: int = 200) -> None:
        self.status = status
        self.headers = {"content-type": content_type}
        self.body = body


def nested(depth: int) -> str:
    """A JSON array nested `depth` levels deep."""
    return "[" * depth + "]" * depth


# --- bounded JSON ------------------------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=200))
def test_bounded_json_raises_only_its_own_error(text: str) -> None:
    """Any text is a JSON value or JsonInputError (a ValueError), never RecursionError or anything else."""
    try:
        loads_bounded(text, max_chars=150)
    except JsonInputError:
        pass


@FAST
@given(json_values)
def test_bounded_json_round_trips_what_json_writes(value: object) -> None:
    """Within the limits, loads_bounded(json.dumps(x)) == x."""
    assert loads_bounded(json.dumps(value), max_chars=1 << 20) == value


@FAST
@given(st.integers(min_value=0, max_value=3 * MAX_DEPTH), st.sampled_from(["[", '{"k":']))
def test_bounded_json_depth_limit_is_exact(depth: int, opener: str) -> None:
    """Nesting up to MAX_DEPTH parses; one level more is refused, however it is spelled."""
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" + closer * depth
    if depth <= MAX_DEPTH:
        loads_bounded(text, max_chars=1 << 20)
    else:
        with pytest.raises(JsonInputError, match="levels deep"):
            loads_bounded(text, max_chars=1 << 20)


# --- the token response ------------------------------------------------------------------------------------------


def assert_storable(token: Token) -> None:
    """A parsed token is one the cache writes and reads back unchanged."""
    assert valid_times(token.obtained_at, token.expires_at)
    assert token.expires_at - token.obtained_at >= 1.0
    assert decode(encode(token)) == token


@FAST
@given(st.binary(max_size=300), st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/html"]))
def test_token_response_of_any_bytes_is_a_token_or_a_rejection(body: bytes, content_type: str) -> None:
    """Whatever the body, a 2xx gives a storable token or TokenEndpointRejected; a 4xx always a rejection."""
    try:
        assert_storable(parse_success(Response(body, content_type), SETTINGS, SENT_AT, "s"))
    except TokenEndpointRejected:
        pass
    assert isinstance(error_from_response(Response(body, content_type, 400), SETTINGS, "s"), TokenEndpointRejected)


@FAST
@given(st.dictionaries(st.sampled_from(["access_token", "token_type", "expires_in", "scope", "error"]), json_values))
def test_token_response_of_any_json_object_is_a_token_or_a_rejection(body: dict[str, object]) -> None:
    """Any JSON object with any value types in the known fields gives a storable token or a rejection."""
    try:
        assert_storable(parse_success(Response(json.dumps(body).encode()), SETTINGS, SENT_AT, "s"))
    except TokenEndpointRejected:
        pass


@FAST
@given(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=50),
    st.one_of(
        st.integers(min_value=1, max_value=10**30),
        st.floats(min_value=1, max_value=1e300),
        st.integers(min_value=1, max_value=10**12).map(str),
    ),
)
def test_token_response_fields_survive_parsing(access_token: str, expires_in: int | float | str) -> None:
    """A usable answer gives exactly its token and lifetime (capped at a year), and the entry round-trips."""
    body = {"access_token": access_token, "token_type": "bearer", "expires_in": expires_in}
    token = parse_success(Response(json.dumps(body).encode()), SETTINGS, SENT_AT, "s")
    assert token.access_token == access_token
    assert token.expires_at == SENT_AT + min(float(expires_in), MAX_LIFETIME)
    assert_storable(token)


# --- Retry-After, ports and numeric settings ---------------------------------------------------------------------


@FAST
@given(st.text(max_size=60))
def test_retry_after_is_none_or_a_finite_wait(value: str) -> None:
    """Any header value is ignored (None) or a finite wait of 0 or more; non-ASCII text is always ignored."""
    wait = _retry_after(value, SENT_AT)
    assert wait is None or (math.isfinite(wait) and wait >= 0)
    if not value.isascii():
        assert wait is None


@FAST
@given(st.integers(min_value=0, max_value=10**40), st.integers(min_value=0, max_value=3))
def test_retry_after_delta_seconds(seconds: int, zeros: int) -> None:
    """ASCII digits (leading zeros too) are that many seconds, at most 2^31."""
    assert _retry_after("0" * zeros + str(seconds), SENT_AT) == min(float(seconds), MAX_DELTA_SECONDS)


@FAST
@given(st.text(max_size=8))
def test_canonical_port_is_a_port_or_none(text: str) -> None:
    """Any text is None or the decimal form of 1 to 65535, and only ASCII digits are ever a port."""
    port = canonical_port(text)
    if port is not None:
        assert text.isascii()
        assert text.isdigit()
        assert 1 <= int(port) <= 65535
        assert port == str(int(text))


@FAST
@given(st.integers(min_value=1, max_value=65535))
def test_every_port_number_is_canonical(number: int) -> None:
    """Each real port, with or without leading zeros up to five digits, is itself."""
    assert canonical_port(str(number)) == str(number) == canonical_port(str(number).zfill(5))


@FAST
@given(st.sampled_from(sorted(NUMBER_KEYS)), st.floats() | st.integers() | st.booleans() | st.text(max_size=5))
def test_numeric_setting_check_never_raises(key: str, value: object) -> None:
    """Any TOML value is judged without an exception; accepted ones are finite numbers within the key's range."""
    if is_number_in_range(key, value):
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)
        least, most = NUMBER_LIMITS[key]
        assert math.isfinite(value)
        assert least <= value <= most


# --- the tools' input --------------------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=300))
def test_git_attribute_parser_takes_any_text(text: str) -> None:
    """Any stdin is a request or a UsageError."""
    try:
        read_request(io.StringIO(text))
    except UsageError:
        pass


@FAST
@given(st.lists(st.tuples(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), printable_line), max_size=20))
def test_git_attributes_round_trip(pairs: list[tuple[str, str]]) -> None:
    """key=value lines written as git writes them parse to the last value of each key."""
    text = "".join(f"{key}={value}\n" for key, value in pairs) + "\n"
    request = read_request(io.StringIO(text))
    assert request.values == dict(pairs)


@FAST
@given(st.text(max_size=100))
def test_docker_server_url_parser_takes_any_text(server_url: str) -> None:
    """Any server URL is a (host, canonical port) pair, or ("", "") when it names no usable host and port."""
    host, port = registry_address(server_url)
    if port:
        assert canonical_port(port) == port
    else:
        assert host == ""
    assert "/" not in host
    assert "@" not in host


@FAST
@given(st.text(max_size=200) | json_values.map(json.dumps) | st.integers(0, 5000).map(nested))
def test_exec_info_parser_takes_any_text(info: str) -> None:
    """Any KUBERNETES_EXEC_INFO is a supported apiVersion or a UsageError, never a RecursionError."""
    try:
        assert requested_api_version(info) in API_VERSIONS
    except UsageError:
        pass


@FAST
@given(st.sampled_from(API_VERSIONS), st.dictionaries(st.text(max_size=8), json_values, max_size=4))
def test_exec_info_api_version_is_echoed(api_version: str, extra: dict[str, object]) -> None:
    """Whatever else the ExecCredential holds, its apiVersion is the one answered."""
    info = json.dumps({**extra, "kind": "ExecCredential", "apiVersion": api_version})
    assert requested_api_version(info) == api_version
