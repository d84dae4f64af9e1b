"""docker: `credHelpers` entries of its config.json (DOCKER_CONFIG, else ~/.docker) that name this helper. Each
must be in the host list for docker, as the adapter looks it up (else docker gets "credentials not found" and
goes on anonymously), and docker-credential-rightbrain must be on PATH, where docker looks for it. A registry
listed for docker that credHelpers does not send here is a failure too. podman, skopeo and buildah read the
same entries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from ..contract import Request
from ..docker import DOCKER, NAME, TOOL, registry_address, server_key
from ..docker_setup import HELPER, docker_config_path
from ..files import read_text
from .checks import Check, fail, info
from .tools import entry_for, listed_for, on_path, served

if TYPE_CHECKING:
    from .context import Doctor

SETUP = "rightbrain-helper configure docker --registry HOST"


def docker_checks(doctor: Doctor) -> list[Check]:
    """One line per credHelpers entry of ours, one per listed registry docker does not send here."""
    try:
        listed = listed_for(doctor, TOOL)
    except HelperError:
        return []  # setup.config_file_check said why
    path = docker_config_path(doctor.env)
    try:
        data = json.loads(read_text(path) or "{}")
    except ValueError as exc:
        return [fail(f"docker: {path} is not valid JSON ({exc}), so docker cannot read it either; fix it by hand")]
    helpers = data.get("credHelpers") if isinstance(data, dict) else None
    helpers = helpers if isinstance(helpers, dict) else {}
    keys = [key for key, value in helpers.items() if value == HELPER]
    checks = [_entry_check(doctor, path, key) for key in keys]
    if keys and not on_path(NAME, doctor.env):
        checks.append(
            fail(
                f"docker: {NAME} is not on PATH, where docker looks for it, so docker goes on without "
                "credentials; fix: add the helper's bin directory to PATH"
            )
        )
    store = data.get("credsStore") if isinstance(data, dict) else None
    instead = f" (credsStore {store!r} answers instead)" if isinstance(store, str) and store else ""
    for entry in listed:
        if helpers.get(server_key(entry)) != HELPER:
            checks.append(
                fail(
                    f"docker: {entry.name} is listed for docker, but credHelpers in {path} does not send it to "
                    f"this helper{instead}; fix: rightbrain-helper configure docker --registry {entry.name}"
                )
            )
    return checks or [info(f"docker: not set up ({SETUP})")]


def _entry_check(doctor: Doctor, path: str, key: str) -> Check:
    """credHelpers[key] = "rightbrain": the adapter must find the registry in the host list for docker."""
    name = f'credHelpers["{key}"]'
    request = Request()
    request.values["server_url"] = key  # what docker sends for the registry: the credHelpers key
    request.host, request.port = registry_address(key)
    try:
        entry = entry_for(doctor, DOCKER, request)
    except HelperError as exc:  # an entry the adapter refuses (username "<token>")
        return fail(f"docker: {name} runs this helper, but {exc}")
    if entry is None:
        return fail(
            f'docker: {name} = "{HELPER}" in {path}, but {key} is not in the host list for docker, so docker gets '
            f'"credentials not found" and pulls without credentials; fix: rightbrain-helper configure docker '
            f"--registry {key}"
        )
    return served(doctor, TOOL, entry, f"{name} runs this helper")
