"""Which credential helpers git runs for a URL, and a warning for each that would keep a copy of the token.

git builds a URL's helper list from every `credential.helper` and matching `credential.<url>.helper` value in the
order it reads its config (system, global, repository, worktree, then `-c` and GIT_CONFIG_* on the command line);
an empty value empties the list. After a successful request git sends `store` to every helper in the list, so
any helper after configure's `helper =` reset gets the token: `store` writes it in plain text to
~/.git-credentials, `cache` keeps it in a daemon's memory, a keychain keeps it on disk.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from rightbrain_helper.netaddr import DEFAULT_PORTS, split_authority

if TYPE_CHECKING:
    from .git_config import GitConfig

KEEPS = {
    "store": "git-credential-store writes it in plain text to ~/.git-credentials",
    "cache": "git-credential-cache keeps it in memory for up to 15 minutes (its --timeout)",
}


class HelperValue:
    """One credential.*.helper value as git reads it: its scope (system, global, local, ...), file and value."""

    __slots__ = ("key", "origin", "scope", "value")

    def __init__(self, scope: str, origin: str, key: str, value: str) -> None:
        self.scope = scope
        self.origin = origin
        self.key = key
        self.value = value


def helper_values(git: GitConfig) -> list[HelperValue]:
    """Every credential helper value in every scope, in the order git reads them."""
    output = git.read(["--null", "--show-scope", "--show-origin", "--get-regexp", r"^credential\..*helper$"])
    fields = output.split("\0")
    values = []
    for index in range(0, len(fields) - 2, 3):
        key, _, value = fields[index + 2].partition("\n")
        if key == "credential.helper" or (key.startswith("credential.") and key.endswith(".helper")):
            values.append(HelperValue(fields[index], fields[index + 1], key, value))
    return values


def in_effect(values: list[HelperValue], url: str, username: str) -> list[HelperValue]:
    """The helpers git runs for `url` (scheme://host[:port]), folding the values in order as git does."""
    chosen: list[HelperValue] = []
    for item in values:
        pattern = item.key.removeprefix("credential.").removesuffix("helper").removesuffix(".")
        if pattern and not url_matches(pattern, url, username):
            continue
        if item.value:
            chosen.append(item)
        else:
            chosen.clear()
    return chosen


def url_matches(pattern: str, url: str, username: str = "") -> bool:
    """Whether a `credential.<pattern>.*` section applies to `url` (no path: git sends none by default)."""
    scheme, _, authority = url.partition("://")
    host, port = split_authority(authority) or ("", "")
    pattern_scheme, separator, rest = pattern.partition("://")
    if not separator:
        pattern_scheme, rest = scheme, pattern  # a partial URL: host[:port] only
    pattern_authority, _, path = rest.partition("/")
    user, at, pattern_hostport = pattern_authority.rpartition("@")
    if pattern_scheme.lower() != scheme or path.strip("/") or (at and user != username):
        return False
    pattern_host, pattern_port = _pattern_host_port(pattern_hostport)
    default = DEFAULT_PORTS.get(scheme, "")
    if (pattern_port or default) != (port or default):
        return False
    labels, pattern_labels = host.split("."), pattern_host.split(".")
    return len(labels) == len(pattern_labels) and all(
        fnmatch.fnmatchcase(label, glob) for label, glob in zip(labels, pattern_labels, strict=True)
    )


def _pattern_host_port(text: str) -> tuple[str, str]:
    """Host and port of a URL pattern's authority. git's patterns may hold globs (`*.example.com`), which are no
    host (helper/netaddr.py): those are split as git's urlmatch.c does, lower-cased, the port as written."""
    split = split_authority(text)
    if split is not None:
        return split
    host, _colon, port = text.lower().partition(":")
    return host, port


def warnings_for(others: list[HelperValue], url: str, ours: str) -> list[str]:
    """One warning per helper besides ours in effect for `url`: what it does with the token, and the fix."""
    warnings = []
    for item in others:
        name = item.value.split()[0].removeprefix("git-credential-") if item.value.split() else item.value
        keeps = KEEPS.get(name, "it may keep the token (a keychain keeps it on disk)")
        warnings.append(
            f"{item.key} = {item.value!r} ({item.scope} config, {item.origin}) is also in effect for {url}: git "
            f"hands it every token it gets, and {keeps}; {_fix(item, url, ours)}"
        )
    return warnings


def _fix(item: HelperValue, url: str, ours: str) -> str:
    """How to take one helper out of the URL's list."""
    host = url.partition("://")[2]
    if item.scope in ("local", "worktree"):
        key = f"credential.{url}.helper"
        return (
            f"in that repository run: git config --{item.scope} {key} '' && "
            f"git config --{item.scope} --add {key} '{ours}'"
        )
    if item.scope == "command":
        return "it is set on the command line or in GIT_CONFIG_PARAMETERS / GIT_CONFIG_COUNT: drop it there"
    return (
        f"it comes after this helper's section, so run: rightbrain-helper unconfigure git --host {host} && "
        f"rightbrain-helper configure git --host {host} (which writes the section after it), "
        f"or give that helper a URL of its own (credential.https://OTHER.helper)"
    )
