"""The helper's own host list: `[hosts."HOST"]` tables in its config file, added and removed by `configure`.

Several tools may serve one host (a Gitea host is a git remote and a registry), so a table that configure adds
records which tools asked for it in `configured_by = ["git", ...]`; the adapters serve only the tools listed
(helper/hosts.py). Unconfiguring a tool takes only that tool off; the table goes when no tool is left. Running
configure again with another --profile or --username changes those keys; an option left out keeps its value and
an empty one (`--username ""`) removes the key. A table without `configured_by` was written by hand: configure uses
it when it fits and refuses (writing nothing) when it does not; unconfigure leaves it alone. Edits are textual,
so comments and everything else in the file are preserved, and the result is re-parsed before it is written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping

from rightbrain_helper.errors import ConfigError

from .changes import Change, FileEdit
from .files import read_text

OWNERS = "configured_by"
TOOLS = "tools"  # the hand-written twin of configured_by (helper/hosts.py)
NOTHING_CHANGED = "nothing was changed"


def toml_string(value: str) -> str:
    """A TOML basic string for `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'


def owners_line(tools: list[str]) -> str:
    """The `configured_by = [...]` line."""
    return f"{OWNERS} = [{', '.join(toml_string(tool) for tool in tools)}]\n"


def table_name(host: str) -> str:
    """`[hosts."HOST"]`, as messages name a table."""
    return f"[hosts.{toml_string(host)}]"


def host_block(host: str, fields: Mapping[str, str | None], tool: str) -> str:
    """The `[hosts."HOST"]` table text with the given non-empty fields, owned by `tool`."""
    lines = [f"{table_name(host)}\n"]
    lines += [f"{key} = {toml_string(value)}\n" for key, value in fields.items() if value]
    return "".join([*lines, owners_line([tool])])


def host_table(text: str, host: str) -> dict[str, object] | None:
    """The config text's table for `host`, or None."""
    hosts = _parse(text).get("hosts", {})
    table = hosts.get(host) if isinstance(hosts, dict) else None
    return table if isinstance(table, dict) else None


def configured_for(text: str, tool: str) -> list[str]:
    """The hosts whose table in the config text lists `tool` in configured_by, in file order."""
    hosts = _parse(text).get("hosts", {})
    if not isinstance(hosts, dict):
        return []
    return [host for host, table in hosts.items() if isinstance(table, dict) and tool in (_owners(table, host) or [])]


def wanted_fields(text: str, host: str, fields: Mapping[str, str | None]) -> dict[str, str]:
    """The values the host's table will hold after configure: a given value, else the table's current one."""
    table = host_table(text, host) or {}
    return {key: value if value is not None else str(table.get(key, "")) for key, value in fields.items()}


def with_host(text: str, host: str, fields: Mapping[str, str | None], tool: str) -> tuple[str, list[str]]:
    """`text` with `host` listed for `tool` and holding `fields` (None: keep, "": remove), and what changed:
    ["table"] for a new table, else phrases such as 'set profile = "b" (was "a")'; [] when nothing did."""
    table = host_table(text, host)
    if table is None:
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return _checked(text + separator + host_block(host, fields, tool)), ["table"]
    owners = _owners(table, host)
    if owners is None:
        _check_hand_written(table, host, fields, tool)
        return text, []
    changes = [] if tool in owners else [f"add {tool} to {OWNERS}"]
    updated = text if tool in owners else _set_line(text, host, OWNERS, owners_line([*owners, tool]))
    for key, value in fields.items():
        current = table.get(key)
        if value is None or value == (current or ""):
            continue
        line = f"{key} = {toml_string(value)}\n" if value else None
        updated = _set_line(updated, host, key, line)
        was = f" (was {toml_string(str(current))})" if current is not None else ""
        changes.append(f"set {key} = {toml_string(value)}{was}" if value else f"remove {key}{was}")
    return _checked_fields(updated, host, fields), changes


def without_host(text: str, host: str, tool: str) -> tuple[str, list[str]]:
    """`text` with `tool` taken off `host` (the table removed when no tool is left), and what changed."""
    table = host_table(text, host)
    owners = None if table is None else _owners(table, host)
    if owners is None or tool not in owners:
        return text, []
    rest = [owner for owner in owners if owner != tool]
    if rest:
        return _checked(_set_line(text, host, OWNERS, owners_line(rest))), [f"remove {tool} from {OWNERS}"]
    start, end = _block(text, host)
    lines = text.splitlines(keepends=True)
    updated = "".join(lines[:start] + lines[end:]).rstrip("\n")
    return _checked(updated + "\n" if updated else ""), ["table"]


def plan_add_host(path: str, host: str, fields: Mapping[str, str | None], *, tool: str) -> Change:
    """The change that makes the config file at `path` list `host` for `tool` with `fields`."""
    text = read_text(path)
    updated, changes = with_host(text, host, fields, tool)
    if not changes:
        return Change(_unchanged(text, path, host))
    return FileEdit(path, text, updated, _added(path, host, changes))


def plan_remove_host(path: str, host: str, *, tool: str) -> Change:
    """The change that makes the config file at `path` no longer list `host` for `tool`."""
    text = read_text(path)
    updated, changes = without_host(text, host, tool)
    if not changes:
        return Change(_unchanged(text, path, host, tool))
    return FileEdit(path, text, updated, _removed(path, host, changes))


def plan_move_host(path: str, old: str, host: str, fields: Mapping[str, str | None], *, tool: str) -> Change:
    """One change of the config file at `path`: `host` listed for `tool` with `fields`, and `tool` taken off
    `old` (its table removed when no tool is left), e.g. for a registry whose index moved to another host."""
    text = read_text(path)
    added, add_changes = with_host(text, host, fields, tool)
    updated, remove_changes = without_host(added, old, tool)
    if not remove_changes:
        return plan_add_host(path, host, fields, tool=tool)
    actions = [_added(path, host, add_changes)] if add_changes else []
    return FileEdit(path, text, updated, "; ".join([*actions, _removed(path, old, remove_changes)]))


def _added(path: str, host: str, changes: list[str]) -> str:
    """What with_host's changes do, as an action."""
    if changes == ["table"]:
        return f"add {table_name(host)} to {path}"
    return f"{', '.join(changes)} in {table_name(host)} of {path}"


def _removed(path: str, host: str, changes: list[str]) -> str:
    """What without_host's changes do, as an action."""
    if changes == ["table"]:
        return f"remove {table_name(host)} from {path}"
    return f"{changes[0]} of {table_name(host)} in {path}"


def _unchanged(text: str, path: str, host: str, tool: str = "") -> str:
    """The line for a host list left as it is, saying why."""
    table = host_table(text, host)
    if table is not None and OWNERS not in table:
        return f"unchanged: {table_name(host)} in {path} is your own entry (no {OWNERS}), kept as it is"
    if tool and table is not None:
        owners = ", ".join(_owners(table, host) or [])
        return f"unchanged: {table_name(host)} in {path} stays: it was configured for {owners}, not {tool}"
    return f"unchanged: {path} (already as wanted)"


def _check_hand_written(table: Mapping[str, object], host: str, fields: Mapping[str, str | None], tool: str) -> None:
    """A hand-written table is used as it is, so it must serve `tool` and hold the values asked for."""
    where = f"{table_name(host)} is your own entry (no {OWNERS})"
    tools = table.get(TOOLS)
    if isinstance(tools, list) and tool not in tools:
        raise ConfigError(f'{where} and its tools leave out {tool}: add "{tool}" to them; {NOTHING_CHANGED}')
    for key, value in fields.items():
        if value is not None and value != (table.get(key) or ""):
            raise ConfigError(
                f"{where} and has {key} = {toml_string(str(table.get(key, '')))}, not {toml_string(value)}; "
                f"configure does not edit such entries: change it by hand; {NOTHING_CHANGED}"
            )


def _owners(table: Mapping[str, object], host: str) -> list[str] | None:
    """The tools that configured this host; None for a hand-written table."""
    owners = table.get(OWNERS)
    if owners is None:
        return None
    if not isinstance(owners, list) or not all(isinstance(owner, str) for owner in owners):
        raise ConfigError(f"{OWNERS} of {table_name(host)} must be a list of tool names; fix it by hand")
    return owners


def _set_line(text: str, host: str, key: str, line: str | None) -> str:
    """The host's table with the one-line `key = ...` replaced by `line` (None: removed); a key not there yet is
    added before configured_by, or after the table's last line."""
    start, end = _block(text, host)
    lines = text.splitlines(keepends=True)
    for index in range(start + 1, end):
        if lines[index].partition("=")[0].strip() == key:
            lines[index : index + 1] = [line] if line else []
            return "".join(lines)
    if line is None:
        return text
    position = next((i for i in range(start + 1, end) if lines[i].partition("=")[0].strip() == OWNERS), None)
    if position is None:
        position = end
        while position > start + 1 and not lines[position - 1].strip():
            position -= 1
        if not lines[position - 1].endswith("\n"):
            lines[position - 1] += "\n"
    lines.insert(position, line)
    return "".join(lines)


def _checked_fields(text: str, host: str, fields: Mapping[str, str | None]) -> str:
    """`text`, once it parses and the host's table holds the wanted fields (else the table is not one-line keys)."""
    table = host_table(_checked(text), host) or {}
    for key, value in fields.items():
        if value is not None and str(table.get(key, "")) != value:
            raise ConfigError(f"{key} of {table_name(host)} is not on one line of its table; edit it by hand")
    return text


def _block(text: str, host: str) -> tuple[int, int]:
    """Line indexes of the host's table: its header, and the next header (or the end)."""
    lines = text.splitlines(keepends=True)
    start = next((index for index, line in enumerate(lines) if _is_header_for(line, host)), None)
    if start is None:
        raise ConfigError(f"hosts.{host} is not written as a {table_name(host)} table; edit it by hand")
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
        raise ConfigError(
            f"the helper's config file is not valid TOML ({exc}); fix it before configure; {NOTHING_CHANGED}"
        ) from None
