"""`configure kubectl` / `unconfigure kubectl`: a cluster, a user whose exec plugin is this helper, and a context.

The changes are made by kubectl itself (`kubectl config set-cluster / set-credentials / set-context`, and the
`delete-*` twins), run on a copy of the kubeconfig files (KUBECONFIG, else ~/.kube/config); each file kubectl
changed then replaces the original atomically, after a backup. Only commands whose entry differs from what is
wanted are run, so a second run changes nothing; --profile left out keeps the user's current one. The user is
named `rightbrain-<cluster>`. unconfigure deletes every context using that user, the user, and the cluster unless
another context uses it, and names what it leaves.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from rightbrain_helper.errors import UsageError
from rightbrain_helper.netaddr import join_authority, parse_url

from .changes import Plan
from .files import installed_script
from .hostlist import plan_add_host, plan_remove_host
from .kubeconfig import KubectlCommands, find_kubectl, kubeconfig_files, view_config
from .kubectl import V1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

USER_PREFIX = "rightbrain-"
HELPER = "rightbrain-helper"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The kubectl options of configure and unconfigure."""
    parser.add_argument("--cluster", required=True, help="cluster entry name in the kubeconfig")
    parser.add_argument("--server", default="", help="the API server's https:// URL (configure: required)")
    parser.add_argument("--certificate-authority", default="", help="CA file (PEM) for the API server")
    parser.add_argument("--context", default="", help="context entry name (configure; default: the cluster name)")


def plan(options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
    """Plan the kubectl commands from the kubeconfig as it is, then the host-list change."""
    kubectl = find_kubectl(runtime.env)
    view = view_config(kubectl, runtime.env)
    cluster, context, user = _names(options)
    if install:
        profile = options.profile if options.profile is not None else _current_profile(view, user)
        result = Plan(profile=profile)
        commands = configure_commands(view, options, installed_script(HELPER, runtime.env), profile)
        result.notes.append(_context_note(view, context))
    else:
        result = Plan()
        commands, kept = unconfigure_commands(view, options)
        result.notes += kept
    result.add(KubectlCommands(kubectl, commands, kubeconfig_files(runtime.env), runtime.env))
    server = options.server or (_named(view, "clusters", cluster) or {}).get("server", "")
    url = parse_url(server) if "://" in server else None
    host = join_authority(url.host, url.port) if url is not None else ""
    path = runtime.context().path
    if host and install:
        result.add(plan_add_host(path, host, {"profile": result.profile}, tool="kubectl"))
    elif host:
        result.add(plan_remove_host(path, host, tool="kubectl"))
    return result


def configure_commands(
    view: Mapping[str, Any], options: argparse.Namespace, helper: str, profile: str = ""
) -> list[list[str]]:
    """The commands that make the cluster, the user and the context what configure wants; [] when they are."""
    cluster, context, user = _names(options)
    commands: list[list[str]] = []
    wanted = {"server": _https_server(options.server)}
    if options.certificate_authority:
        wanted["certificate-authority"] = _ca_file(options.certificate_authority)
    if not _has(_named(view, "clusters", cluster), wanted):
        commands.append(["config", "set-cluster", cluster, *[f"--{key}={value}" for key, value in wanted.items()]])
    args = ["kubectl", *([f"--profile={profile}"] if profile else [])]
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


def unconfigure_commands(view: Mapping[str, Any], options: argparse.Namespace) -> tuple[list[list[str]], list[str]]:
    """Delete every context that uses the user configure made, that user, and the cluster unless a context
    configure did not make still uses it; and a line for each entry left, saying why."""
    cluster, _, user = _names(options)
    commands: list[list[str]] = []
    kept: list[str] = []
    ours = _is_ours(_named(view, "users", user))
    if _named(view, "users", user) is not None and not ours:
        kept.append(f"left user {user}: its credential is not this helper's exec plugin")
    dropped = []
    for item in _entries(view, "contexts"):
        if (item.get("context") or {}).get("user") == user and ours:
            dropped.append(item.get("name"))
            commands.append(["config", "delete-context", str(item.get("name"))])
            if view.get("current-context") == item.get("name"):
                commands.append(["config", "unset", "current-context"])
    if ours:
        commands.append(["config", "delete-user", user])
    users = [
        str(item.get("name"))
        for item in _entries(view, "contexts")
        if (item.get("context") or {}).get("cluster") == cluster and item.get("name") not in dropped
    ]
    if users and _named(view, "clusters", cluster) is not None:
        kept.append(f"left cluster {cluster}: context {', '.join(users)} still uses it")
    elif ours and _named(view, "clusters", cluster) is not None:
        commands.append(["config", "delete-cluster", cluster])
    return commands, kept


def _entries(view: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    """The named entries of a kubeconfig section (clusters, users, contexts)."""
    return [item for item in view.get(section) or [] if isinstance(item, dict)]


def _is_ours(user: Mapping[str, Any] | None) -> bool:
    """Whether a user entry's credential is this helper's exec plugin."""
    command = ((user or {}).get("exec") or {}).get("command", "")
    return os.path.basename(str(command)) == HELPER


def _current_profile(view: Mapping[str, Any], user: str) -> str:
    """The --profile=P argument the existing user's exec plugin runs with, or ""."""
    args = (((_named(view, "users", user) or {}).get("exec") or {}).get("args")) or []
    return next((arg.removeprefix("--profile=") for arg in args if str(arg).startswith("--profile=")), "")


def _context_note(view: Mapping[str, Any], context: str) -> str:
    """Whether configure made `context` the current context, and how to switch to it if not."""
    current = view.get("current-context")
    if not current:
        return f"current context: {context} (configure makes it current: the kubeconfig had none)"
    if current == context:
        return f"current context: {context}"
    return (
        f"current context: {current}, unchanged; to use {context}: kubectl config use-context {context} "
        f"(or kubectl --context {context} ...)"
    )


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
    url = parse_url(server) if "://" in server else None
    if url is None or url.scheme != "https":
        raise UsageError(f"--server {server!r}: use https://HOST[:PORT]; kubectl sends credentials only over https")
    return server


def _ca_file(path: str) -> str:
    """The CA file as an absolute path (kubectl would read a relative one from the kubeconfig's directory)."""
    absolute = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(absolute):
        raise UsageError(f"--certificate-authority {path!r}: no such file")
    return absolute
