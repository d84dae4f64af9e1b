"""The helper's own host list: `[hosts."HOST"]` tables in its config file, added and removed by `configure`.

Several tools may serve one host (a Gitea host is a git remote and a registry), so a table that configure adds
records which tools asked for it in `configured_by = ["git", ...]`. Unconfiguring a tool takes only that tool
off; the table goes when no tool is left. A table without `configured_by` was written by hand: configure uses it
as it is and unconfigure leaves it alone. Edits are textual, so comments and everything else in the file are
preserved, and the result is re-parsed before it is written.
"""

from __future__ import annotations

import tomllib

from rightbrain_helper.errors import ConfigError

from .files import read_text, replace_text

OWNERS = "configured_by"
TABLE, TOOL = "table", "tool"  # what an edit changed: the whole table, or only its list of tools


def toml_string(value: str) -> str:
    """A TOML basic string for `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def owners_line(tools: list[str]) -> str:
    """The `configured_by = [...]` line."""
    return f"{OWNERS} = [{', '.join(toml_string(tool) for tool in tools)}]\n"


def host_block(host: str, fields: dict[str, str], tool: str) -> str:
    """The `[hosts."HOST"]` table text with the given non-empty fields, owned by `tool`."""
    lines = [f"[hosts.{toml_string(host)}]\n"]
    lines += [f"{key} = {toml_string(value)}\n" for key, value in fields.items() if value]
    return "".join([*lines, owners_line([tool])])


def host_table(text: str, host: str) -> dict[str, object] | None:
    """The config text's table for `host`, or None."""
    hosts = _parse(text).get("hosts", {})
    table = hosts.get(host) if isinstance(hosts, dict) else None
    return table if isinstance(table, dict) else None


def with_host(text: str, host: str, fields: dict[str, str], tool: str) -> tuple[str, str]:
    """`text` with `host` listed for `tool`, and what changed: TABLE, TOOL or "" (configure is idempotent)."""
    table = host_table(text, host)
    if table is None:
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return _checked(text + separator + host_block(host, fields, tool)), TABLE
    owners = _owners(table, host)
    if owners is None or tool in owners:
        return text, ""
    return _set_owners(text, host, [*owners, tool]), TOOL


def without_host(text: str, host: str, tool: str) -> tuple[str, str]:
    """`text` with `tool` taken off `host` (the table removed when no tool is left), and what changed."""
    table = host_table(text, host)
    owners = None if table is None else _owners(table, host)
    if owners is None or tool not in owners:
        return text, ""
    rest = [owner for owner in owners if owner != tool]
    if rest:
        return _set_owners(text, host, rest), TOOL
    start, end = _block(text, host)
    lines = text.splitlines(keepends=True)
    updated = "".join(lines[:start] + lines[end:]).rstrip("\n")
    return _checked(updated + "\n" if updated else ""), TABLE


def add_host(path: str, host: str, fields: dict[str, str], *, tool: str, dry_run: bool) -> str:
    """Ensure the config file at `path` lists `host` for `tool`; return a line describing what happened."""
    text = read_text(path)
    updated, change = with_host(text, host, fields, tool)
    table = f"[hosts.{toml_string(host)}]"
    action = f"add {table} to {path}" if change == TABLE else f"add {tool} to {OWNERS} of {table} in {path}"
    return _apply(path, updated, action, dry_run=dry_run) if change else _unchanged(text, path, host)


def remove_host(path: str, host: str, *, tool: str, dry_run: bool) -> str:
    """Ensure the config file at `path` no longer lists `host` for `tool`; return a line describing it."""
    text = read_text(path)
    updated, change = without_host(text, host, tool)
    table = f"[hosts.{toml_string(host)}]"
    action = f"remove {table} from {path}" if change == TABLE else f"remove {tool} from {OWNERS} of {table} in {path}"
    return _apply(path, updated, action, dry_run=dry_run) if change else _unchanged(text, path, host)


def _unchanged(text: str, path: str, host: str) -> str:
    """The line for a host list left as it is; a hand-written entry is named as such."""
    table = host_table(text, host)
    if table is not None and OWNERS not in table:
        return f"unchanged: [hosts.{toml_string(host)}] in {path} is your own entry (no {OWNERS}), kept as it is"
    return f"unchanged: {path} (already as wanted)"


def _apply(path: str, updated: str, action: str, *, dry_run: bool) -> str:
    """Write the change unless it is a dry run."""
    if dry_run:
        return f"would {action}"
    saved = replace_text(path, updated)
    return f"did {action}" + (f" (backup: {saved})" if saved else "")


def _owners(table: dict[str, object], host: str) -> list[str] | None:
    """The tools that configured this host; None for a hand-written table."""
    owners = table.get(OWNERS)
    if owners is None:
        return None
    if not isinstance(owners, list) or not all(isinstance(owner, str) for owner in owners):
        raise ConfigError(f'{OWNERS} of [hosts."{host}"] must be a list of tool names; fix it by hand')
    return owners


def _set_owners(text: str, host: str, tools: list[str]) -> str:
    """Replace the one-line `configured_by` of the host's table."""
    start, end = _block(text, host)
    lines = text.splitlines(keepends=True)
    for index in range(start + 1, end):
        if lines[index].lstrip().startswith(OWNERS):
            lines[index] = owners_line(tools)
            return _checked("".join(lines))
    raise ConfigError(f'{OWNERS} of [hosts."{host}"] is not on one line of its table; edit it by hand')


def _block(text: str, host: str) -> tuple[int, int]:
    """Line indexes of the host's table: its header, and the next header (or the end)."""
    lines = text.splitlines(keepends=True)
    start = next((index for index, line in enumerate(lines) if _is_header_for(line, host)), None)
    if start is None:
        raise ConfigError(f'hosts.{host} is not written as a [hosts."{host}"] table; edit it by hand')
    end = next((index for index in range(start + 1, len(lines)) if lines[index].lstrip().startswith("[")), len(lines))
    return start, end


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


def _checked(text: str) -> str:
    """`text`, once it is proven to parse."""
    _parse(text)
    return text


def _parse(text: str) -> dict[str, object]:
    """Parse config text; a file that is not valid TOML is reported, never overwritten."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the helper's config file is not valid TOML ({exc}); fix it before configure") from None
