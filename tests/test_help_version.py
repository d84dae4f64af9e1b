"""Every console script answers --version, and every command's --help says what it does, without pointing to
documentation files that a pip install does not have."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from rightbrain_helper import __version__
from rightbrain_helper.cli.args import COMMANDS as CLI_COMMANDS
from rightbrain_helper.integrations.commands import TOOLS

from .conftest import helper_command, run_cli

COMMANDS = (*CLI_COMMANDS, *TOOLS)  # every command `rightbrain-helper` accepts

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SCRIPTS = sorted(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["scripts"])


def run_script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run an installed console script with stdin closed."""
    return subprocess.run(
        [helper_command(name), *args], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "flag"),
    [*[(name, "--version") for name in SCRIPTS], ("docker-credential-rightbrain", "version")],
)
def test_every_console_script_prints_its_version(name: str, flag: str, helper_env: dict[str, str]) -> None:
    """--version (and docker's own `version` action) prints the script's name and version, exit 0."""
    done = run_script(name, flag, env=helper_env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(name)
    assert done.stdout.endswith(f"{__version__}\n")


def test_every_console_script_is_covered() -> None:
    """The scripts above are read from pyproject, so a new console script cannot miss these tests."""
    assert {"rightbrain-helper", "git-credential-rightbrain", "cargo-credential-rightbrain"} <= set(SCRIPTS)
    assert len(SCRIPTS) == 6


SETUP_LINES = {
    "git-credential-rightbrain": ("credential helper", "rightbrain-helper configure git"),
    "docker-credential-rightbrain": ("credential helper", "rightbrain-helper configure docker"),
    "terraform-credentials-rightbrain": ("credentials helper", "rightbrain-helper configure terraform"),
    "cargo-credential-rightbrain": ("credential provider", "rightbrain-helper configure cargo"),
    "bazel-credential-rightbrain": ("Bazel credential helper", "--credential_helper=HOST="),
}


@pytest.mark.parametrize("name", sorted(SETUP_LINES))
def test_the_tool_helpers_explain_themselves(name: str, helper_env: dict[str, str]) -> None:
    """--help of each tool's helper says what runs it, what it answers and how to set it up."""
    done = run_script(name, "--help", env=helper_env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(("usage: ", "Usage: "))
    what, setup = SETUP_LINES[name]
    assert what in done.stdout
    assert setup in done.stdout
    assert "access token" in done.stdout
    assert "docs/" not in done.stdout


COMMAND_WORDS = {
    "token": "Print the profile's access token",
    "header": "Authorization: Bearer",
    "json": "expires_at",
    "status": "cached tokens",
    "clear": "Remove the cached tokens",
    "kubectl": "exec credential plugin",
    "exec": "Run CMD with the token in its environment",
    "env": "export RIGHTBRAIN_ACCESS_TOKEN=<token>",
    "bazel": "Act as a Bazel credential helper",
    "goauth": "Act as a GOAUTH authentication command",
    "configure": "Set up a tool to get its tokens from this helper",
    "unconfigure": "Undo configure",
    "login": "Store the profile's client secret in the OS keyring",
    "doctor": "Check the set-up, one line per check",
}


def test_every_command_has_help_words() -> None:
    """Each command the parser accepts is in COMMAND_WORDS, so each is checked below."""
    assert set(COMMAND_WORDS) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMAND_WORDS))
@pytest.mark.parametrize("order", ["after", "before"])
def test_each_command_has_its_own_help(command: str, order: str, helper_env: dict[str, str]) -> None:
    """`rightbrain-helper COMMAND --help` (or --help COMMAND) prints that command's usage and what it does."""
    argv = [command, "--help"] if order == "after" else ["--help", command]
    result = run_cli(argv, helper_env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"usage: rightbrain-helper {command}")
    assert COMMAND_WORDS[command] in " ".join(result.stdout.split())
    assert "docs/" not in result.stdout


def test_the_overview_lists_exit_codes_inline(helper_env: dict[str, str]) -> None:
    """The overview says what each exit code means instead of naming a file pip does not install."""
    result = run_cli(["--help"], helper_env)
    assert "exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration" in result.stdout
    assert "docs/" not in result.stdout


def test_the_overview_lists_every_command_and_option(helper_env: dict[str, str]) -> None:
    """Each command has its line in the overview, --env-var is explained, and configure names every tool."""
    lines = run_cli(["--help"], helper_env).stdout.splitlines()
    listed = {line.split()[0] for line in lines if line.startswith("  ") and not line.lstrip().startswith("-")}
    assert set(COMMANDS) <= listed
    assert any(line.lstrip().startswith("--env-var NAME") for line in lines)
    (configure,) = [line for line in lines if line.lstrip().startswith("configure ")]
    for tool in ("git", "docker", "kubectl", "terraform", "cargo"):
        assert tool in configure, configure


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["configure", "--help"], ["Set up a tool to get its tokens from this helper", "backed up"]),
        (["unconfigure", "--help"], ["Undo configure", "what was left and why"]),
        (["configure", "git", "--help"], ["credential.https://HOST.helper", "--username", "--dry-run"]),
        (["configure", "docker", "--help"], ["credHelpers", "--registry"]),
        (["configure", "kubectl", "--help"], ["exec plugin", "--server", "--certificate-authority"]),
        (["unconfigure", "kubectl", "--help"], ["removes a cluster", "--cluster"]),
        (["configure", "--help"], ["terraform", "cargo"]),
        (["configure", "terraform", "--help"], ["credentials_helper", "~/.terraform.d/plugins/", "--host"]),
        (["configure", "cargo", "--help"], ["credential-provider", "--registry", "--index", "--no-bearer"]),
        (["unconfigure", "cargo", "--help"], ["removes [registries.NAME]", "--registry"]),
    ],
)
def test_configure_help_says_what_it_writes(argv: list[str], words: list[str], helper_env: dict[str, str]) -> None:
    """configure's and each tool's --help describe the change, not the module's internals."""
    result = run_cli(argv, helper_env)
    assert (result.code, result.stderr) == (0, "")
    text = " ".join(result.stdout.split())
    for word in words:
        assert word in text, (word, text)
    assert "argparse" not in text
    assert "docs/" not in text
