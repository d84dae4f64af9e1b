"""The hot path's protocol input readers: the strict JSON reader agrees with Python's json, bounded lines, drain."""

from __future__ import annotations

import io
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightbrain_helper.errors import UsageError
from rightbrain_helper.integrations.tool_input import MAX_DEPTH, MAX_TEXT, drain, loads, read_line

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES, st.booleans(), st.sampled_from([None, 2]))
def test_reads_what_json_writes(value: object, ascii_only: bool, indent: int | None) -> None:
    """Every JSON text Python's json writes (ASCII-escaped or not, compact or indented) reads back equal."""
    assert loads(json.dumps(value, ensure_ascii=ascii_only, indent=indent)) == value


@given(st.text(alphabet=st.sampled_from('{}[]",:0123456789.eE+-\\/ntrufalsebu" \t\n\r\x00é'), max_size=40))
def test_agrees_with_json_or_refuses(text: str) -> None:
    """Any text: the same value as json.loads, or ValueError (never another exception); NaN/Infinity refused."""
    try:
        value = loads(text)
    except ValueError:
        return
    assert value == json.loads(text)


@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_value_error(text: str) -> None:
    """Random text never raises anything but ValueError."""
    try:
        loads(text)
    except ValueError:
        pass


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "[1,]",
        '{"a":1,}',
        "01",
        "1.",
        ".5",
        "+1",
        '"\\x41"',
        '"tab\there"',
        "'a'",
        "\ufeff{}",
    ],
)
def test_refuses_what_rfc_8259_does_not_allow(text: str) -> None:
    """Non-JSON that lenient readers accept: NaN, trailing commas, leading zeros, bad escapes, raw control chars."""
    with pytest.raises(ValueError, match=r"character|number"):
        loads(text)


def test_bounds_depth_and_length() -> None:
    """Nesting deeper than MAX_DEPTH and text longer than MAX_TEXT are refused before they cost much."""
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(ValueError, match="nested deeper"):
        loads("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2))
    with pytest.raises(ValueError, match="longer than"):
        loads(" " * (MAX_TEXT + 1))


def test_decodes_surrogate_pairs_and_big_numbers() -> None:
    """\\ud83d\\ude00 is one character; integers stay exact; exponents make floats."""
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads("123456789012345678901234567890") == 123456789012345678901234567890
    assert loads("-1.5e3") == -1500.0
    assert math.isinf(loads("1e400"))  # type: ignore[arg-type]


def test_read_line_bounds_and_strips() -> None:
    """One line without \\n or \\r\\n; longer than the limit is a UsageError naming what was read."""
    assert read_line(io.StringIO("abc\r\nrest"), 10, "the request") == "abc"
    assert read_line(io.StringIO(""), 10, "the request") == ""
    with pytest.raises(UsageError, match="the request is longer than 3 characters"):
        read_line(io.StringIO("abcd\n"), 3, "the request")


def test_read_line_reports_undecodable_input() -> None:
    """Bytes that are not UTF-8 are a UsageError, not a crash."""
    stream = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\n"), encoding="utf-8")
    with pytest.raises(UsageError, match="not readable UTF-8"):
        read_line(stream, 100, "the request")


def test_drain_reads_to_the_end_whatever_the_bytes() -> None:
    """drain consumes everything, undecodable bytes included."""
    raw = io.BytesIO(b"\xff" * 200_000)
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    drain(stream)
    assert raw.tell() == 200_000
