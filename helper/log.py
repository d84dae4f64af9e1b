"""Diagnostics on stderr: warnings always, debug lines with --verbose; every line passes through a mask.

Not the logging module: it costs more to import than a whole cache hit. Secrets and tokens are registered with
`mask` as soon as they are known, and no line leaves here with one in it.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

PREFIX = "rightbrain-helper"
MASK = "***"
MIN_MASKED = 4  # masking a one-letter "secret" would garble every line without hiding anything


class Log:
    """Writes one-line diagnostics to a stream, with registered secrets masked."""

    def __init__(self, *, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self._masked: list[str] = []

    def mask(self, value: str) -> None:
        """Never let `value` (a secret or a token) appear in a line written from now on."""
        if len(value) >= MIN_MASKED and value not in self._masked:
            self._masked.append(value)
            self._masked.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every registered value replaced by ***."""
        for value in self._masked:
            text = text.replace(value, MASK)
        return text

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
