"""`rightbrain-helper configure|unconfigure git --host HOST [--username U]`, done with `git config --global`.

configure writes to the global git config (GIT_CONFIG_GLOBAL when set, else ~/.gitconfig, or the XDG file git
itself would pick) and to the helper's own host list:

    [credential "https://HOST"]
        helper =                                    # empty: forget helpers inherited for this URL, so no
        helper = /abs/path/git-credential-rightbrain  # other helper answers first or gets our token to store
        username = U                                # only with --username

unconfigure removes exactly those values (and the host-list entry). git writes its file atomically; the file is
backed up before the first change; a second run finds nothing to do. --dry-run prints the git commands.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from typing import TYPE_CHECKING

from rightbrain_helper.errors import ConfigError, HelperError, UsageError, one_line
from rightbrain_helper.settings.hosts import canonical_port, configured_hosts, is_loopback_host, split_host_port

from .files import backup, installed_script
from .git import DEFAULT_USERNAME
from .hostlist import add_host, remove_host

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime

HELPER_NAME = "git-credential-rightbrain"
HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_:")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--host and --username."""
    parser.add_argument(
        "--host",
        required=True,
        help="HOST[:PORT] or https://HOST[:PORT] (http://HOST[:PORT] only for a loopback host such as 127.0.0.1)",
    )
    parser.add_argument(
        "--username", default="", help=f"username git sends with the token (default {DEFAULT_USERNAME})"
    )


def apply(options: argparse.Namespace, runtime: Runtime, *, install: bool, dry_run: bool) -> list[str]:
    """Configure (or unconfigure) git for one host; one line per change made or planned."""
    scheme, host = parse_host(options.host)
    username = _check_username(options.username)
    git = GitConfig(runtime.env)
    path = runtime.context().path
    if install:
        commands = _install_commands(git, f"{scheme}://{host}", username)
        lines = git.run(commands, dry_run=dry_run)
        lines.append(
            add_host(path, host, {"profile": options.profile, "username": username}, tool="git", dry_run=dry_run)
        )
    else:
        known = {username, _recorded_username(runtime, host)} - {""}
        lines = git.run(_remove_commands(git, f"{scheme}://{host}", known), dry_run=dry_run)
        lines.append(remove_host(path, host, tool="git", dry_run=dry_run))
    return lines


def parse_host(text: str) -> tuple[str, str]:
    """('https', 'host[:port]') from HOST[:PORT] or SCHEME://HOST[:PORT]; http only for loopback hosts."""
    scheme, sep, rest = text.strip().partition("://")
    if not sep:
        scheme, rest = "https", text.strip()
    scheme = scheme.lower()
    rest = rest.rstrip("/")
    if scheme not in ("https", "http") or not rest or "/" in rest or "@" in rest:
        raise UsageError(f"--host {text!r}: give HOST[:PORT] or https://HOST[:PORT], without a user or a path")
    host, port = split_host_port(rest)
    if not host or not set(host) <= HOST_CHARACTERS or (port and canonical_port(port) is None):
        raise UsageError(f"--host {text!r}: not a host name, IP address or port")
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(
            f"--host {text!r}: over plain http the token would cross the network in clear; "
            "use https (http is allowed only for loopback hosts)"
        )
    name = f"[{host}]" if ":" in host else host
    return scheme, f"{name}:{port}" if port else name


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


class GitConfig:
    """`git config --global`, run with the runtime's environment (so GIT_CONFIG_GLOBAL and HOME apply)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.path = global_config_path(env)

    def get_all(self, key: str) -> list[str]:
        """Every value of `key` in the global config, in file order."""
        return self._git(["--null", "--get-all", key], ok=(0, 1)).stdout.split("\0")[:-1]

    def run(self, commands: list[list[str]], *, dry_run: bool) -> list[str]:
        """Back up the file, then run each `git config --global ARGS`; or just show them."""
        if not commands:
            return [f"unchanged: {self.path} (already as wanted)"]
        shown = [shlex.join(["git", "config", "--global", *args]) for args in commands]
        if dry_run:
            return [f"would run: {text}" for text in shown]
        saved = backup(self.path)
        lines = [f"did back up {self.path} to {saved}"] if saved else []
        for args, text in zip(commands, shown, strict=True):
            self._git(args)
            lines.append(f"did run: {text}")
        return lines

    def _git(self, args: list[str], ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        """Run one git config command; git's own complaint becomes the error."""
        argv = ["git", "config", "--global", *args]
        try:
            done = subprocess.run(
                argv, env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30, check=False
            )
        except FileNotFoundError:
            raise ConfigError("git is not on PATH; install git first") from None
        except subprocess.TimeoutExpired:
            raise HelperError(f"{shlex.join(argv)} took more than 30 s") from None
        if done.returncode not in ok:
            raise HelperError(f"{shlex.join(argv)} failed ({done.returncode}): {one_line(done.stderr, 200)}")
        return done


def global_config_path(env: Mapping[str, str]) -> str:
    """The file `git config --global` writes: GIT_CONFIG_GLOBAL, else ~/.gitconfig unless only the XDG one exists."""
    if env.get("GIT_CONFIG_GLOBAL"):
        return os.path.abspath(env["GIT_CONFIG_GLOBAL"])
    home = env.get("HOME") or os.path.expanduser("~")
    dotfile = os.path.join(home, ".gitconfig")
    xdg = os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "git", "config")
    return xdg if not os.path.exists(dotfile) and os.path.exists(xdg) else dotfile


def _install_commands(git: GitConfig, url: str, username: str) -> list[list[str]]:
    """The commands that bring the URL's helper list (and username) to the wanted state; [] when already there."""
    helper_key = f"credential.{url}.helper"
    wanted = helper_command(git.env)
    commands = []
    if git.get_all(helper_key) != ["", wanted]:
        commands += [["--replace-all", helper_key, ""], ["--add", helper_key, wanted]]
    username_key = f"credential.{url}.username"
    if username and git.get_all(username_key) != [username]:
        commands.append(["--replace-all", username_key, username])
    return commands


def _remove_commands(git: GitConfig, url: str, usernames: set[str]) -> list[list[str]]:
    """The commands that remove our helper values (and a username we set) and leave every other value alone."""
    helper_key = f"credential.{url}.helper"
    current = git.get_all(helper_key)
    ours = [value for value in current if value == "" or is_our_helper(value)]
    commands = []
    if ours and len(ours) == len(current):
        commands.append(["--unset-all", helper_key])
    else:
        commands += [["--fixed-value", "--unset-all", helper_key, value] for value in dict.fromkeys(ours)]
    username_key = f"credential.{url}.username"
    if usernames and git.get_all(username_key) and set(git.get_all(username_key)) <= usernames:
        commands.append(["--unset-all", username_key])
    return commands


def _recorded_username(runtime: Runtime, host: str) -> str:
    """The username the host list records for `host` (configure writes it there too), or ""."""
    wanted = split_host_port(host)
    for entry in configured_hosts(runtime.context()):
        if (entry.host, entry.port) == wanted:
            return entry.username
    return ""


def _check_username(username: str) -> str:
    """A username git can carry: printable, no line breaks, no leading or trailing spaces."""
    if username and (not username.isprintable() or username != username.strip()):
        raise UsageError("--username must be printable text without line breaks or surrounding spaces")
    return username
