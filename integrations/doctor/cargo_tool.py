"""cargo: registries in its config.toml ($CARGO_HOME, else ~/.cargo) whose credential-provider is this helper.
Each index's host must be in the host list for cargo, as the adapter looks it up (else cargo gets no token), and
the provider command must be there; a host listed for cargo that no registry sends here is a failure too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from ..cargo import CARGO, TOOL, index_address
from ..cargo_config import HELPER, cargo_config_path, parse_toml, provider_words, registries_table
from ..contract import Request
from ..files import read_text
from .checks import Check, fail, info
from .tools import cleartext_refusal, entry_for, listed_for, missing_command, served

if TYPE_CHECKING:
    from .context import Doctor

SETUP = "rightbrain-helper configure cargo --registry NAME --index URL"


def cargo_checks(doctor: Doctor) -> list[Check]:
    """One line per registry of ours, one per listed host no registry of ours uses."""
    try:
        listed = listed_for(doctor, TOOL)
    except HelperError:
        return []  # setup.config_file_check said why
    path = cargo_config_path(doctor.env)
    registries = registries_table(parse_toml(read_text(path), path), path)
    checks: list[Check] = []
    for name, table in registries.items():
        words = provider_words(table) if isinstance(table, dict) else []
        if words and words[0].rsplit("/", 1)[-1] == HELPER:
            checks.append(_registry_check(doctor, str(name), str(table.get("index", "")), words[0]))
    for entry in listed:
        if TOOL not in doctor.served.get(entry.name, []):
            checks.append(
                fail(
                    f"cargo: {entry.name} is listed for cargo, but no registry in {path} runs this "
                    f"helper for it; fix: {SETUP} (with that host's index)"
                )
            )
    return checks or [info(f"cargo: not set up ({SETUP})")]


def _registry_check(doctor: Doctor, name: str, index: str, command: str) -> Check:
    """The provider must run, and the index's host must be listed for cargo."""
    fix = f"fix: rightbrain-helper configure cargo --registry {name} --index {index or 'URL'}"
    request = Request()
    request.scheme, request.host, request.port, request.path = index_address(index)  # as the adapter parses it
    entry = entry_for(doctor, CARGO, request)
    if entry is not None:
        doctor.serve(entry.name, TOOL)
        refusal = cleartext_refusal(CARGO, request)
        if refusal:
            return fail(f"cargo: registry {name} ({index}) runs this helper, but {refusal}")
    missing = missing_command(command, doctor.env)
    if missing:
        return fail(f"cargo: registry {name}: its credential-provider {missing}; {fix}")
    if entry is None:
        return fail(
            f"cargo: registry {name} runs this helper, but its index host ({index!r}) is not in the host "
            f"list for cargo, so cargo gets no token; {fix}"
        )
    return served(doctor, TOOL, entry, f"registry {name} ({index}) runs this helper")
