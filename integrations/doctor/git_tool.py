"""git: each `credential.URL.helper` that runs this helper, read from every scope git reads here (git_helpers.py
folds them as git does): the host must be listed for git, no later empty value may drop us, and no other helper
may be in effect for the URL (git hands each one the token to store). Hosts listed for git that git's config
does not send here are failures too."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from ..contract import Request
from ..git import GIT, SCHEMES, TOOL, address
from ..git_config import GitConfig
from ..git_helpers import HelperValue, helper_values, in_effect, warnings_for
from ..git_setup import HELPER_NAME, is_our_helper
from .checks import Check, fail, info
from .tools import cleartext_refusal, entry_for, listed_for, missing_command, on_path, served

if TYPE_CHECKING:
    from rightbrain_helper.settings.hosts import HostEntry

    from .context import Doctor

SETUP = "rightbrain-helper configure git --host HOST"


def git_checks(doctor: Doctor) -> list[Check]:
    """One line per URL git sends to this helper, one per problem, one per listed host git does not send."""
    try:
        listed = listed_for(doctor, TOOL)
    except HelperError:
        return []  # setup.config_file_check said why
    if not on_path("git", doctor.env):
        return [info(f"git: not on PATH, so its configuration was not read{_hosts(listed)}")]
    values = helper_values(GitConfig(doctor.env))
    urls = list(dict.fromkeys(_url_of(item) for item in values if is_our_helper(item.value) and _url_of(item)))
    everywhere = any(item.key == "credential.helper" and is_our_helper(item.value) for item in values)
    if everywhere:  # git asks this helper for every host: check each listed one as git would ask
        urls += [f"https://{entry.name}" for entry in listed if f"https://{entry.name}" not in urls]
    checks: list[Check] = []
    for url in urls:
        checks += _url_checks(doctor, values, url)
    covered = {entry.name for entry in (entry_for(doctor, GIT, git_request(url)) for url in urls) if entry}
    for entry in listed:
        if entry.name not in covered:
            checks.append(
                fail(
                    f"git: {entry.name} is listed for git, but git's configuration does not run this helper for "
                    f"it, so git asks the user or another helper; fix: rightbrain-helper configure git --host "
                    f"{entry.name}"
                )
            )
    if everywhere:
        checks.append(
            info("git: credential.helper runs this helper for every host; it answers for the hosts listed for git only")
        )
    return checks or [info(f"git: not set up ({SETUP})")]


def _url_of(item: HelperValue) -> str:
    """scheme://host[:port] of a `credential.URL.helper` key (https:// for a partial URL); "" for the plain
    credential.helper or a URL with a user or path."""
    pattern = item.key.removeprefix("credential.").removesuffix("helper").removesuffix(".")
    if not pattern:
        return ""
    scheme, separator, rest = pattern.partition("://")
    if not separator:
        scheme, rest = "https", pattern
    rest = rest.rstrip("/")
    return "" if "/" in rest or "@" in rest or scheme.lower() not in SCHEMES else f"{scheme.lower()}://{rest}"


def git_request(url: str) -> Request:
    """What git sends the helper for `url` (scheme://host[:port]): its protocol and host attributes, parsed by
    the adapter's own address()."""
    request = Request()
    request.values["protocol"], _, request.values["host"] = url.partition("://")
    address(request)
    return request


def _url_checks(doctor: Doctor, values: list[HelperValue], url: str) -> list[Check]:
    """The URL's host must be listed for git (as the adapter looks it up) over a transport the helper answers
    on, this helper in effect and runnable, and no other helper with it."""
    hostport = url.partition("://")[2]
    if "*" in hostport:
        return [info(f"git: {url} (a pattern) runs this helper; it answers for the hosts listed for git only")]
    request = git_request(url)
    entry = entry_for(doctor, GIT, request)
    if entry is None:
        return [
            fail(
                f"git: {url} runs this helper, but {hostport} is not in the host list for git, so the helper "
                f"answers nothing and git asks the user; fix: rightbrain-helper configure git --host {hostport}"
            )
        ]
    doctor.serve(entry.name, TOOL)
    refusal = cleartext_refusal(GIT, request)
    if refusal:
        return [fail(f"git: {url} runs this helper for {entry.name}, but {refusal}")]
    effective = in_effect(values, url, entry.username)
    ours = [item for item in effective if is_our_helper(item.value)]
    if not ours:
        return [
            fail(
                f"git: credential.{url}.helper names this helper, but a later empty helper value drops it, so git "
                f"never asks it; fix: rightbrain-helper configure git --host {hostport}"
            )
        ]
    others = [item for item in effective if not is_our_helper(item.value)]
    checks = [fail(f"git: {line}") for line in warnings_for(others, url, ours[-1].value)]
    missing = _missing_helper(ours[-1].value, doctor)
    if missing:
        checks.append(
            fail(f"git: credential.{url}.helper runs {missing}; fix: rightbrain-helper configure git --host {hostport}")
        )
    if not checks:
        checks.append(served(doctor, TOOL, entry, f"{url} runs this helper and no other credential helper"))
    return checks


def _missing_helper(value: str, doctor: Doctor) -> str:
    """Why git could not run the helper a credential.helper value names (by path, or as `rightbrain`); ""."""
    words = shlex.split(value.removeprefix("!"))  # is_our_helper has split it already
    return missing_command(HELPER_NAME if words[0] == "rightbrain" else words[0], doctor.env)


def _hosts(entries: list[HostEntry]) -> str:
    """'; listed for it: a, b' or ''."""
    return f"; listed for it: {', '.join(entry.name for entry in entries)}" if entries else ""
