"""`rightbrain-helper configure|unconfigure terraform --host HOST`: terraform's CLI config, its plugin directory
and the helper's host list.

configure adds the host to the host list, writes this block to the CLI config (`TF_CLI_CONFIG_FILE`, else
`~/.terraformrc`), between marker comments:

    credentials_helper "rightbrain" {
      args = []
    }

and links `~/.terraform.d/plugins/terraform-credentials-rightbrain` to the installed console script: terraform
looks for credentials helpers there, never on PATH. The CLI config may hold one `credentials_helper` only: if it
has another, configure stops. Every check (the host list, the CLI config, the plugin path, the profile) is made
before the first write; a second run changes nothing; --profile left out keeps the host's profile. unconfigure
takes the host off the list; the block and the link go with the last terraform host (and are named when they
stay, with the reason).
Sources: terraform `website/docs/cli/config/config-file.mdx`, `internals/credentials-helpers.mdx`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rightbrain_helper.errors import ConfigError

from .changes import Change, FileEdit, Plan, RemoveSymlink, Symlink, link_target
from .files import installed_script, read_text
from .hostarg import host_name, parse_server
from .hostlist import configured_for, plan_add_host, plan_remove_host, wanted_fields
from .marked import find_block, with_block, without_block
from .terraform import TOOL

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

HELPER = "terraform-credentials-rightbrain"
BLOCK = 'credentials_helper "rightbrain" {\n  args = []\n}\n'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--host."""
    parser.add_argument("--host", required=True, help="service host as in module sources: HOST or HOST:PORT")


def plan(options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
    """The changes that configure (or unconfigure) terraform for one host."""
    host = parse_host(options.host)
    hosts_file = runtime.context().path
    config, link = cli_config_path(runtime.env), plugin_path(runtime.env)
    if install:
        fields = {"profile": options.profile}
        result = Plan(profile=wanted_fields(read_text(hosts_file), host, fields)["profile"])
        result.add(plan_add_host(hosts_file, host, fields, tool=TOOL))
        result.add(plan_cli_config(config, install=True))
        result.add(plan_link(link, installed_script(HELPER, runtime.env)))
        return result
    result = Plan()
    result.add(plan_remove_host(hosts_file, host, tool=TOOL))
    others = [name for name in configured_for(read_text(hosts_file), TOOL) if name != host]
    if others:
        result.add(Change(f"unchanged: {config} and {link} (still used for {', '.join(others)})"))
        return result
    result.add(plan_cli_config(config, install=False))
    result.add(plan_unlink(link))
    return result


def parse_host(text: str) -> str:
    """HOST[:PORT] as terraform names a service host: canonical (helper/netaddr.py), `:443` dropped; `https://` may
    be given."""
    url = parse_server(text, "--host", "the service host as in module sources, HOST or HOST:PORT")
    return host_name(url, keep_default_port=False)


def cli_config_path(env: Mapping[str, str]) -> str:
    """The CLI config terraform reads: TF_CLI_CONFIG_FILE, else ~/.terraformrc (HOME from `env`)."""
    if env.get("TF_CLI_CONFIG_FILE"):
        return os.path.abspath(os.path.expanduser(env["TF_CLI_CONFIG_FILE"]))
    return os.path.join(env.get("HOME") or os.path.expanduser("~"), ".terraformrc")


def plugin_path(env: Mapping[str, str]) -> str:
    """Where terraform finds the helper: ~/.terraform.d/plugins/terraform-credentials-rightbrain."""
    return os.path.join(env.get("HOME") or os.path.expanduser("~"), ".terraform.d", "plugins", HELPER)


def with_helper_block(text: str, path: str) -> str:
    """The CLI config text with our credentials_helper block; refused if the file has another one or is JSON."""
    if text.lstrip().startswith("{") or path.endswith(".json"):
        raise ConfigError(
            f"{path} is terraform's JSON syntax; add the credentials_helper block by hand, nothing was changed"
        )
    span = find_block(text, TOOL, path)
    lines = text.splitlines(keepends=True)
    outside = lines if span is None else lines[: span[0]] + lines[span[1] :]
    if any(line.strip().startswith("credentials_helper") for line in outside):
        raise ConfigError(
            f"{path} already names a credentials_helper and terraform allows only one; "
            "remove it (or keep it and skip configure terraform), nothing was changed"
        )
    return with_block(text, TOOL, BLOCK, path)


def plan_cli_config(path: str, *, install: bool) -> Change:
    """The change that adds (or removes) our block in the CLI config."""
    text = read_text(path)
    updated = with_helper_block(text, path) if install else without_block(text, TOOL, path)
    if updated == text:
        state = "already as wanted" if install else "holds no block written by configure"
        return Change(f"unchanged: {path} ({state})")
    action = f'{"add" if install else "remove"} the credentials_helper "rightbrain" block {"to" if install else "from"}'
    return FileEdit(path, text, updated, f"{action} {path}")


def plan_link(link: str, target: str) -> Change:
    """The change that points `link` at the installed helper; an older link of ours is replaced, anything else
    is refused."""
    current = link_target(link)
    if current == target:
        return Change(f"unchanged: {link} (already links to {target})")
    if os.path.lexists(link) and not _is_ours(current):
        raise ConfigError(f"{link} exists and is not a link to {HELPER}; move it away first, nothing was changed")
    return Symlink(link, target, current)


def plan_unlink(link: str) -> Change:
    """The change that removes `link` if it is ours; else a line saying what is left and why."""
    current = link_target(link)
    if not os.path.lexists(link):
        return Change(f"unchanged: {link} (absent)")
    if not _is_ours(current):
        return Change(f"left {link}: not a link to {HELPER}")
    return RemoveSymlink(link, str(current))


def _is_ours(target: str | None) -> bool:
    """Whether a link target is named like our console script."""
    return target is not None and os.path.basename(target) == HELPER
