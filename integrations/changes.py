"""What `configure` plans: every change to every file is worked out (and every check made) before the first
change is made, so a failing check leaves all files as they were.

A tool's setup module returns a Plan: its Changes in order, notes to print after them, warnings for stderr, and
the profile the tool will use (checked before anything is written). `preview` says what a change would do
(--dry-run); `apply` makes it. Both return the lines to print.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError

from .files import read_text, replace_text


class Change:
    """One planned change; a bare Change changes nothing and just says so."""

    def __init__(self, line: str = "") -> None:
        self.line = line

    def preview(self) -> list[str]:
        """The lines --dry-run prints."""
        return [self.line]

    def apply(self) -> list[str]:
        """Make the change; the lines to print."""
        return [self.line]


class FileEdit(Change):
    """Replace a file's text (atomically, after a backup), provided it still holds what the plan was made from."""

    def __init__(self, path: str, original: str, updated: str, action: str, *, default_mode: int = 0o600) -> None:
        super().__init__(f"would {action}")
        self.path = path
        self.original = original
        self.updated = updated
        self.action = action
        self.default_mode = default_mode

    def apply(self) -> list[str]:
        """Write the new text; refuse if someone changed the file since it was read."""
        if read_text(self.path) != self.original:
            raise ConfigError(f"{self.path} changed while configure ran; it was left as it is, run configure again")
        saved = replace_text(self.path, self.updated, default_mode=self.default_mode)
        return [f"did {self.action}" + (f" (backup: {saved})" if saved else "")]


class Plan:
    """A tool's planned changes, what to say after them, and the profile the tool will use."""

    def __init__(self, profile: str | None = None) -> None:
        self.changes: list[Change] = []
        self.notes: list[str] = []  # stdout lines after the changes
        self.warnings: list[str] = []  # stderr warnings after the changes
        self.profile = profile  # None: nothing to check (unconfigure); "": the default profile

    def add(self, change: Change) -> None:
        """Append a change."""
        self.changes.append(change)

    def run(self, *, dry_run: bool) -> list[str]:
        """Preview or apply every change, in order; the lines to print, notes last."""
        lines = [line for change in self.changes for line in (change.preview() if dry_run else change.apply())]
        return lines + self.notes
