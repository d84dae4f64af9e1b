"""The helper's own host list: `[hosts."HOST"]` tables in its config file, added and removed by `configure`.

Edits are textual so comments and everything else in the file are preserved; the file is re-parsed after every
edit to prove it is still valid TOML.
"""

from __future__ import annotations

import tomllib

from rightbrain_helper.errors import ConfigError

from .files import read_text, replace_text


def toml_string(value: str) -> str:
    """A TOML basic string for `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def host_block(host: str, fields: dict[str, str]) -> str:
    """The `[hosts."HOST"]` table text with the given non-empty fields."""
    lines = [f"[hosts.{toml_string(host)}]"]
    lines += [f"{key} = {toml_string(value)}" for key, value in fields.items() if value]
    return "\n".join(lines) + "\n"


def has_host(text: str, host: str) -> bool:
    """Whether the config text already has a table for `host`."""
    hosts = _parse(text).get("hosts", {})
    return isinstance(hosts, dict) and host in hosts


def with_host(text: str, host: str, fields: dict[str, str]) -> str:
    """`text` with a table for `host` appended (unchanged when one exists: configure is idempotent)."""
    if has_host(text, host):
        return text
    separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    updated = text + separator + host_block(host, fields)
    _parse(updated)
    return updated


def without_host(text: str, host: str) -> str:
    """`text` without the `[hosts."HOST"]` table (header to the next header); unchanged when absent."""
    if not has_host(text, host):
        return text
    lines = text.splitlines(keepends=True)
    start = next((index for index, line in enumerate(lines) if _is_header_for(line, host)), None)
    if start is None:
        raise ConfigError(f'hosts.{host} is not written as a [hosts."{host}"] table; remove it by hand')
    end = next((index for index in range(start + 1, len(lines)) if lines[index].lstrip().startswith("[")), len(lines))
    updated = "".join(lines[:start] + lines[end:]).rstrip("\n")
    updated = updated + "\n" if updated else ""
    _parse(updated)
    return updated


def add_host(path: str, host: str, fields: dict[str, str], *, dry_run: bool) -> str:
    """Ensure the config file at `path` names `host`; return a line describing what happened."""
    text = read_text(path)
    updated = with_host(text, host, fields)
    return _apply(path, text, updated, f"add [hosts.{toml_string(host)}] to {path}", dry_run=dry_run)


def remove_host(path: str, host: str, *, dry_run: bool) -> str:
    """Ensure the config file at `path` no longer names `host`; return a line describing what happened."""
    text = read_text(path)
    updated = without_host(text, host)
    return _apply(path, text, updated, f"remove [hosts.{toml_string(host)}] from {path}", dry_run=dry_run)


def _apply(path: str, text: str, updated: str, action: str, *, dry_run: bool) -> str:
    """Write the change unless it is a dry run or there is none."""
    if updated == text:
        return f"unchanged: {path} (already as wanted)"
    if dry_run:
        return f"would {action}"
    saved = replace_text(path, updated)
    return f"did {action}" + (f" (backup: {saved})" if saved else "")


def _is_header_for(line: str, host: str) -> bool:
    """Whether `line` is a table header that TOML reads as [hosts.<host>], however it is quoted."""
    stripped = line.strip()
    if not stripped.startswith("[") or stripped.startswith("[["):
        return False
    try:
        table = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return False
    hosts = table.get("hosts")
    return isinstance(hosts, dict) and list(hosts) == [host] and hosts[host] == {}


def _parse(text: str) -> dict[str, object]:
    """Parse config text; a file that is not valid TOML is reported, never overwritten."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the helper's config file is not valid TOML ({exc}); fix it before configure") from None
