"""kubectl: the kubeconfig users (as `kubectl config view` merges KUBECONFIG or ~/.kube/config; secrets stay
redacted) whose exec plugin is this helper. Each must ask for an ExecCredential apiVersion the helper answers,
run the `kubectl` command of an installed helper without prompting, and name a profile that resolves; the line
says which contexts and API servers use it. kubectl itself does not consult the host list."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from rightbrain_helper.errors import HelperError
from rightbrain_helper.netaddr import parse_url
from rightbrain_helper.settings.load import Overrides, resolve_settings

from ..contract import Request
from ..kubeconfig import view_config
from ..kubectl import API_VERSIONS, KUBECTL, TOOL
from ..kubectl_setup import HELPER
from .checks import Check, fail, info, ok
from .tools import entry_for, listed_for, missing_command, on_path

if TYPE_CHECKING:
    from rightbrain_helper.settings.hosts import HostEntry

    from .context import Doctor

SETUP = "rightbrain-helper configure kubectl --cluster NAME --server https://HOST:PORT"


def kubectl_checks(doctor: Doctor) -> list[Check]:
    """One line per kubeconfig user whose exec plugin is this helper, or one per problem with it."""
    try:
        listed = listed_for(doctor, TOOL)
    except HelperError:
        return []  # setup.config_file_check said why
    kubectl = on_path("kubectl", doctor.env)
    if not kubectl:
        return [info("kubectl: not on PATH, so the kubeconfig was not read")]
    view = view_config(kubectl, doctor.env)
    checks: list[Check] = []
    for name, plugin in _our_users(view):
        checks += _user_checks(doctor, view, name, plugin)
    for entry in listed:
        if TOOL not in doctor.served.get(entry.name, []):
            checks.append(
                info(
                    f"kubectl: {entry.name} is listed for kubectl, but no context of the kubeconfig "
                    "uses this helper for it (kubectl does not read the host list: nothing breaks)"
                )
            )
    return checks or [info(f"kubectl: not set up ({SETUP})")]


def _our_users(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(user name, its exec object) for each user whose exec command is this helper."""
    found = []
    for item in _entries(view, "users"):
        plugin = _table(_table(item.get("user")).get("exec"))
        if os.path.basename(str(plugin.get("command", ""))) == HELPER:
            found.append((str(item.get("name", "")), plugin))
    return found


def _entries(view: dict[str, Any], section: str) -> list[dict[str, Any]]:
    """The objects of a kubeconfig list (users, clusters, contexts); anything else in it is skipped."""
    items = view.get(section)
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _table(value: object) -> dict[str, Any]:
    """`value` if it is an object, else {} (a kubeconfig can hold anything where an object belongs)."""
    return value if isinstance(value, dict) else {}


def _user_checks(doctor: Doctor, view: dict[str, Any], name: str, plugin: dict[str, Any]) -> list[Check]:
    """apiVersion, command, arguments, interactive mode and profile of one user's exec plugin."""
    problems = []
    version = plugin.get("apiVersion")
    if version not in API_VERSIONS:
        problems.append(
            f"exec apiVersion {version!r}, which the helper does not answer (it answers "
            f"{' and '.join(API_VERSIONS)}; v1alpha1 is gone since Kubernetes 1.24)"
        )
    missing = missing_command(str(plugin.get("command", "")), doctor.env)
    if missing:
        problems.append(f"its exec command {missing}")
    raw_args = plugin.get("args")
    args = [str(arg) for arg in raw_args] if isinstance(raw_args, list) else []
    if args[:1] != ["kubectl"]:
        problems.append(f"its exec args {args} do not start with `kubectl`, so the helper does not act as a plugin")
    if plugin.get("interactiveMode") == "Always":
        problems.append("interactiveMode Always: kubectl runs it only with a terminal, the helper never prompts")
    profile = _profile_argument(args)
    try:
        settings, _ = resolve_settings(doctor.config(), Overrides(profile=profile, origin=f"kubeconfig user {name}"))
        profile = settings.profile
    except HelperError as exc:
        problems.append(f"its profile does not resolve: {exc}")
    used = _contexts(doctor, view, name)
    if problems:
        fix = f"fix: {_setup_for(used)}" if used else f"fix: {SETUP}"
        return [fail(f"kubectl: user {name}: {problem}; {fix}") for problem in problems]
    where = ", ".join(f"context {context} \u2192 {server or 'no server'}" for context, _, server in used)
    where = where or "no context uses it yet"
    return [ok(f"kubectl: user {name} runs this helper (exec {version}, profile {profile}): {where}")]


def _profile_argument(args: list[str]) -> str:
    """The value of --profile=P or --profile P in the plugin's arguments, or ""."""
    for index, arg in enumerate(args):
        if arg.startswith("--profile="):
            return arg.removeprefix("--profile=")
        if arg == "--profile" and index + 1 < len(args):
            return args[index + 1]
    return ""


def _setup_for(used: list[tuple[str, str, str]]) -> str:
    """The configure command that rewrites the user of the first context in `used`."""
    _, cluster, server = used[0]
    return f"rightbrain-helper configure kubectl --cluster {cluster} --server {server or 'https://HOST:PORT'}"


def _contexts(doctor: Doctor, view: dict[str, Any], user: str) -> list[tuple[str, str, str]]:
    """(context, cluster, server) for each context using `user`; each server's host-list entry is noted as
    served."""
    servers = {
        str(item.get("name")): str(_table(item.get("cluster")).get("server") or "")
        for item in _entries(view, "clusters")
    }
    used = []
    for item in _entries(view, "contexts"):
        body = _table(item.get("context"))
        if body.get("user") != user:
            continue
        cluster = str(body.get("cluster"))
        server = servers.get(cluster, "")
        used.append((str(item.get("name")), cluster, server))
        entry = _server_entry(doctor, server)
        if entry is not None:
            doctor.serve(entry.name, TOOL)
    return used


def _server_entry(doctor: Doctor, server: str) -> HostEntry | None:
    """The host-list entry for kubectl of an API server URL (https://HOST[:PORT], helper/netaddr.py), looked up
    as the adapter contract does (no port: the scheme's); None for a server that is no URL."""
    url = parse_url(server)
    if url is None:
        return None
    request = Request()
    request.scheme, request.host, request.port, request.path = url.astuple()
    return entry_for(doctor, KUBECTL, request)
