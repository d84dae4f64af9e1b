"""Running kubectl's own `config` commands for configure: on copies of the kubeconfig files, each file kubectl
changed then replacing its original atomically after a backup, so a failing command leaves every file as it was.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from typing import Any

from rightbrain_helper.errors import ConfigError

from .changes import Change
from .files import read_text, replace_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

KUBECTL_TIMEOUT = 60.0


class KubectlCommands(Change):
    """kubectl config commands, run on copies of the kubeconfig files; each changed file then replaces its
    original atomically, after a backup."""

    def __init__(self, kubectl: str, commands: list[list[str]], files: list[str], env: Mapping[str, str]) -> None:
        super().__init__("unchanged: kubeconfig (already as wanted)")
        self.kubectl, self.commands, self.files, self.env = kubectl, commands, files, env

    def preview(self) -> list[str]:
        """The commands, as --dry-run shows them."""
        return [f"would run: kubectl {shlex.join(command)}" for command in self.commands] or [self.line]

    def apply(self) -> list[str]:
        """Run the commands and write the files they changed."""
        if not self.commands:
            return [self.line]
        lines = [f"run: kubectl {shlex.join(command)}" for command in self.commands]
        return lines + _run_on_copies(self.kubectl, self.commands, self.files, self.env)


def kubeconfig_files(env: Mapping[str, str]) -> list[str]:
    """The files kubectl reads and may write: KUBECONFIG's list (in order, once each), else ~/.kube/config."""
    listed = [item for item in env.get("KUBECONFIG", "").split(os.pathsep) if item]
    if not listed:
        listed = [os.path.join(env.get("HOME") or os.path.expanduser("~"), ".kube", "config")]
    return list(dict.fromkeys(os.path.abspath(item) for item in listed))


def _run_on_copies(kubectl: str, commands: list[list[str]], files: list[str], env: Mapping[str, str]) -> list[str]:
    """Run `commands` against copies of `files`, then atomically replace (after a backup) each one they changed."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="rightbrain-kubeconfig-") as scratch:
        copies = [os.path.join(scratch, str(index), "config") for index in range(len(files))]
        for original, copy in zip(files, copies, strict=True):
            os.makedirs(os.path.dirname(copy))
            if os.path.exists(original):
                shutil.copyfile(original, copy)
        for command in commands:
            kubectl_run(kubectl, command, {**env, "KUBECONFIG": os.pathsep.join(copies)})
        for original, copy in zip(files, copies, strict=True):
            text = read_text(copy)
            if os.path.exists(copy) and text != read_text(original):
                saved = replace_text(os.path.realpath(original), text)
                lines.append(f"wrote {original}" + (f" (backup: {saved})" if saved else ""))
    return lines


def find_kubectl(env: Mapping[str, str]) -> str:
    """kubectl on the PATH of the environment the command runs in."""
    found = shutil.which("kubectl", path=env.get("PATH"))
    if not found:
        raise ConfigError("kubectl is not on PATH; install it first (configure uses kubectl's own config commands)")
    return found


def kubectl_run(kubectl: str, command: list[str], env: Mapping[str, str]) -> str:
    """Run one kubectl command; its own error message, on one line, if it fails."""
    try:
        done = subprocess.run(
            [kubectl, *command], env=dict(env), capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=KUBECTL_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"kubectl {command[0]} {command[1]} did not run: {exc}") from None
    if done.returncode != 0:
        message = " ".join(done.stderr.split())[:300]
        raise ConfigError(f"kubectl {shlex.join(command)} failed (exit {done.returncode}): {message}")
    return done.stdout


def view_config(kubectl: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The merged kubeconfig as kubectl sees it (secrets redacted: no --raw)."""
    text = kubectl_run(kubectl, ["config", "view", "-o", "json"], env)
    try:
        view = json.loads(text)
    except ValueError:
        raise ConfigError("kubectl config view did not print JSON; is kubectl working?") from None
    return view if isinstance(view, dict) else {}
