"""Which hosts get a token: `[hosts."HOST[:PORT]"]` tables in the config file and RIGHTBRAIN_HOSTS.

An entry with a port matches only that port; one without matches the host on any port. Hosts and ports compare in
the canonical form of helper/netaddr.py (case, a trailing dot, IPv6 spelling and a port's leading zeros aside), and
matching is exact: never by suffix or pattern, so a token is never handed to a host nobody named. A name that is
no HOST[:PORT] in that syntax is a ConfigError, not an entry that silently matches nothing.

Entries are per tool: a table serves the tools named in its `tools` list (written by hand) and its
`configured_by` list (written by `configure TOOL`); a table with neither, and every RIGHTBRAIN_HOSTS entry, serves
every tool. Each adapter asks with its own name, so configuring git for a host does not make docker answer for it.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.netaddr import canonical_host, canonical_port, join_authority, split_authority
from rightbrain_helper.settings.load import Overrides

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rightbrain_helper.settings.load import ConfigContext

HOST_KEYS = frozenset({"profile", "username", "scope", "audience"})
TOOL_LIST_KEYS = ("tools", "configured_by")  # which tools an entry serves (by hand; by configure)


class HostEntry:
    """One configured host: which profile serves it and how adapters present the token there."""

    __slots__ = ("audience", "host", "port", "profile", "scope", "tools", "username")

    def __init__(
        self,
        host: str,
        port: str = "",
        *,
        profile: str = "",
        username: str = "",
        scope: str = "",
        audience: str = "",
        tools: tuple[str, ...] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.profile = profile
        self.username = username
        self.scope = scope
        self.audience = audience
        self.tools = tools  # the tools this entry serves; None: every tool

    def serves(self, tool: str) -> bool:
        """Whether the adapter called `tool` may answer for this entry ("" asks for any tool)."""
        return self.tools is None or not tool or tool in self.tools

    @property
    def name(self) -> str:
        """HOST or HOST:PORT in canonical form (an IPv6 host in brackets)."""
        return join_authority(self.host, self.port)

    def overrides(self) -> Overrides:
        """What this host asks of the token: its profile, narrowed to its scope and audience."""
        return Overrides(
            profile=self.profile, scope=self.scope, audience=self.audience, origin=f'[hosts."{self.name}"]'
        )

    def __repr__(self) -> str:
        """For test failures."""
        return f"HostEntry({self.name!r}, profile={self.profile!r})"


def configured_hosts(context: ConfigContext, tool: str = "") -> list[HostEntry]:
    """The entries serving `tool` ("" for all): config-file entries first (in file order), then RIGHTBRAIN_HOSTS
    entries (default profile, every tool)."""
    entries = [_entry_from_table(name, table, context.path) for name, table in _host_tables(context).items()]
    for item in context.env.get("RIGHTBRAIN_HOSTS", "").split(","):
        if item.strip():
            entries.append(HostEntry(*_authority(item.strip(), "RIGHTBRAIN_HOSTS")))
    return [entry for entry in entries if entry.serves(tool)]


def find_host(context: ConfigContext, host: str, port: str = "", *, tool: str = "") -> HostEntry | None:
    """The entry serving `tool` for host:port (port "": the tool named none and its scheme implies none): an
    exact host-and-port entry first, then a host-only entry; else None. Host and port compare in canonical form
    (helper/netaddr.py), so case, a trailing dot, IPv6 spelling and leading zeros of a port do not matter."""
    wanted, number = canonical_host(host), canonical_port(port) if port else ""
    if wanted is None or number is None:
        return None
    entries = [entry for entry in configured_hosts(context, tool) if entry.host == wanted]
    for entry in entries:
        if entry.port and entry.port == number:
            return entry
    for entry in entries:
        if not entry.port:
            return entry
    return None


def _host_tables(context: ConfigContext) -> dict[str, Any]:
    """The [hosts] table, checked to be a table of tables."""
    hosts = context.table.get("hosts", {})
    if not isinstance(hosts, dict) or not all(isinstance(value, dict) for value in hosts.values()):
        raise ConfigError(f'config file {context.path}: hosts must hold [hosts."HOST[:PORT]"] tables')
    return hosts


def _entry_from_table(name: str, table: dict[str, Any], path: str) -> HostEntry:
    """One [hosts."NAME"] table as a HostEntry; unknown keys and values of the wrong type are errors."""
    for key, value in table.items():
        if key in TOOL_LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise ConfigError(f'[hosts."{name}"] in {path}: {key} must be a list of tool names, e.g. ["git"]')
        elif key not in HOST_KEYS or not isinstance(value, str):
            raise ConfigError(
                f'[hosts."{name}"] in {path}: {key!r} is not one of {sorted(HOST_KEYS)} with a string value, '
                f'nor tools = ["git", ...]'
            )
    named = [tool for key in TOOL_LIST_KEYS for tool in table.get(key, ())]
    host, port = _authority(name, f'[hosts."{name}"] in {path}')
    return HostEntry(
        host,
        port,
        profile=table.get("profile", ""),
        username=table.get("username", ""),
        scope=table.get("scope", ""),
        audience=table.get("audience", ""),
        tools=tuple(named) if any(key in table for key in TOOL_LIST_KEYS) else None,
    )


def _authority(name: str, where: str) -> tuple[str, str]:
    """(host, port) of a host-list name, canonical; a name that is no HOST[:PORT] is a ConfigError."""
    split = split_authority(name)
    if split is None:
        raise ConfigError(
            f"{where}: {name!r} is not HOST[:PORT] (a DNS name of letters, digits and hyphens, an IPv4 address or "
            "an IPv6 address in brackets, and a port from 1 to 65535)"
        )
    return split
