"""`rightbrain-helper configure|unconfigure cargo --registry NAME --index URL [--no-bearer]`: cargo's config.toml
and the helper's host list.

configure adds the index URL's host[:port] to the host list and writes, between marker comments in
`$CARGO_HOME/config.toml` (default ~/.cargo/config.toml):

    [registries.NAME]
    index = "sparse+https://crates.example.com/index/"
    credential-provider = ["/abs/path/cargo-credential-rightbrain"]     # + "--no-bearer" when asked

The file may be hand-edited, so the edit is a marked block and is checked by parsing the result: it must differ
from the original in exactly that table. A `[registries.NAME]` that configure did not write is never touched:
configure stops and says what to add by hand. unconfigure removes the block, and the host when no other registry
of ours uses it. Sources: cargo `src/doc/src/reference/registry-authentication.md`, `config.md`.
"""

from __future__ import annotations

import os
import tomllib
from typing import TYPE_CHECKING, Any

from rightbrain_helper.errors import ConfigError, UsageError
from rightbrain_helper.settings.hosts import is_loopback_host

from .cargo import index_address
from .files import installed_script, read_text
from .hostlist import add_host, remove_host, toml_string
from .marked import block_body, find_block, with_block, without_block, write_change

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

TOOL = "cargo"
HELPER = "cargo-credential-rightbrain"
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_:")
DEFAULT_PORTS = {"https": "443", "http": "80"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--registry, --index (configure only) and --no-bearer."""
    parser.add_argument("--registry", required=True, help="registry name, as in `registry = NAME` in Cargo.toml")
    parser.add_argument("--index", default="", help="index URL, e.g. sparse+https://crates.example.com/index/")
    parser.add_argument(
        "--no-bearer", action="store_true", help="send the bare token, without `Bearer ` (some registries want that)"
    )


def apply(options: argparse.Namespace, runtime: Runtime, *, install: bool, dry_run: bool) -> list[str]:
    """Configure (or unconfigure) one cargo registry; one line per change made or planned."""
    name = check_name(options.registry)
    path, hosts_file = cargo_config_path(runtime.env), runtime.context().path
    text = read_text(path)
    if install:
        if not options.index:
            raise UsageError("configure cargo needs --index URL (the registry's index, as in cargo's config)")
        index, host = parse_index(options.index)
        provider = [installed_script(HELPER, runtime.env), *(["--no-bearer"] if options.no_bearer else [])]
        updated = with_registry(text, name, index, provider, path)
        return [
            add_host(hosts_file, host, {"profile": options.profile}, tool=TOOL, dry_run=dry_run),
            _change(path, text, updated, f"add [registries.{name}] to {path}", dry_run=dry_run),
        ]
    body = block_body(text, _what(name), path)
    if body is None:
        return [f"unchanged: {path} (holds no [registries.{name}] written by configure)"]
    host = _index_host(_parse(body, path), name)
    updated = without_registry(text, name, path)
    lines = [_change(path, text, updated, f"remove [registries.{name}] from {path}", dry_run=dry_run)]
    if host and host not in _provider_hosts(_parse(updated, path)):
        lines.append(remove_host(hosts_file, host, tool=TOOL, dry_run=dry_run))
    return lines


def check_name(name: str) -> str:
    """A registry name cargo accepts: letters, digits, `-` and `_`."""
    if not name or not set(name) <= NAME_CHARACTERS:
        raise UsageError(f"--registry {name!r}: a cargo registry name has only letters, digits, '-' and '_'")
    return name


def parse_index(url: str) -> tuple[str, str]:
    """(index URL, host-list name) for --index: https, or http to a loopback host; the name is host[:port]."""
    index = url.strip()
    scheme, host, port, _path = index_address(index)
    if scheme not in DEFAULT_PORTS or not host or not set(host) <= HOST_CHARACTERS:
        raise UsageError(f"--index {url!r}: give the index URL, e.g. sparse+https://crates.example.com/index/")
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(f"--index {url!r}: plain http would send the token in clear; use https (http: loopback only)")
    name = f"[{host}]" if ":" in host else host
    return index, name if port in ("", DEFAULT_PORTS[scheme]) else f"{name}:{port}"


def cargo_config_path(env: Mapping[str, str]) -> str:
    """$CARGO_HOME/config.toml (default ~/.cargo); the legacy `config` file when only that one exists."""
    home = env.get("CARGO_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cargo")
    home = os.path.abspath(os.path.expanduser(home))
    legacy, current = os.path.join(home, "config"), os.path.join(home, "config.toml")
    return legacy if os.path.isfile(legacy) and not os.path.exists(current) else current


def with_registry(text: str, name: str, index: str, provider: list[str], path: str) -> str:
    """`text` with our [registries.NAME] block; refused when that table exists and is not ours."""
    data = _parse(text, path)
    registries = _registries(data, path)
    if name in registries and find_block(text, _what(name), path) is None:
        line = f"credential-provider = [{', '.join(toml_string(item) for item in provider)}]"
        raise ConfigError(
            f"[registries.{name}] already exists in {path} and was not written by configure; "
            f"add `{line}` to it by hand and list its host in the helper's config, or remove the table and run "
            "configure again; nothing was changed"
        )
    body = f"[registries.{name}]\nindex = {toml_string(index)}\n"
    body += f"credential-provider = [{', '.join(toml_string(item) for item in provider)}]\n"
    updated = with_block(text, _what(name), body, path)
    wanted = {**registries, name: {"index": index, "credential-provider": provider}}
    _expect(updated, {**data, "registries": wanted}, path)
    return updated


def without_registry(text: str, name: str, path: str) -> str:
    """`text` without our [registries.NAME] block; refused if that would change anything else."""
    data = _parse(text, path)
    updated = without_block(text, _what(name), path)
    rest = {key: value for key, value in _registries(data, path).items() if key != name}
    _expect(updated, {**data, "registries": rest}, path)
    return updated


def _expect(updated: str, wanted: dict[str, Any], path: str) -> None:
    """Refuse an edit whose result does not parse to exactly `wanted` (e.g. hand-written keys after our block)."""
    if _normal(_parse(updated, path)) != _normal(wanted):
        raise ConfigError(
            f"{path}: editing our block would change other settings (keys right after it?); nothing changed"
        )


def _normal(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without an empty registries table (our block may have been its only member)."""
    return {key: value for key, value in data.items() if not (key == "registries" and value == {})}


def _registries(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The [registries] table."""
    registries = data.get("registries", {})
    if not isinstance(registries, dict):
        raise ConfigError(f"{path}: `registries` is not a table; fix it first, nothing was changed")
    return registries


def _provider_hosts(data: dict[str, Any]) -> set[str]:
    """Host-list names of every registry whose credential provider is this helper."""
    hosts = set()
    for name, table in data.get("registries", {}).items():
        provider = table.get("credential-provider") if isinstance(table, dict) else None
        first = provider[0] if isinstance(provider, list) and provider else provider
        if isinstance(first, str) and os.path.basename(first.split(" ", 1)[0]) == HELPER:
            hosts.add(_index_host(data, name))
    return hosts


def _index_host(data: dict[str, Any], name: str) -> str:
    """The host-list name of registry `name`'s index, or "" when it has none we could use."""
    index = data.get("registries", {}).get(name, {}).get("index")
    try:
        return parse_index(index)[1] if isinstance(index, str) else ""
    except UsageError:
        return ""


def _parse(text: str, path: str) -> dict[str, Any]:
    """Parse cargo config text; a file that is not valid TOML is reported, never overwritten."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it first, nothing was changed") from None


def _change(path: str, text: str, updated: str, action: str, *, dry_run: bool) -> str:
    """Write the change, or say there is none."""
    if updated == text:
        return f"unchanged: {path} (already as wanted)"
    return write_change(path, updated, action, dry_run=dry_run)


def _what(name: str) -> str:
    """The marker label of registry `name`'s block."""
    return f'cargo registry "{name}"'
