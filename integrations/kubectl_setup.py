"""`configure kubectl` / `unconfigure kubectl`: a cluster, a user whose exec plugin is this helper, and a context.

The changes are made by kubectl itself (`kubectl config set-cluster / set-credentials / set-context`, and the
`delete-*` twins), run on a copy of the kubeconfig files (KUBECONFIG, else ~/.kube/config); each file kubectl
changed then replaces the original atomically, after a backup. Only commands whose entry differs from what is
wanted are run, so a second run changes nothing. The user is named `rightbrain-<cluster>`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from typing import Any
from urllib.parse import urlsplit

from rightbrain_helper.errors import ConfigError, UsageError

from .files import installed_script, read_text, replace_text
from .hostlist import add_host, remove_host
from .kubectl import V1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

USER_PREFIX = "rightbrain-"
HELPER = "rightbrain-helper"
KUBECTL_TIMEOUT = 60.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The kubectl options of configure and unconfigure."""
    parser.add_argument("--cluster", required=True, help="cluster entry name in the kubeconfig")
    parser.add_argument("--server", default="", help="the API server's https:// URL (configure: required)")
    parser.add_argument("--certificate-authority", default="", help="CA file (PEM) for the API server")
    parser.add_argument("--context", default="", help="context entry name (default: the cluster name)")


def apply(options: argparse.Namespace, runtime: Runtime, *, install: bool, dry_run: bool) -> list[str]:
    """Plan the kubectl commands from the kubeconfig as it is, run them (unless dry-run), then the host list."""
    kubectl = _kubectl(runtime.env)
    view = _view(kubectl, runtime.env)
    if install:
        commands = configure_commands(view, options, installed_script(HELPER, runtime.env))
    else:
        commands = unconfigure_commands(view, options)
    lines = [f"{'would run' if dry_run else 'run'}: kubectl {shlex.join(command)}" for command in commands]
    if not commands:
        lines.append("unchanged: kubeconfig (already as wanted)")
    elif not dry_run:
        lines += _run_on_copies(kubectl, commands, kubeconfig_files(runtime.env), runtime.env)
    server = options.server or (_named(view, "clusters", options.cluster) or {}).get("server", "")
    host = urlsplit(server).netloc.rpartition("@")[2].lower()
    if host and install:
        lines.append(
            add_host(runtime.context().path, host, {"profile": options.profile}, tool="kubectl", dry_run=dry_run)
        )
    elif host:
        lines.append(remove_host(runtime.context().path, host, tool="kubectl", dry_run=dry_run))
    return lines


def configure_commands(view: Mapping[str, Any], options: argparse.Namespace, helper: str) -> list[list[str]]:
    """The commands that make the cluster, the user and the context what configure wants; [] when they are."""
    cluster, context, user = _names(options)
    commands: list[list[str]] = []
    wanted = {"server": _https_server(options.server)}
    if options.certificate_authority:
        wanted["certificate-authority"] = _ca_file(options.certificate_authority)
    if not _has(_named(view, "clusters", cluster), wanted):
        commands.append(["config", "set-cluster", cluster, *[f"--{key}={value}" for key, value in wanted.items()]])
    args = ["kubectl", *([f"--profile={options.profile}"] if options.profile else [])]
    existing = _named(view, "users", user)
    if existing is not None and set(existing) - {"exec"}:
        commands.append(["config", "delete-user", user])  # a token or certificate there would clash with exec
    wanted_exec = {"apiVersion": V1, "command": helper, "args": args, "interactiveMode": "Never"}
    if existing is None or set(existing) - {"exec"} or not _has(existing.get("exec"), wanted_exec):
        exec_args = [f"--exec-arg={arg}" for arg in args]
        flags = [f"--exec-api-version={V1}", f"--exec-command={helper}", *exec_args, "--exec-interactive-mode=Never"]
        commands.append(["config", "set-credentials", user, *flags])
    if not _has(_named(view, "contexts", context), {"cluster": cluster, "user": user}):
        commands.append(["config", "set-context", context, f"--cluster={cluster}", f"--user={user}"])
    if not view.get("current-context"):
        commands.append(["config", "use-context", context])
    return commands


def unconfigure_commands(view: Mapping[str, Any], options: argparse.Namespace) -> list[list[str]]:
    """Delete the context and user configure made, and then the cluster unless another context still uses it."""
    cluster, context, user = _names(options)
    commands: list[list[str]] = []
    drop_context = (_named(view, "contexts", context) or {}).get("user") == user
    if drop_context:
        commands.append(["config", "delete-context", context])
        if view.get("current-context") == context:
            commands.append(["config", "unset", "current-context"])
    drop_user = os.path.basename(((_named(view, "users", user) or {}).get("exec") or {}).get("command", "")) == HELPER
    if drop_user:
        commands.append(["config", "delete-user", user])
    still_used = any(
        (item.get("context") or {}).get("cluster") == cluster and not (drop_context and item.get("name") == context)
        for item in view.get("contexts") or []
    )
    if (drop_context or drop_user) and not still_used and _named(view, "clusters", cluster) is not None:
        commands.append(["config", "delete-cluster", cluster])
    return commands


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
            _kubectl_run(kubectl, command, {**env, "KUBECONFIG": os.pathsep.join(copies)})
        for original, copy in zip(files, copies, strict=True):
            text = read_text(copy)
            if os.path.exists(copy) and text != read_text(original):
                saved = replace_text(os.path.realpath(original), text)
                lines.append(f"wrote {original}" + (f" (backup: {saved})" if saved else ""))
    return lines


def _kubectl(env: Mapping[str, str]) -> str:
    """kubectl on the PATH of the environment the command runs in."""
    found = shutil.which("kubectl", path=env.get("PATH"))
    if not found:
        raise ConfigError("kubectl is not on PATH; install it first (configure uses kubectl's own config commands)")
    return found


def _kubectl_run(kubectl: str, command: list[str], env: Mapping[str, str]) -> str:
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


def _view(kubectl: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The merged kubeconfig as kubectl sees it (secrets redacted: no --raw)."""
    text = _kubectl_run(kubectl, ["config", "view", "-o", "json"], env)
    try:
        view = json.loads(text)
    except ValueError:
        raise ConfigError("kubectl config view did not print JSON; is kubectl working?") from None
    return view if isinstance(view, dict) else {}


def _named(view: Mapping[str, Any], section: str, name: str) -> dict[str, Any] | None:
    """The body of the `section` entry called `name` (its "cluster", "user" or "context" object), or None."""
    for item in view.get(section) or []:
        if isinstance(item, dict) and item.get("name") == name:
            body = item.get(section[:-1])
            return body if isinstance(body, dict) else {}
    return None


def _names(options: argparse.Namespace) -> tuple[str, str, str]:
    """The cluster, context and user entry names."""
    return options.cluster, options.context or options.cluster, USER_PREFIX + options.cluster


def _has(actual: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """Whether `actual` exists and every wanted key has the wanted value there."""
    return actual is not None and all(actual.get(key) == value for key, value in wanted.items())


def _https_server(server: str) -> str:
    """The --server URL, required to be https:// with a host (kubectl sends credentials only over TLS)."""
    if not server:
        raise UsageError("configure kubectl needs --server https://HOST[:PORT]")
    parts = urlsplit(server)
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(f"--server {server!r}: use https://HOST[:PORT]; kubectl sends credentials only over https")
    return server


def _ca_file(path: str) -> str:
    """The CA file as an absolute path (kubectl would read a relative one from the kubeconfig's directory)."""
    absolute = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(absolute):
        raise UsageError(f"--certificate-authority {path!r}: no such file")
    return absolute
