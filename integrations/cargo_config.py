"""cargo's config.toml as configure edits it: where it is, our marked `[registries.NAME]` block in it, and which
hosts the registries served by this helper use. Every edit is checked by parsing the result: it must differ from
the original in exactly our table. Sources: cargo `src/doc/src/reference/config.md`,
`registry-authentication.md`.
"""

from __future__ import annotations

import os
import tomllib
from typing import TYPE_CHECKING, Any

from rightbrain_helper.errors import ConfigError, UsageError

from .hostarg import host_name, parse_server
from .hostlist import toml_string
from .marked import block_body, find_block, with_block, without_block

if TYPE_CHECKING:
    from collections.abc import Mapping

HELPER = "cargo-credential-rightbrain"


def parse_index(url: str) -> tuple[str, str]:
    """(index URL, host-list name) for --index: https, or http to a loopback host; the name is HOST[:PORT]
    (canonical, helper/netaddr.py; the scheme's default port left out)."""
    index, form = url.strip(), "the index URL, e.g. sparse+https://crates.example.com/index/"
    if "://" not in index:
        raise UsageError(f"--index {url!r}: give {form}")
    kind, _plus, rest = index.partition("+")
    address = rest if kind in ("sparse", "registry") else index
    server = parse_server(address, "--index", form, schemes=("https", "http"), path=True)
    return index, host_name(server, keep_default_port=False)


def cargo_config_path(env: Mapping[str, str]) -> str:
    """$CARGO_HOME/config.toml (default ~/.cargo); the legacy `config` file when only that one exists."""
    home = env.get("CARGO_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cargo")
    home = os.path.abspath(os.path.expanduser(home))
    legacy, current = os.path.join(home, "config"), os.path.join(home, "config.toml")
    return legacy if os.path.isfile(legacy) and not os.path.exists(current) else current


def with_registry(text: str, name: str, index: str, provider: list[str], path: str) -> str:
    """`text` with our [registries.NAME] block; refused when that table exists and is not ours."""
    data = parse_toml(text, path)
    registries = registries_table(data, path)
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
    data = parse_toml(text, path)
    updated = without_block(text, _what(name), path)
    rest = {key: value for key, value in registries_table(data, path).items() if key != name}
    _expect(updated, {**data, "registries": rest}, path)
    return updated


def _expect(updated: str, wanted: dict[str, Any], path: str) -> None:
    """Refuse an edit whose result does not parse to exactly `wanted` (e.g. hand-written keys after our block)."""
    if _normal(parse_toml(updated, path)) != _normal(wanted):
        raise ConfigError(
            f"{path}: editing our block would change other settings (keys right after it?); nothing changed"
        )


def _normal(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without an empty registries table (our block may have been its only member)."""
    return {key: value for key, value in data.items() if not (key == "registries" and value == {})}


def registries_table(data: dict[str, Any], path: str) -> dict[str, Any]:
    """The [registries] table."""
    registries = data.get("registries", {})
    if not isinstance(registries, dict):
        raise ConfigError(f"{path}: `registries` is not a table; fix it first, nothing was changed")
    return registries


def our_registry(text: str, name: str, path: str) -> dict[str, Any] | None:
    """The [registries.NAME] table inside our marked block, or None when configure did not write one."""
    body = block_body(text, _what(name), path)
    if body is None:
        return None
    table = registries_table(parse_toml(body, path), path).get(name)
    return table if isinstance(table, dict) else {}


def provider_words(table: Mapping[str, Any] | None) -> list[str]:
    """A registry table's credential-provider as a list of words."""
    provider = (table or {}).get("credential-provider", [])
    if isinstance(provider, str):
        return provider.split()
    return [str(item) for item in provider] if isinstance(provider, list) else []


def provider_hosts(data: dict[str, Any]) -> dict[str, list[str]]:
    """Host-list name -> names of the registries whose credential provider is this helper and index is there."""
    hosts: dict[str, list[str]] = {}
    registries = data.get("registries", {})
    for name, table in (registries if isinstance(registries, dict) else {}).items():
        words = provider_words(table) if isinstance(table, dict) else []
        if words and os.path.basename(words[0]) == HELPER:
            host = index_host(table.get("index"))
            if host:
                hosts.setdefault(host, []).append(name)
    return hosts


def index_host(index: object) -> str:
    """The host-list name of an index URL, or "" when it is none we could use."""
    try:
        return parse_index(index)[1] if isinstance(index, str) and index else ""
    except UsageError:
        return ""


def parse_toml(text: str, path: str) -> dict[str, Any]:
    """Parse cargo config text; a file that is not valid TOML is reported, never overwritten."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it first, nothing was changed") from None


def _what(name: str) -> str:
    """The marker label of registry `name`'s block."""
    return f'cargo registry "{name}"'
