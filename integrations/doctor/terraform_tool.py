"""terraform: its CLI config (TF_CLI_CONFIG_FILE, else ~/.terraformrc) must hold `credentials_helper
"rightbrain"` and no other (terraform allows one), ~/.terraform.d/plugins/terraform-credentials-rightbrain must
run (terraform looks there, never on PATH), and for each host listed for terraform nothing may take precedence
over the helper: a TF_TOKEN_<host> variable, a `credentials "HOST"` block, or a token `terraform login` saved in
~/.terraform.d/credentials.tfrc.json (terraform's order: credentials.go)."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from ..files import read_text
from ..terraform import TOOL
from ..terraform_setup import cli_config_path, plugin_path
from .checks import Check, fail, info
from .tools import listed_for, missing_command, served

if TYPE_CHECKING:
    from rightbrain_helper.settings.hosts import HostEntry

    from .context import Doctor

OURS = 'credentials_helper "rightbrain"'
SETUP = "rightbrain-helper configure terraform --host HOST"


def terraform_checks(doctor: Doctor) -> list[Check]:
    """The block, the plugin link, and one line per host listed for terraform."""
    try:
        listed = listed_for(doctor, TOOL)
    except HelperError:
        return []  # setup.config_file_check said why
    config = cli_config_path(doctor.env)
    helpers = [line.strip() for line in read_text(config).splitlines() if line.strip().startswith("credentials_helper")]
    ours = any(line.startswith(OURS) for line in helpers)
    fix = f"fix: rightbrain-helper configure terraform --host {listed[0].name if listed else 'HOST'}"
    if not ours:
        if not listed:
            return [info(f"terraform: not set up ({SETUP})")]
        names = ", ".join(entry.name for entry in listed)
        return [
            fail(
                f"terraform: {names} listed for terraform, but {config} has no {OURS} block, so terraform "
                f"gets no token; {fix}"
            )
        ]
    checks = _helper_checks(doctor, config, helpers, fix)
    for entry in listed:
        checks += _host_checks(doctor, entry, config)
    if not listed:
        checks.append(
            info(
                f"terraform: {OURS} is set, but no host is listed for terraform, so it answers {{}} "
                f"for every host; {fix}"
            )
        )
    return checks


def _helper_checks(doctor: Doctor, config: str, helpers: list[str], fix: str) -> list[Check]:
    """With our block in the CLI config: no other credentials_helper beside it, and the plugin link runs."""
    checks = []
    others = [line for line in helpers if not line.startswith(OURS)]
    if others:
        checks.append(
            fail(
                f"terraform: {config} names another credentials_helper too ({others[0]}); terraform "
                "allows one; fix: remove the other block"
            )
        )
    link = plugin_path(doctor.env)
    missing = missing_command(os.path.realpath(link), doctor.env) if os.path.lexists(link) else f"{link} is missing"
    if missing:
        checks.append(
            fail(f"terraform: the plugin {link}: {missing}; terraform looks for it there, never on PATH; {fix}")
        )
    return checks


def _host_checks(doctor: Doctor, entry: HostEntry, config: str) -> list[Check]:
    """What terraform would use for `entry` before asking the helper: each is a failure with its fix."""
    doctor.serve(entry.name, TOOL)
    checks = []
    variable = "TF_TOKEN_" + entry.host.replace("-", "__").replace(".", "_")
    if not entry.port and doctor.env.get(variable):
        checks.append(
            fail(
                f"terraform: {variable} is set, and terraform sends that token to {entry.name} instead "
                f"of asking this helper; fix: unset {variable}"
            )
        )
    if f'credentials "{entry.name}"' in read_text(config):
        checks.append(
            fail(
                f'terraform: {config} has a credentials "{entry.name}" block, which terraform uses '
                "instead of this helper; fix: remove the block"
            )
        )
    if entry.name in _logged_in_hosts(doctor):
        checks.append(
            fail(
                f"terraform: terraform login saved a token for {entry.name}, which terraform uses "
                f"instead of this helper; fix: terraform logout {entry.name}"
            )
        )
    return checks or [served(doctor, TOOL, entry, f"{entry.name} through {OURS}")]


def _logged_in_hosts(doctor: Doctor) -> list[str]:
    """The hosts ~/.terraform.d/credentials.tfrc.json holds a token for (never the tokens)."""
    home = doctor.env.get("HOME") or os.path.expanduser("~")
    try:
        data = json.loads(read_text(os.path.join(home, ".terraform.d", "credentials.tfrc.json")) or "{}")
    except ValueError:
        return []
    credentials = data.get("credentials") if isinstance(data, dict) else None
    return [str(host).lower() for host in credentials] if isinstance(credentials, dict) else []
