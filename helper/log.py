"""Diagnostics on stderr: warnings always, debug lines with --verbose; every line passes through a mask.

Not the logging module: it costs more to import than a whole cache hit. Secrets, their encodings and tokens are
registered with `mask` as soon as they are known, and no line leaves here with one in it, nor with any piece of
one PIECE characters long (a server that echoes half a header back must not show half a secret).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TextIO

PREFIX = "rightbrain-helper"
MASK = "***"
MIN_MASKED = 4  # masking a one-letter "secret" would garble every line without hiding anything
PIECE = 8  # any run of this many characters of a masked value is masked: a cut copy hides as well as a whole one


class Mask:
    """Values never to be shown. Each is hidden whole and by every piece of PIECE characters, so a copy cut at any
    offset, or trimmed afterwards, leaves at most PIECE - 1 characters of it; values shorter than PIECE (but at
    least MIN_MASKED) are hidden whole."""

    __slots__ = ("_pieces", "_short")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._pieces: set[str] = set()
        self._short: list[str] = []
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        """Hide `value` (and its pieces) from now on."""
        if len(value) >= PIECE:
            self._pieces.update(value[start : start + PIECE] for start in range(len(value) - PIECE + 1))
        elif len(value) >= MIN_MASKED and value not in self._short:
            self._short.append(value)

    def apply(self, text: str) -> str:
        """`text` with each maximal run made of hidden values or their pieces replaced by MASK."""
        spans = self._spans(text)
        if not spans:
            return text
        out, done = [], 0
        for start, end in spans:
            out += [text[done:start], MASK]
            done = end
        out.append(text[done:])
        return "".join(out)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Sorted, merged (start, end) ranges of `text` to hide."""
        found: list[tuple[int, int]] = []
        if self._pieces:
            pieces = self._pieces
            found += [(at, at + PIECE) for at in range(len(text) - PIECE + 1) if text[at : at + PIECE] in pieces]
        for value in self._short:
            at = text.find(value)
            while at >= 0:
                found.append((at, at + len(value)))
                at = text.find(value, at + 1)
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


class Log:
    """Writes one-line diagnostics to a stream, with registered secrets masked."""

    def __init__(self, *, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self._mask = Mask()

    def mask(self, value: str) -> None:
        """Never let `value` (a secret, an encoding of it, or a token), or a piece of it, appear in a line."""
        self._mask.add(value)

    def redact(self, text: str) -> str:
        """`text` with every registered value, and every piece of one, replaced by ***."""
        return self._mask.apply(text)

    def debug(self, message: str) -> None:
        """A detail for --verbose."""
        if self.verbose:
            self._write("debug", message)

    def warn(self, message: str) -> None:
        """Something the user should know although the command goes on."""
        self._write("warning", message)

    def error(self, message: str) -> None:
        """Why the command failed."""
        self._write("error", message)

    def _write(self, level: str, message: str) -> None:
        """One line, masked, flushed; a closed stderr is not our problem to crash on."""
        try:
            self.stream.write(f"{PREFIX}: {level}: {self.redact(message)}\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass
