"""What `configure` plans: every change to every file is worked out (and every check made) before the first
change is made, so a failing check leaves all files as they were.

A tool's setup module returns a Plan: its Changes in order, notes to print after them, warnings for stderr, and
the profile the tool will use (checked before anything is written). `preview` says what a change would do
(--dry-run); `apply` makes it. Both return the lines to print. Every change re-checks, just before it writes, that
its file or link is still what the plan was made from.
"""

from __future__ import annotations

import os

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


class Symlink(Change):
    """Make `path` a symbolic link to `target` (atomically: a temporary link renamed over it), provided `path` is
    still what the plan saw: absent (`previous` None) or a link to `previous`."""

    def __init__(self, path: str, target: str, previous: str | None) -> None:
        super().__init__(f"would link {path} -> {target}")
        self.path = path
        self.target = target
        self.previous = previous

    def apply(self) -> list[str]:
        """Create the parent directories (0700) and the link; refuse if `path` changed since the plan."""
        if link_target(self.path) != self.previous or (self.previous is None and os.path.lexists(self.path)):
            raise ConfigError(f"{self.path} changed while configure ran; it was left as it is, run configure again")
        temporary = f"{self.path}.rightbrain-tmp"
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            if os.path.lexists(temporary):
                os.unlink(temporary)
            os.symlink(self.target, temporary)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise ConfigError(f"could not link {self.path} -> {self.target}: {exc.strerror or exc}") from None
        return [f"did link {self.path} -> {self.target}"]


class RemoveSymlink(Change):
    """Remove the symbolic link `path`, provided it still points at `target`."""

    def __init__(self, path: str, target: str) -> None:
        super().__init__(f"would remove {path}")
        self.path = path
        self.target = target

    def apply(self) -> list[str]:
        """Unlink; refuse if `path` changed since the plan (an absent link is already what was wanted)."""
        current = link_target(self.path)
        if current is None and not os.path.lexists(self.path):
            return [f"unchanged: {self.path} (already gone)"]
        if current != self.target:
            raise ConfigError(f"{self.path} changed while unconfigure ran; it was left as it is")
        try:
            os.unlink(self.path)
        except OSError as exc:
            raise ConfigError(f"could not remove {self.path}: {exc.strerror or exc}") from None
        return [f"did remove {self.path}"]


def link_target(path: str) -> str | None:
    """What the symbolic link `path` points at; None when `path` is absent or not a link."""
    try:
        return os.readlink(path)
    except OSError:  # absent (ENOENT), not a link (EINVAL), or unreadable
        return None
