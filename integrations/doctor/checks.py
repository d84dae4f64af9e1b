"""One line of `doctor`'s report, and the shape of a check: a function (Doctor) -> list[Check]."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from .context import Doctor

OK = "ok"  # fine
FAIL = "fail"  # will go wrong: the line names the problem and the fix
INFO = "info"  # does not apply, or nothing to check yet: never a failure
MARKS = {OK: "\u2713", FAIL: "\u2717", INFO: "\u00b7"}  # ✓ ✗ ·
ASCII_MARKS = {OK: "ok", FAIL: "FAIL", INFO: "--"}  # for a stdout that cannot encode the marks


class Check:
    """One check's outcome: `status` (OK, FAIL or INFO) and one line of text, the fix included on FAIL."""

    __slots__ = ("line", "status")

    def __init__(self, status: str, line: str) -> None:
        if status not in MARKS:
            raise ValueError(f"unknown check status {status!r}")
        self.status = status
        self.line = line

    def __repr__(self) -> str:
        """For test failures."""
        return f"Check({self.status!r}, {self.line!r})"


CheckFunction: TypeAlias = Callable[["Doctor"], list[Check]]


def ok(line: str) -> Check:
    """A check that passed."""
    return Check(OK, line)


def fail(line: str) -> Check:
    """A check that failed; `line` says what will go wrong and the fix."""
    return Check(FAIL, line)


def info(line: str) -> Check:
    """Information: a check that does not apply (yet)."""
    return Check(INFO, line)


def from_pairs(pairs: list[tuple[bool, str]], prefix: str = "") -> list[Check]:
    """Checks from (ok, line) pairs, the shape fleet.admin.check_shared_cache and the client authentication
    methods' doctor_checks(settings) return; `prefix` names the part checked ("fleet tier: ")."""
    return [Check(OK if passed else FAIL, prefix + line) for passed, line in pairs]
