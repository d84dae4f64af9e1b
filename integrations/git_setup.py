"""`rightbrain-helper configure|unconfigure git --host HOST [--username U]`, done with `git config --global`.

configure writes to the global git config (GIT_CONFIG_GLOBAL when set, else ~/.gitconfig, or the XDG file git
itself would pick) and to the helper's own host list:

    [credential "https://HOST"]
        helper =                                    # empty: forget helpers inherited for this URL, so no
        helper = /abs/path/git-credential-rightbrain  # other helper answers first or gets our token to store
        username = U                                # only with --username

A second run with the same options finds nothing to do; with a new --username or --profile it changes those
(an option left out keeps its value). configure warns about every other helper git would run for the URL (it
would be handed the token to store). unconfigure removes those values, a username configure set, and the section
when nothing else is in it, and names what it leaves. git writes its file atomically; the file is backed up first.
--dry-run prints the git commands.
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError, UsageError
from rightbrain_helper.netaddr import split_authority
from rightbrain_helper.settings.hosts import configured_hosts

from .changes import Plan
from .files import installed_script, read_text
from .git import DEFAULT_USERNAME
from .git_config import GitCommands, GitConfig
from .git_helpers import HelperValue, helper_values, in_effect, warnings_for
from .hostarg import host_name, parse_server
from .hostlist import plan_add_host, plan_remove_host, wanted_fields

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

HELPER_NAME = "git-credential-rightbrain"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--host and --username."""
    parser.add_argument(
        "--host",
        required=True,
        help="HOST[:PORT] or https://HOST[:PORT] (http://HOST[:PORT] only for a loopback host such as 127.0.0.1)",
    )
    parser.add_argument(
        "--username",
        default=None,
        help=f"username git sends with the token (default {DEFAULT_USERNAME}; '' goes back to it)",
    )


def plan(options: argparse.Namespace, runtime: Runtime, *, install: bool) -> Plan:
    """The changes that configure (or unconfigure) git for one host, and what to warn about."""
    scheme, host = parse_host(options.host)
    username = None if options.username is None else _check_username(options.username)
    git = GitConfig(runtime.env)
    path = runtime.context().path
    url = f"{scheme}://{host}"
    recorded = _recorded_username(runtime, host)
    if not install:
        result = Plan()
        commands, notes = _remove_commands(git, url, {username or "", recorded} - {""})
        result.add(GitCommands(git, commands))
        result.add(plan_remove_host(path, host, tool="git"))
        result.notes += notes
        return result
    fields = {"profile": options.profile, "username": username}
    wanted = wanted_fields(read_text(path), host, fields)
    result = Plan(profile=wanted["profile"])
    ours = helper_command(git.env)
    result.add(GitCommands(git, _install_commands(git, url, ours, wanted["username"], recorded)))
    result.add(plan_add_host(path, host, fields, tool="git"))
    try:
        values = _planned_values(helper_values(git), git.path, url, ours)
    except HelperError as exc:  # e.g. a git older than 2.26 (no --show-scope)
        result.warnings.append(f"could not check which other credential helpers git runs for {url}: {exc}")
        return result
    others = [item for item in in_effect(values, url, wanted["username"]) if not is_our_helper(item.value)]
    result.warnings += warnings_for(others, url, ours)
    return result


def parse_host(text: str) -> tuple[str, str]:
    """('https', 'host[:port]') from HOST[:PORT] or SCHEME://HOST[:PORT]; http only for loopback hosts; the host in
    helper/netaddr.py's canonical form."""
    form = "HOST[:PORT] or https://HOST[:PORT], without a user or a path"
    url = parse_server(text, "--host", form, schemes=("https", "http"))
    return url.scheme, host_name(url)


def helper_command(env: Mapping[str, str]) -> str:
    """The installed git-credential-rightbrain as a credential.helper value (absolute, shell-safe)."""
    path = installed_script(HELPER_NAME, env)
    quoted = shlex.quote(path)
    return path if quoted == path else "!" + quoted  # git runs the value through the shell


def is_our_helper(value: str) -> bool:
    """Whether a credential.helper value runs this helper (by path, in a `!` snippet, or as `rightbrain`)."""
    try:
        words = shlex.split(value.removeprefix("!"))
    except ValueError:
        return False
    return bool(words) and (os.path.basename(words[0]) == HELPER_NAME or words[0] == "rightbrain")


def _install_commands(git: GitConfig, url: str, ours: str, username: str, recorded: str) -> list[list[str]]:
    """The commands that bring the URL's helper list and username to the wanted state; [] when already there.
    A username configure set before (`recorded`) and no longer wanted is removed."""
    helper_key = f"credential.{url}.helper"
    commands = []
    if git.get_all(helper_key) != ["", ours]:
        commands += [["--replace-all", helper_key, ""], ["--add", helper_key, ours]]
    username_key = f"credential.{url}.username"
    current = git.get_all(username_key)
    if username and current != [username]:
        commands.append(["--replace-all", username_key, username])
    elif not username and recorded and current and set(current) <= {recorded}:
        commands.append(["--unset-all", username_key])
    return commands


def _remove_commands(git: GitConfig, url: str, usernames: set[str]) -> tuple[list[list[str]], list[str]]:
    """The commands that remove our helper values and a username configure set (the whole section when nothing
    else is left in it), and a line for each value left with the reason."""
    helper_key, username_key = f"credential.{url}.helper", f"credential.{url}.username"
    helpers, names = git.get_all(helper_key), git.get_all(username_key)
    ours = [value for value in helpers if value == "" or is_our_helper(value)]
    drop_names = bool(names) and set(names) <= usernames
    kept = [f"left {helper_key} = {value!r}: not this helper's" for value in helpers if value not in ours]
    if names and not drop_names:
        kept += [f"left {username_key} = {name!r}: configure did not set it" for name in names if name not in usernames]
    if not ours and not drop_names:
        return [], kept
    rest = [key for key in git.section_keys(url) if key not in ("helper", "username")]
    if not kept and not rest:
        return [["--remove-section", f"credential.{url}"]], kept
    commands = []
    if ours and len(ours) == len(helpers):
        commands.append(["--unset-all", helper_key])
    else:
        commands += [["--fixed-value", "--unset-all", helper_key, value] for value in dict.fromkeys(ours)]
    if drop_names:
        commands.append(["--unset-all", username_key])
    return commands, kept


def _planned_values(values: list[HelperValue], path: str, url: str, ours: str) -> list[HelperValue]:
    """The helper values git will read once configure has written its own for `url` (where git puts them)."""
    key = f"credential.{url}.helper"
    mine = [index for index, item in enumerate(values) if item.scope == "global" and item.key == key]
    if mine:
        position = mine[0]
    else:
        position = max(
            (index + 1 for index, item in enumerate(values) if item.scope in ("system", "global")), default=0
        )
    rest = [item for index, item in enumerate(values) if index not in mine]
    planned = [HelperValue("global", f"file:{path}", key, ""), HelperValue("global", f"file:{path}", key, ours)]
    position -= sum(1 for index in mine if index < position)
    return rest[:position] + planned + rest[position:]


def _recorded_username(runtime: Runtime, host: str) -> str:
    """The username the host list records for `host` (configure writes it there too), or ""."""
    wanted = split_authority(host)
    for entry in configured_hosts(runtime.context(), "git"):
        if (entry.host, entry.port) == wanted:
            return entry.username
    return ""


def _check_username(username: str) -> str:
    """A username git can carry: printable, no line breaks, no leading or trailing spaces."""
    if username and (not username.isprintable() or username != username.strip()):
        raise UsageError("--username must be printable text without line breaks or surrounding spaces")
    return username
