"""Property tests of the formats the hot path hand-rolls: the cache entry codec (its times range-checked), the cache
key and jsonout."""

from __future__ import annotations

import json
import math
import random
import re
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from rightbrain_helper.clock import rfc3339
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.settings.model import SecretSource, Settings, normalize_scopes
from rightbrain_helper.token.cache import cache_key
from rightbrain_helper.token.client_secret import secret_fingerprint
from rightbrain_helper.token.entry import (
    FUTURE_TOLERANCE,
    HEADER,
    MAX_LIFETIME,
    MAX_TIMESTAMP,
    Token,
    decode,
    encode,
    valid_times,
)

FAST = settings(max_examples=200, deadline=None)

visible_ascii = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60)
any_text = st.text(max_size=40)  # every code point but lone surrogates: all that a str from JSON/TOML/env holds
tricky_text = st.text(st.sampled_from(["\\", "\n", "\r", "=", "n", "r", "a", " ", "é", "\u2028"]), max_size=12)
field_text = st.one_of(any_text, tricky_text)
timestamps = st.floats(min_value=0, max_value=4e9, allow_nan=False, allow_infinity=False)


@st.composite
def tokens(draw: st.DrawFn) -> Token:
    """Any token the cache may be asked to store."""
    obtained = draw(timestamps)
    lifetime = draw(st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False))
    return Token(
        access_token=draw(visible_ascii),
        token_type=draw(field_text),
        expires_at=obtained + lifetime,
        obtained_at=obtained,
        scope=draw(field_text),
        profile=draw(field_text),
        token_url=draw(field_text),
        client_id=draw(field_text),
    )


@FAST
@given(tokens())
def test_entry_round_trip(token: Token) -> None:
    """Every storable token decodes to an equal token, floats bit for bit."""
    decoded = decode(encode(token))
    assert decoded == token
    assert decoded is not None
    assert decoded.expires_at.hex() == float(token.expires_at).hex()


@FAST
@given(tokens())
def test_entry_is_line_safe(token: Token) -> None:
    """The encoding is a header plus one line per field, whatever newlines or backslashes the fields hold."""
    lines = encode(token).decode("utf-8").split("\n")
    assert lines[0] == HEADER
    assert lines[-1] == ""
    assert len(lines) == 10
    assert all("\r" not in line for line in lines)


@FAST
@given(tokens(), st.data())
def test_truncated_entry_is_a_miss(token: Token, data: st.DataObject) -> None:
    """Any torn (truncated) entry decodes to None, never to a token with a shortened field."""
    raw = encode(token)
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    assert decode(raw[:cut]) is None


@FAST
@given(st.binary(max_size=400))
def test_decode_never_raises_on_bytes(raw: bytes) -> None:
    """Arbitrary bytes decode to None or to a token that re-encodes to the same token."""
    token = decode(raw)
    if token is not None:
        assert decode(encode(token)) == token


@FAST
@given(tokens(), st.data())
def test_decode_never_raises_on_mutated_entries(token: Token, data: st.DataObject) -> None:
    """An entry with one byte changed decodes to None or to a valid token (expiry not before it was obtained)."""
    raw = bytearray(encode(token))
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[index] = data.draw(st.integers(min_value=0, max_value=255))
    decoded = decode(bytes(raw))
    if decoded is not None:
        assert decoded.access_token
        assert math.isfinite(decoded.expires_at)
        assert valid_times(decoded.obtained_at, decoded.expires_at)


@FAST
@given(tokens(), st.text(min_size=1, max_size=20).filter(lambda text: any(not "!" <= ch <= "~" for ch in text)))
def test_entry_with_unsendable_token_is_refused(token: Token, bad: str) -> None:
    """An entry whose token holds a space, control or non-ASCII character is never served."""
    token.access_token = "tok" + bad
    assert decode(encode(token)) is None


@FAST
@given(tokens(), st.floats(min_value=0.001, max_value=1e6))
def test_entry_expiring_before_it_was_obtained_is_refused(token: Token, gap: float) -> None:
    """An entry whose expiry precedes the time it was obtained is not a token."""
    token.expires_at = token.obtained_at - gap
    assert decode(encode(token)) is None


T0 = 1_800_000_000.0
any_time = st.floats() | st.sampled_from([0.0, MAX_TIMESTAMP, MAX_TIMESTAMP + 1, -1.0, 1e300])


@FAST
@given(any_time, any_time)
def test_entry_times_round_trip_exactly_when_valid(obtained_at: float, expires_at: float) -> None:
    """decode(encode(x)) == x for printable, ordered times of a lifetime up to a year; a miss for every other."""
    token = Token("tok", "Bearer", expires_at, obtained_at)
    decoded = decode(encode(token))
    assert (decoded == token) if valid_times(obtained_at, expires_at) else decoded is None


@FAST
@given(st.floats() | st.integers(min_value=-(10**20), max_value=10**20))
def test_rfc3339_prints_every_number(timestamp: float) -> None:
    """Any moment, NaN and infinities included, prints as a well-formed RFC 3339 UTC time, never an error."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rfc3339(timestamp))


@FAST
@given(st.floats(min_value=1.0, max_value=MAX_LIFETIME), st.floats(min_value=0, max_value=86400))
def test_a_token_just_fetched_is_fresh_and_never_served_expired(lifetime: float, min_valid: float) -> None:
    """Whatever the lifetime (1 s or more) and margin, a new token is fresh, and fresh only before its expiry."""
    token = Token("tok", "Bearer", T0 + lifetime, T0)
    assert token.is_fresh(T0, min_valid)
    assert not token.is_fresh(token.expires_at, min_valid)


@FAST
@given(st.integers(min_value=0, max_value=10**6))
def test_entry_obtained_in_the_future_is_not_fresh(ahead: int) -> None:
    """An entry obtained more than FUTURE_TOLERANCE seconds after now (the clock was set back) is never fresh."""
    token = Token("tok", "Bearer", T0 + 3600, T0)
    assert token.is_fresh(T0 - ahead, 60) == (ahead <= FUTURE_TOLERANCE)


def test_usable_until_margin() -> None:
    """The safety margin is min(min_valid, lifetime / 2)."""
    assert Token("t", "Bearer", 3600.0, 0.0).usable_until(60) == 3540.0
    assert Token("t", "Bearer", 60.0, 0.0).usable_until(60) == 30.0
    assert Token("t", "Bearer", 1000.0, 0.0).usable_until(300) == 700.0


# --- cache key ---------------------------------------------------------------------------------------------------


class Grant(NamedTuple):
    """Everything that shapes the token an issuer grants, as the cache key sees it."""

    token_url: str
    client_id: str
    fingerprint: str
    client_auth: str
    scopes: tuple[str, ...]
    audience: str
    resources: tuple[str, ...]
    extras: tuple[tuple[str, str], ...]


small_text = st.text(st.sampled_from(["a", "b", " ", "\x00", "1", ":", "é"]), max_size=4)
grants = st.builds(
    Grant,
    token_url=small_text,
    client_id=small_text,
    fingerprint=small_text,
    client_auth=st.sampled_from(["basic", "basic-raw", "post"]),
    scopes=st.lists(small_text, max_size=3).map(normalize_scopes),
    audience=small_text,
    resources=st.lists(small_text, max_size=3).map(tuple),
    extras=st.lists(st.tuples(small_text, small_text), max_size=3).map(tuple),
)


def key_for(grant: Grant, *, profile: str = "p", min_valid: float = 60, cache_dir: str = "/c") -> str:
    """The cache key for `grant`, built with some settings that should not matter."""
    built = Settings(
        profile=profile,
        token_url=grant.token_url,
        client_id=grant.client_id,
        secret=SecretSource("env", "RIGHTBRAIN_CLIENT_SECRET", value="s"),
        client_auth=grant.client_auth,
        scopes=grant.scopes,
        audience=grant.audience,
        resources=grant.resources,
        extra_params=grant.extras,
        min_valid=min_valid,
        cache_dir=cache_dir,
    )
    return cache_key(built, grant.fingerprint)


@settings(max_examples=500, deadline=None)
@given(grants, grants)
def test_cache_key_is_injective(first: Grant, second: Grant) -> None:
    """Two grants get the same cache key exactly when every field that shapes the token is equal."""
    assert (key_for(first) == key_for(second)) == (first == second)


@FAST
@given(grants, grants, st.sampled_from(Grant._fields))
def test_cache_key_changes_with_each_field(grant: Grant, other: Grant, field: str) -> None:
    """Changing any single field that shapes the token changes the key (text shifted between fields too)."""
    changed = grant._replace(**{field: getattr(other, field)})
    if changed != grant:
        assert key_for(changed) != key_for(grant)


@FAST
@given(grants, st.text(max_size=8), st.integers(0, 600), st.text(max_size=8))
def test_cache_key_ignores_unrelated_settings(grant: Grant, profile: str, margin: int, where: str) -> None:
    """The profile name, min_valid and cache dir do not change the key: they do not change the token granted."""
    key = key_for(grant)
    assert key_for(grant, profile=profile, min_valid=margin, cache_dir=where) == key
    assert len(key) == 40
    assert all(ch in "0123456789abcdef" for ch in key)


@FAST
@given(st.lists(st.text(st.sampled_from("abc :"), max_size=6), max_size=4), st.randoms())
def test_scope_order_and_spacing_do_not_matter(words: list[str], rng: random.Random) -> None:
    """Scopes "read write", "write  read" and ["write", "read"] are one set, hence one cache entry."""
    shuffled = list(words)
    rng.shuffle(shuffled)
    assert normalize_scopes(words) == normalize_scopes(" ".join(shuffled)) == normalize_scopes(tuple(shuffled))


@FAST
@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_secret_fingerprint_tells_secrets_apart(first: str, second: str) -> None:
    """Different secrets have different fingerprints, so rotating the secret starts a new cache entry."""
    one = secret_fingerprint(SecretSource("env", "RIGHTBRAIN_CLIENT_SECRET", value=first))
    two = secret_fingerprint(SecretSource("env", "RIGHTBRAIN_CLIENT_SECRET", value=second))
    assert (one == two) == (first == second)


# --- jsonout -----------------------------------------------------------------------------------------------------

json_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)  # lone surrogates included
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | json_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_jsonout_round_trips_through_json_loads(value: object) -> None:
    """jsonout.dumps output is plain-ASCII JSON that json.loads reads back as the same value."""
    text = dumps(value)
    assert text.isascii()
    assert "\n" not in text
    assert json.loads(text) == value
