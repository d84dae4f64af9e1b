"""`rightbrain-helper configure|unconfigure docker --registry R`: docker's config.json and the helper's host list.

configure sets `credHelpers[R] = "rightbrain"` in `$DOCKER_CONFIG/config.json` (default ~/.docker/config.json),
editing the file as JSON: every other key is kept in its order, the indentation is the file's own (a tab, as
docker writes, for a new file), the write is atomic and the old file is backed up. unconfigure removes the entry
only when it names "rightbrain". Docker Hub (docker.io, index.docker.io, registry-1.docker.io) is keyed
`https://index.docker.io/v1/`, the only key docker consults for it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import TYPE_CHECKING, Any

from rightbrain_helper.errors import ConfigError, UsageError
from rightbrain_helper.netaddr import join_authority, parse_url

from .changes import Change, FileEdit, Plan
from .docker import HUB_ALIASES, HUB_HOST, HUB_KEY, IDENTITY_TOKEN_USERNAME, NAME, TOOL
from .files import read_text
from .hostlist import plan_add_host, plan_remove_host, wanted_fields

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

HELPER = "rightbrain"  # docker runs docker-credential-<this>


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--registry (required) and --username."""
    parser.add_argument(
        "--registry",
        required=True,
        help="registry host as in image names (HOST or HOST:PORT; docker.io for Docker Hub)",
    )
    parser.add_argument(
        "--username", default=None, help="username docker sends with the token (default: oauth2; '' goes back to it)"
    )


def plan(options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
    """Point docker at the helper for the registry and list the registry as a host (or undo both)."""
    key, host = registry_names(options.registry)
    path = os.path.realpath(docker_config_path(runtime.env))
    hosts_file = runtime.context().path
    if not install:
        result = Plan()
        result.add(plan_docker_config(path, key, install=False))
        result.add(plan_remove_host(hosts_file, host, tool=TOOL))
        return result
    if options.username == IDENTITY_TOKEN_USERNAME:
        raise UsageError("--username '<token>' would make docker send the token as a refresh token; choose another")
    fields = {"profile": options.profile, "username": options.username}
    result = Plan(profile=wanted_fields(read_text(hosts_file), host, fields)["profile"])
    result.add(plan_add_host(hosts_file, host, fields, tool=TOOL))
    result.add(plan_docker_config(path, key, install=True))
    if shutil.which(NAME, path=runtime.env.get("PATH", os.defpath)) is None:
        result.warnings.append(f"{NAME} is not on PATH; docker looks for it there and goes on without credentials")
    return result


def registry_names(registry: str) -> tuple[str, str]:
    """(credHelpers key, host-list name) for --registry: scheme and path dropped, HOST[:PORT] canonical
    (helper/netaddr.py); Docker Hub keyed as docker keys it."""
    url = parse_url(registry.strip(), scheme="https")
    if url is None or url.userinfo:
        raise UsageError(f"--registry {registry!r} is not a registry host (HOST or HOST:PORT, as in image names)")
    if url.host in HUB_ALIASES:
        return HUB_KEY, HUB_HOST
    name = join_authority(url.host, url.port)
    return name, name


def docker_config_path(env: Mapping[str, str]) -> str:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (HOME from `env`), as the docker CLI does."""
    directory = env.get("DOCKER_CONFIG") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".docker")
    return os.path.join(os.path.expanduser(directory), "config.json")


def plan_docker_config(path: str, key: str, *, install: bool) -> Change:
    """The change that sets (or removes, if ours) `credHelpers[key]` in the config file."""
    text = read_text(path)
    data = parse_config(text, path)
    helpers = data.get("credHelpers", {})
    if not isinstance(helpers, dict):
        raise ConfigError(f"credHelpers in {path} is not a JSON object; fix it by hand, nothing was changed")
    current = helpers.get(key)
    entry = f"credHelpers[{json.dumps(key)}]"
    if install:
        if current == HELPER:
            return Change(f'unchanged: {path} ({entry} is already "{HELPER}")')
        helpers[key] = HELPER
        data["credHelpers"] = helpers
        action = f'set {entry} = "{HELPER}" in {path}' + (f" (was {json.dumps(current)})" if current else "")
    else:
        if current != HELPER:
            state = "absent" if current is None else f"{json.dumps(current)}, not this helper: left as it is"
            return Change(f"unchanged: {path} ({entry} is {state})")
        del helpers[key]
        if not helpers:
            del data["credHelpers"]
        action = f"remove {entry} from {path}"
    return FileEdit(path, text, render_config(data, text), action)


def parse_config(text: str, path: str) -> dict[str, Any]:
    """The config file's object ({} for a missing or empty file); anything else is reported, never overwritten."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); fix it first, nothing was changed") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object; fix it first, nothing was changed")
    return data


def render_config(data: dict[str, Any], original: str) -> str:
    """`data` as JSON in the original's layout: its indent (tab for a new file), or one line if it was one line;
    a trailing newline kept, added for a new file."""
    indent = detect_indent(original)
    if indent is None:
        separators = (", ", ": ") if ": " in original else (",", ":")
        text = json.dumps(data, ensure_ascii=False, separators=separators)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=indent)
    return text + ("\n" if original.endswith("\n") or not original.strip() else "")


def detect_indent(original: str) -> str | None:
    """The whitespace of the first indented line; a tab for an empty file or `{}`; None for a one-line file."""
    if original.strip() in ("", "{}"):
        return "\t"
    lines = original.strip().splitlines()
    if len(lines) < 2:
        return None
    for line in lines[1:]:
        content = line.lstrip(" \t")
        if content and len(content) < len(line):
            return line[: len(line) - len(content)]
    return "\t"
