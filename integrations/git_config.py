"""`git config --global` for configure: reading values, and running planned commands after a backup.

Commands run with the runtime's environment, so GIT_CONFIG_GLOBAL and HOME apply; `read` sees every scope git
reads in the current directory (system, global, the repository's), for the check of helpers in effect.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import TYPE_CHECKING

from rightbrain_helper.errors import ConfigError, HelperError, one_line

from .changes import Change
from .files import backup

if TYPE_CHECKING:
    from collections.abc import Mapping


class GitConfig:
    """`git config --global`, run with the runtime's environment (so GIT_CONFIG_GLOBAL and HOME apply)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.path = global_config_path(env)

    def get_all(self, key: str) -> list[str]:
        """Every value of `key` in the global config, in file order."""
        return self._git(["--null", "--get-all", key], ok=(0, 1)).stdout.split("\0")[:-1]

    def section_keys(self, url: str) -> list[str]:
        """The names of the variables in the global `[credential "URL"]` section (with repeats)."""
        entries = self._git(["--null", "--list"], ok=(0, 1)).stdout.split("\0")[:-1]
        prefix = f"credential.{url}."
        keys = [entry.partition("\n")[0] for entry in entries]
        return [key[len(prefix) :] for key in keys if key.startswith(prefix) and "." not in key[len(prefix) :]]

    def read(self, args: list[str]) -> str:
        """`git config ARGS` over every scope git reads here (not only --global); "" when nothing matches."""
        return self._git(args, ok=(0, 1), scope=[]).stdout

    def _git(
        self, args: list[str], ok: tuple[int, ...] = (0,), scope: list[str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one git config command (--global unless `scope` says otherwise); git's complaint becomes the error."""
        argv = ["git", "config", *(["--global"] if scope is None else scope), *args]
        try:
            done = subprocess.run(
                argv, env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30, check=False
            )
        except FileNotFoundError:
            raise ConfigError("git is not on PATH; install git first") from None
        except subprocess.TimeoutExpired:
            raise HelperError(f"{shlex.join(argv)} took more than 30 s") from None
        if done.returncode not in ok:
            raise HelperError(f"{shlex.join(argv)} failed ({done.returncode}): {one_line(done.stderr, 200)}")
        return done


class GitCommands(Change):
    """`git config --global` commands planned for one URL, run after a backup of the file."""

    def __init__(self, git: GitConfig, commands: list[list[str]]) -> None:
        super().__init__(f"unchanged: {git.path} (already as wanted)")
        self.git = git
        self.commands = commands
        self.shown = [shlex.join(["git", "config", "--global", *args]) for args in commands]

    def preview(self) -> list[str]:
        """The commands, as --dry-run shows them."""
        return [f"would run: {text}" for text in self.shown] or [self.line]

    def apply(self) -> list[str]:
        """Back up the file, then run each command."""
        if not self.commands:
            return [self.line]
        saved = backup(self.git.path)
        lines = [f"did back up {self.git.path} to {saved}"] if saved else []
        for args, text in zip(self.commands, self.shown, strict=True):
            self.git._git(args)
            lines.append(f"did run: {text}")
        return lines


def global_config_path(env: Mapping[str, str]) -> str:
    """The file `git config --global` writes: GIT_CONFIG_GLOBAL, else ~/.gitconfig unless only the XDG one exists."""
    if env.get("GIT_CONFIG_GLOBAL"):
        return os.path.abspath(env["GIT_CONFIG_GLOBAL"])
    home = env.get("HOME") or os.path.expanduser("~")
    dotfile = os.path.join(home, ".gitconfig")
    xdg = os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "git", "config")
    return xdg if not os.path.exists(dotfile) and os.path.exists(xdg) else dotfile
