"""Reading protocol input on the cache-hit path: bounded lines, draining, and a strict JSON reader.

The json module imports re, which alone costs about half an interpreter start; `loads` here reads RFC 8259 text
(objects, arrays, strings, numbers, true, false, null) with bounded length and depth, and raises ValueError for
anything else, NaN and Infinity included. Sources: RFC 8259 §2-§7.
"""

from __future__ import annotations

from rightbrain_helper.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

MAX_DEPTH = 32
MAX_TEXT = 1024 * 1024
READ_CHUNK = 64 * 1024
_WHITESPACE = " \t\n\r"
_DIGITS = "0123456789"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = {"true": True, "false": False, "null": None}


def read_line(stream: TextIO, limit: int, what: str) -> str:
    """One line of `stream` without its line ending, at most `limit` characters; else UsageError naming `what`."""
    try:
        line = stream.readline(limit + 1)
    except (OSError, ValueError):
        raise UsageError(f"{what} is not readable UTF-8 text") from None
    if len(line) > limit:
        raise UsageError(f"{what} is longer than {limit} characters")
    return line.removesuffix("\n").removesuffix("\r")


def drain(stream: TextIO) -> None:
    """Read `stream` to EOF and drop it, undecodable bytes included (a tool may fail if its helper exits before
    reading what it sent)."""
    raw = getattr(stream, "buffer", stream)
    try:
        while raw.read(READ_CHUNK):
            pass
    except (OSError, ValueError):
        pass


def loads(text: str) -> object:
    """The value of one JSON text: dict, list, str, int, float, bool or None. ValueError for anything that is
    not JSON, is longer than MAX_TEXT characters, or nests deeper than MAX_DEPTH."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"JSON text longer than {MAX_TEXT} characters")
    value, end = _value(text, _skip(text, 0), 0)
    if _skip(text, end) != len(text):
        raise ValueError(f"extra data at character {end}")
    return value


def _skip(text: str, at: int) -> int:
    """The index of the first non-whitespace character from `at`."""
    while at < len(text) and text[at] in _WHITESPACE:
        at += 1
    return at


def _value(text: str, at: int, depth: int) -> tuple[object, int]:
    """The value starting at `at` (no leading whitespace) and the index after it."""
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH}")
    char = text[at : at + 1]
    if char == "{":
        return _object(text, at + 1, depth + 1)
    if char == "[":
        return _array(text, at + 1, depth + 1)
    if char == '"':
        return _string(text, at + 1)
    if char == "-" or (char and char in _DIGITS):
        return _number(text, at)
    for word, literal in _LITERALS.items():
        if text.startswith(word, at):
            return literal, at + len(word)
    raise ValueError(f"expected a JSON value at character {at}")


def _object(text: str, at: int, depth: int) -> tuple[dict[str, object], int]:
    """An object's members after its `{`; a repeated name keeps its last value, as Python's json does."""
    members: dict[str, object] = {}
    at = _skip(text, at)
    if text[at : at + 1] == "}":
        return members, at + 1
    while True:
        if text[at : at + 1] != '"':
            raise ValueError(f"expected a member name at character {at}")
        name, at = _string(text, at + 1)
        at = _skip(text, at)
        if text[at : at + 1] != ":":
            raise ValueError(f"expected ':' at character {at}")
        members[name], at = _value(text, _skip(text, at + 1), depth)
        at = _skip(text, at)
        if text[at : at + 1] == "}":
            return members, at + 1
        if text[at : at + 1] != ",":
            raise ValueError(f"expected ',' or '}}' at character {at}")
        at = _skip(text, at + 1)


def _array(text: str, at: int, depth: int) -> tuple[list[object], int]:
    """An array's items after its `[`."""
    items: list[object] = []
    at = _skip(text, at)
    if text[at : at + 1] == "]":
        return items, at + 1
    while True:
        item, at = _value(text, _skip(text, at), depth)
        items.append(item)
        at = _skip(text, at)
        if text[at : at + 1] == "]":
            return items, at + 1
        if text[at : at + 1] != ",":
            raise ValueError(f"expected ',' or ']' at character {at}")
        at += 1


def _string(text: str, at: int) -> tuple[str, int]:
    """A string's value after its opening quote, escapes decoded (a surrogate pair becomes one character)."""
    parts: list[str] = []
    start = at
    while True:
        if at >= len(text):
            raise ValueError(f"unterminated string from character {start}")
        char = text[at]
        if char == '"':
            parts.append(text[start:at])
            return "".join(parts), at + 1
        if char < " ":
            raise ValueError(f"control character in a string at character {at}")
        if char == "\\":
            parts.append(text[start:at])
            decoded, at = _escape(text, at + 1)
            parts.append(decoded)
            start = at
        else:
            at += 1


def _escape(text: str, at: int) -> tuple[str, int]:
    """The character an escape stands for (after its backslash) and the index after it."""
    char = text[at : at + 1]
    if char in _ESCAPES:
        return _ESCAPES[char], at + 1
    if char != "u":
        raise ValueError(f"invalid escape at character {at}")
    code = _hex4(text, at + 1)
    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", at + 5):
        low = _hex4(text, at + 7)
        if 0xDC00 <= low < 0xE000:
            return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), at + 11
    return chr(code), at + 5


def _hex4(text: str, at: int) -> int:
    """The four hex digits at `at`."""
    digits = text[at : at + 4]
    if len(digits) != 4 or not all(digit in "0123456789abcdefABCDEF" for digit in digits):
        raise ValueError(f"invalid \\u escape at character {at}")
    return int(digits, 16)


def _number(text: str, at: int) -> tuple[int | float, int]:
    """A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? ; an int unless it has a fraction or exponent."""
    start = at
    at += text[at] == "-"
    if text[at : at + 1] == "0":
        at += 1
    else:
        at = _digits(text, at, start)
    integral = True
    if text[at : at + 1] == ".":
        at, integral = _digits(text, at + 1, start), False
    if text[at : at + 1] in ("e", "E"):
        at += 1
        at += text[at : at + 1] in ("+", "-")
        at, integral = _digits(text, at, start), False
    number = text[start:at]
    return (int(number) if integral else float(number)), at


def _digits(text: str, at: int, start: int) -> int:
    """The index after one or more digits from `at`."""
    end = at
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    if end == at:
        raise ValueError(f"malformed number at character {start}")
    return end
