"""`rightbrain-helper configure|unconfigure terraform --host HOST`: terraform's CLI config, its plugin directory
and the helper's host list.

configure adds the host to the host list, writes this block to the CLI config (`TF_CLI_CONFIG_FILE`, else
`~/.terraformrc`), between marker comments:

    credentials_helper "rightbrain" {
      args = []
    }

and links `~/.terraform.d/plugins/terraform-credentials-rightbrain` to the installed console script: terraform
looks for credentials helpers there, never on PATH. The CLI config may hold one `credentials_helper` only: if it
has another, configure stops. unconfigure takes the host off the list; the block and the link go with the last
terraform host. Sources: terraform `website/docs/cli/config/config-file.mdx`, `internals/credentials-helpers.mdx`.
"""

from __future__ import annotations

import os
import tomllib
from typing import TYPE_CHECKING

from rightbrain_helper.errors import ConfigError, UsageError
from rightbrain_helper.settings.hosts import split_host_port

from .files import installed_script, read_text
from .hostlist import OWNERS, add_host, remove_host
from .marked import find_block, with_block, without_block, write_change

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

TOOL = "terraform"
HELPER = "terraform-credentials-rightbrain"
BLOCK = 'credentials_helper "rightbrain" {\n  args = []\n}\n'
HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--host."""
    parser.add_argument("--host", required=True, help="service host as in module sources: HOST or HOST:PORT")


def apply(options: argparse.Namespace, runtime: Runtime, *, install: bool, dry_run: bool) -> list[str]:
    """Configure (or unconfigure) terraform for one host; one line per change made or planned."""
    host = parse_host(options.host)
    hosts_file = runtime.context().path
    config, link = cli_config_path(runtime.env), plugin_path(runtime.env)
    if install:
        with_helper_block(read_text(config), config)  # refuse before the first write, not halfway
        check_link(link)
        return [
            add_host(hosts_file, host, {"profile": options.profile}, tool=TOOL, dry_run=dry_run),
            edit_cli_config(config, install=True, dry_run=dry_run),
            link_plugin(link, installed_script(HELPER, runtime.env), dry_run=dry_run),
        ]
    lines = [remove_host(hosts_file, host, tool=TOOL, dry_run=dry_run)]
    others = [name for name in terraform_hosts(hosts_file) if name != host]
    if others:
        return [*lines, f"unchanged: {config} and {link} (still used for {', '.join(others)})"]
    return [*lines, edit_cli_config(config, install=False, dry_run=dry_run), unlink_plugin(link, dry_run=dry_run)]


def parse_host(text: str) -> str:
    """HOST[:PORT] as terraform names a service host: lower case, `:443` dropped; `https://` may be given."""
    rest = text.strip().lower().removeprefix("https://").rstrip("/")
    host, port = split_host_port(rest)
    bad_port = port and not (port.isdigit() and 0 < int(port) < 65536)
    if not host or "/" in rest or "@" in rest or not set(host) <= HOST_CHARACTERS or bad_port:
        raise UsageError(f"--host {text!r}: give the service host as in module sources, HOST or HOST:PORT")
    return host if port in ("", "443") else f"{host}:{port}"


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
        raise ConfigError(f"{path} is terraform's JSON syntax; add the credentials_helper block by hand")
    span = find_block(text, TOOL, path)
    lines = text.splitlines(keepends=True)
    outside = lines if span is None else lines[: span[0]] + lines[span[1] :]
    if any(line.strip().startswith("credentials_helper") for line in outside):
        raise ConfigError(
            f"{path} already names a credentials_helper and terraform allows only one; "
            "remove it (or keep it and skip configure terraform), nothing was changed"
        )
    return with_block(text, TOOL, BLOCK, path)


def edit_cli_config(path: str, *, install: bool, dry_run: bool) -> str:
    """Add (or remove) our block in the CLI config; the line saying what happened."""
    text = read_text(path)
    updated = with_helper_block(text, path) if install else without_block(text, TOOL, path)
    if updated == text:
        return f"unchanged: {path} (already as wanted)"
    action = f'{"add" if install else "remove"} the credentials_helper "rightbrain" block {"to" if install else "from"}'
    return write_change(path, updated, f"{action} {path}", dry_run=dry_run)


def link_plugin(link: str, target: str, *, dry_run: bool) -> str:
    """Point `link` at the installed helper; an older link of ours is replaced, anything else is refused."""
    if os.path.islink(link) and os.readlink(link) == target:
        return f"unchanged: {link} (already links to {target})"
    check_link(link)
    if dry_run:
        return f"would link {link} -> {target}"
    os.makedirs(os.path.dirname(link), mode=0o700, exist_ok=True)
    temporary = f"{link}.rightbrain-tmp"
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.replace(temporary, link)
    return f"did link {link} -> {target}"


def check_link(link: str) -> None:
    """Refuse to replace anything at `link` but a link of ours."""
    if os.path.lexists(link) and not _is_our_link(link):
        raise ConfigError(f"{link} exists and is not a link to {HELPER}; move it away first, nothing was changed")


def unlink_plugin(link: str, *, dry_run: bool) -> str:
    """Remove `link` if it is ours."""
    if not os.path.lexists(link):
        return f"unchanged: {link} (absent)"
    if not _is_our_link(link):
        return f"unchanged: {link} (not a link to {HELPER}, kept)"
    if dry_run:
        return f"would remove {link}"
    os.unlink(link)
    return f"did remove {link}"


def terraform_hosts(hosts_file: str) -> list[str]:
    """The hosts the host list records as configured for terraform."""
    try:
        hosts = tomllib.loads(read_text(hosts_file)).get("hosts", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{hosts_file} is not valid TOML ({exc}); fix it first, nothing was changed") from None
    if not isinstance(hosts, dict):
        return []
    return [name for name, table in hosts.items() if isinstance(table, dict) and _owned(table.get(OWNERS))]


def _owned(owners: object) -> bool:
    """Whether a configured_by value names terraform."""
    return isinstance(owners, list) and TOOL in owners


def _is_our_link(path: str) -> bool:
    """A symlink whose target is named like our console script."""
    return os.path.islink(path) and os.path.basename(os.readlink(path)) == HELPER
