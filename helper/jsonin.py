"""JSON from outside, bounded: size and nesting depth are checked before `json.loads`, which recurses once per
level (deep nesting would be a RecursionError) and would hold any amount of text.

Used for the token response, docker's `store` input and KUBERNETES_EXEC_INFO; imported only where json is
needed anyway, never on the cache-hit path.
"""

from __future__ import annotations

import json

MAX_DEPTH = 64  # real inputs nest a few levels; client-go's own decoder stops at 10000


class JsonInputError(ValueError):
    """Text that is not JSON, or JSON larger or deeper than the caller allows; the message ("is not JSON", "is
    longer than ...", "nests ...") completes a sentence that names the input."""


def loads_bounded(text: str, *, max_chars: int, max_depth: int = MAX_DEPTH) -> object:
    """The JSON value in `text`; JsonInputError if it is longer than `max_chars` characters, nests arrays and
    objects more than `max_depth` levels deep, or is not JSON (including numbers of more than 4300 digits)."""
    if len(text) > max_chars:
        raise JsonInputError(f"is longer than {max_chars} characters")
    if text.count("[") + text.count("{") > max_depth and _nesting_exceeds(text, max_depth):
        raise JsonInputError(f"nests arrays and objects more than {max_depth} levels deep")
    try:
        return json.loads(text)
    except ValueError:  # JSONDecodeError, or an integer of more digits than int() converts
        raise JsonInputError("is not JSON") from None


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` outside strings: one linear pass, no recursion."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
