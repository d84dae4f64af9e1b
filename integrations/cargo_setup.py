"""`rightbrain-helper configure|unconfigure cargo --registry NAME --index URL [--no-bearer]`: cargo's config.toml
and the helper's host list.

configure adds the index URL's host[:port] to the host list and writes, between marker comments in
`$CARGO_HOME/config.toml` (default ~/.cargo/config.toml):

    [registries.NAME]
    index = "sparse+https://crates.example.com/index/"
    credential-provider = ["/abs/path/cargo-credential-rightbrain"]     # + "--no-bearer" when asked

The file may be hand-edited, so the edit is a marked block (integrations/cargo_config.py). A `[registries.NAME]`
that configure did not write is never touched: configure stops and says what to add by hand. Every check (both
files, the profile) is made before the first write. Running it again replaces what is given: --index (the host
list follows the index's host), --no-bearer / --bearer, --profile; what is left out keeps its value. unconfigure
removes the block, and the host when no other registry of ours uses it (else it says which one does).
Sources: cargo `src/doc/src/reference/registry-authentication.md`, `config.md`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rightbrain_helper.errors import UsageError

from .cargo import TOOL
from .cargo_config import (
    HELPER,
    cargo_config_path,
    index_host,
    our_registry,
    parse_index,
    parse_toml,
    provider_hosts,
    provider_words,
    registries_table,
    with_registry,
    without_registry,
)
from .changes import Change, FileEdit, Plan
from .files import installed_script, read_text
from .hostlist import (
    host_table,
    plan_add_host,
    plan_move_host,
    plan_remove_host,
    table_name,
    wanted_fields,
)

if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime

NO_BEARER = "--no-bearer"
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--registry, --index (configure: required the first time) and --no-bearer / --bearer."""
    parser.add_argument("--registry", required=True, help="registry name, as in `registry = NAME` in Cargo.toml")
    parser.add_argument(
        "--index", default="", help="index URL, e.g. sparse+https://crates.example.com/index/ (default: as before)"
    )
    parser.add_argument(
        "--bearer",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--no-bearer sends the bare token, without `Bearer ` (some registries want that); --bearer goes back "
        "(default: as before, else with `Bearer `)",
    )


def plan(options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
    """The changes that configure (or unconfigure) one cargo registry."""
    name = check_name(options.registry)
    path, hosts_file = cargo_config_path(runtime.env), runtime.context().path
    text = read_text(path)
    ours = our_registry(text, name, path)
    if install:
        return _plan_configure(options, runtime, name, (path, text, ours))
    result = Plan()
    if ours is None:
        if name in registries_table(parse_toml(text, path), path):
            result.add(Change(f"left [registries.{name}] in {path}: configure did not write it"))
        else:
            result.add(Change(f"unchanged: {path} (holds no [registries.{name}] written by configure)"))
        return result
    updated = without_registry(text, name, path)
    result.add(FileEdit(path, text, updated, f"remove [registries.{name}] from {path}"))
    host = index_host(ours.get("index"))
    users = provider_hosts(parse_toml(updated, path)).get(host, [])
    if host and users:
        result.notes.append(f"left {table_name(host)} in {hosts_file}: registry {', '.join(users)} still uses it")
    elif host:
        result.add(plan_remove_host(hosts_file, host, tool=TOOL))
    return result


def _plan_configure(
    options: argparse.Namespace, runtime: Runtime, name: str, found: tuple[str, str, dict[str, Any] | None]
) -> Plan:
    """The host-list change, then the config.toml change (`found`: its path, its text and our registry table in
    it); options left out keep what our block holds."""
    path, text, ours = found
    hosts_file = runtime.context().path
    old_index = str((ours or {}).get("index", ""))
    if not (options.index or old_index):
        raise UsageError("configure cargo needs --index URL (the registry's index, as in cargo's config)")
    index, host = parse_index(options.index or old_index)
    bearer = options.bearer if options.bearer is not None else NO_BEARER not in provider_words(ours)
    provider = [installed_script(HELPER, runtime.env), *([] if bearer else [NO_BEARER])]
    updated = with_registry(text, name, index, provider, path)
    old_host = index_host(old_index)
    moved = old_host not in ("", host) and not provider_hosts(parse_toml(updated, path)).get(old_host)
    hosts_text = read_text(hosts_file)
    profile = options.profile
    if profile is None and moved and host_table(hosts_text, host) is None:  # the profile moves with the index
        profile = str((host_table(hosts_text, old_host) or {}).get("profile", "")) or None
    fields = {"profile": profile}
    result = Plan(profile=wanted_fields(hosts_text, host, fields)["profile"])
    if moved:
        result.add(plan_move_host(hosts_file, old_host, host, fields, tool=TOOL))
    else:
        result.add(plan_add_host(hosts_file, host, fields, tool=TOOL))
    if updated == text:
        result.add(Change(f"unchanged: {path} (already as wanted)"))
    else:
        action = "add" if ours is None else "update"
        result.add(
            FileEdit(path, text, updated, f"{action} [registries.{name}] {'to' if ours is None else 'in'} {path}")
        )
    return result


def check_name(name: str) -> str:
    """A registry name cargo accepts: letters, digits, `-` and `_`."""
    if not name or not set(name) <= NAME_CHARACTERS:
        raise UsageError(f"--registry {name!r}: a cargo registry name has only letters, digits, '-' and '_'")
    return name
