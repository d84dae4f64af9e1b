"""The first checks: the config file (found, parsed, nobody else may write it), the profile (resolves, and what
chose it), and the client secret (readable from its source; only the source is named, never the secret)."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rightbrain_helper.errors import HelperError

from .checks import Check, fail, info, ok

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rightbrain_helper.settings.model import SecretSource

    from .context import Doctor


def config_file_check(doctor: Doctor) -> list[Check]:
    """The config file: absent (information), refused (the loader's message names the fix), or fine; a Redis
    password in a shared_cache URL of a file others can read is a failure."""
    try:
        context = doctor.config()
    except HelperError as exc:
        return [fail(f"config: {exc}")]
    try:
        info_ = os.stat(context.path)
    except FileNotFoundError:
        return [info(f"config file {context.path}: none; the settings come from the environment and the defaults")]
    except OSError as exc:
        return [fail(f"config file {context.path}: {exc.strerror}")]
    host_problem = _host_list_problem(doctor)
    owner = "yours" if info_.st_uid == os.getuid() else "owned by root"
    mode = stat.S_IMODE(info_.st_mode)
    checks = [ok(f"config file {context.path}: {owner}, mode {mode:04o}, nobody else can change it")]
    leaking = _profiles_with_redis_password(context.table)
    if leaking and mode & 0o044:
        checks.append(
            fail(
                f"config file {context.path}: shared_cache of profile {', '.join(leaking)} holds a Redis password "
                f"and the file is readable by others; fix: chmod 600 {context.path}, or move the password to "
                "shared_cache_password_file"
            )
        )
    return checks + host_problem


def _host_list_problem(doctor: Doctor) -> list[Check]:
    """The host list's complaint, once (the tool checks skip a host list that does not load)."""
    try:
        doctor.hosts()
    except HelperError as exc:
        return [fail(f"host list: {exc}")]
    return []


def profile_check(doctor: Doctor) -> list[Check]:
    """The profile resolves: which one, what chose it, the client; variables it shuts out are information."""
    try:
        doctor.config()
    except HelperError:
        return []  # config_file_check said why
    try:
        settings, origins = doctor.resolved()
    except HelperError as exc:
        return [fail(f"profile: {exc}")]
    chosen = "" if origins.chosen_by == "default" else f", chosen by {origins.chosen_by}"
    checks = [
        ok(
            f"profile {settings.profile}{chosen}: client {settings.client_id}, client_auth {settings.client_auth}, "
            f"scope {settings.scope or '(none)'}" + (f", audience {settings.audience}" if settings.audience else "")
        )
    ]
    checks += [
        info(f"{name} is set but not used: the profile was chosen by {origins.chosen_by}") for name in origins.ignored
    ]
    return checks


def secret_check(doctor: Doctor) -> list[Check]:
    """The client secret can be read from its source; the line names the source, never the secret."""
    try:
        settings, origins = doctor.resolved()
    except HelperError:
        return []  # profile_check said why
    if settings.secret.kind == "none":
        return [info(f"client secret: none needed (client_auth {settings.client_auth} authenticates without one)")]
    try:
        doctor.secret()
    except HelperError as exc:
        return [fail(f"client secret: {exc}")]
    origin = origins.recorded.get("secret", "") if settings.secret.kind != "env" else ""
    named = f" (named by {origin})" if origin else ""
    return [ok(f"client secret: {describe_source(settings.secret)}{named}; never shown")]


def describe_source(source: SecretSource) -> str:
    """Where the secret is read from, in words."""
    if source.kind == "env":
        return f"read from environment {source.origin}"
    if source.kind == "command":
        return f"the first line printed by {source.origin}"
    if source.kind == "keyring":
        service, _, name = source.origin.partition("/")
        return f"read from the keyring entry {source.origin} (service {service!r}, user {name!r})"
    try:
        mode = f", mode {stat.S_IMODE(os.stat(source.origin).st_mode):04o}"
    except OSError:
        mode = ""
    return f"read from file {source.origin}{mode}"


def _profiles_with_redis_password(table: Mapping[str, object]) -> list[str]:
    """Profiles whose shared_cache URL in the file carries a password."""
    profiles = table.get("profiles")
    found = []
    for name, profile in (profiles if isinstance(profiles, dict) else {}).items():
        url = profile.get("shared_cache") if isinstance(profile, dict) else None
        try:
            if isinstance(url, str) and urlsplit(url).password:
                found.append(str(name))
        except ValueError:  # a URL urlsplit refuses: the fleet tier reports it
            continue
    return found
