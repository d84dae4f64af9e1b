"""A small JSON encoder for protocol output on the cache-hit path (the json module imports re).

Handles what adapters print: dicts with str keys whose values are str, int, bool, None, lists or dicts.
"""

from __future__ import annotations

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def dumps(value: object) -> str:
    """Compact JSON text for `value`; non-ASCII is escaped, so the output is plain ASCII."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string(key)}:{dumps(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _string(text: str) -> str:
    """A JSON string literal."""
    out = ['"']
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(ch))
    out.append('"')
    return "".join(out)


def _utf16_units(ch: str) -> list[int]:
    """The UTF-16 code units of one character (a surrogate pair above the BMP)."""
    code = ord(ch)
    if code < 0x10000:
        return [code]
    code -= 0x10000
    return [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]
