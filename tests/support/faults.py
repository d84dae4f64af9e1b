"""Fault injection into OS calls, in this process: an OS call on a chosen path raises the OSError a read-only,
full, over-quota or forbidden filesystem would (the tests run as root, whom permission bits do not stop).

Only the os functions the helper's cache code calls are wrapped, and only a path that ends with a rule's suffix
fails; everything else goes straight through.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from typing import Any

import pytest

PATH_CALLS = ("open", "mkdir", "lstat", "listdir", "unlink", "rmdir")  # the path is the first argument
FD_CALLS = ("write", "fsync")  # the path is looked up from the descriptor
REPLACE = "replace"  # the path is the target
FLOCK = "flock"  # fcntl.flock, by descriptor


class Faults:
    """Rules (call, path suffix, errno) checked by wrappers around os functions while the fixture is active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rules: list[tuple[str, str, int]] = []
        self.hits: list[tuple[str, str]] = []
        for name in PATH_CALLS:
            monkeypatch.setattr(os, name, self._by_path(name, getattr(os, name)))
        for name in FD_CALLS:
            monkeypatch.setattr(os, name, self._by_fd(name, getattr(os, name)))
        monkeypatch.setattr(os, REPLACE, self._replace(os.replace))
        monkeypatch.setattr(fcntl, FLOCK, self._by_fd(FLOCK, fcntl.flock))

    def fail(self, call: str, suffix: str, code: int) -> None:
        """From now on, `call` on a path ending with `suffix` raises OSError(`code`)."""
        assert call in (*PATH_CALLS, *FD_CALLS, REPLACE, FLOCK), call
        self.rules.append((call, suffix, code))

    def clear(self) -> None:
        """No more faults."""
        self.rules.clear()

    def _check(self, call: str, path: object) -> None:
        """Raise the first matching rule's error."""
        text = os.fsdecode(path) if isinstance(path, str | bytes) else ""
        for rule_call, suffix, code in self.rules:
            if rule_call == call and text and text.endswith(suffix):
                self.hits.append((call, text))
                raise OSError(code, os.strerror(code), text)

    def _by_path(self, call: str, real: Callable[..., Any]) -> Callable[..., Any]:
        """`real` with the path (first argument) checked first."""

        def wrapper(path: object = ".", *args: object, **kwargs: object) -> Any:
            self._check(call, path)
            return real(path, *args, **kwargs)

        return wrapper

    def _by_fd(self, call: str, real: Callable[..., Any]) -> Callable[..., Any]:
        """`real` with the path behind the descriptor (first argument) checked first."""

        def wrapper(fd: Any, *args: object, **kwargs: object) -> Any:
            number = fd if isinstance(fd, int) else fd.fileno()
            if self.rules:
                self._check(call, os.readlink(f"/proc/self/fd/{number}"))
            return real(fd, *args, **kwargs)

        return wrapper

    def _replace(self, real: Callable[..., Any]) -> Callable[..., Any]:
        """os.replace with the target checked first."""

        def wrapper(source: object, target: object, *args: object, **kwargs: object) -> Any:
            self._check(REPLACE, target)
            return real(source, target, *args, **kwargs)

        return wrapper
