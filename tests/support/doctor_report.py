"""Reading `rightbrain-helper doctor` output in tests: its check lines as (mark, text), the summary line, and
the environment that points every tool's configuration into the test's own directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rightbrain_helper.secret_forms import secret_forms

BIN_DIR = Path(sys.executable).parent
OK, FAIL, INFO = "\u2713", "\u2717", "\u00b7"


class Report:
    """doctor's exit code and stdout, split into check lines and the summary (its last line)."""

    def __init__(self, code: int, stdout: str, stderr: str = "") -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr
        *lines, self.summary = stdout.splitlines() or [""]
        assert all(line[:1] in (OK, FAIL, INFO) and line[1:2] == " " for line in lines), stdout
        self.lines = [(line[:1], line[2:]) for line in lines]

    def marked(self, mark: str) -> list[str]:
        """The texts of the lines with `mark`."""
        return [text for found, text in self.lines if found == mark]

    def line(self, start: str) -> tuple[str, str]:
        """The one line whose text starts with `start`: (mark, text)."""
        matches = [(mark, text) for mark, text in self.lines if text.startswith(start)]
        assert len(matches) == 1, (start, self.stdout)
        return matches[0]

    def __repr__(self) -> str:
        """The whole output, for assertion messages."""
        return f"exit {self.code}\n{self.stdout}{self.stderr}"


def assert_no_secret(text: str, secret: str) -> None:
    """No form of `secret` a request carries (raw, percent-encoded, base64 inside Basic, ...) is in `text`."""
    for form in secret_forms(secret):
        assert form not in text, f"secret form {form!r} in output"


def tools_env(env: dict[str, str], root: Path) -> dict[str, str]:
    """`env` with git, docker, kubectl, terraform and cargo configuration under `root` (no system git config, no
    prompts) and the helper's console scripts first on PATH, as an installed helper would have them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "gitconfig").touch()
    return {
        **env,
        "GIT_CONFIG_GLOBAL": str(root / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "DOCKER_CONFIG": str(root / "docker"),
        "KUBECONFIG": str(root / "kubeconfig"),
        "TF_CLI_CONFIG_FILE": str(root / "terraformrc"),
        "CARGO_HOME": str(root / "cargo"),
        "PATH": f"{BIN_DIR}{os.pathsep}{env.get('PATH', os.defpath)}",
    }
