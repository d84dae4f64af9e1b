"""Every console script answers --version, and every command's --help says what it does, without pointing to
documentation files that a pip install does not have."""

from __future__ import annotations

import subprocess

import pytest

from rightbrain_helper import __version__

from .conftest import helper_command, run_cli

SCRIPTS = ["rightbrain-helper", "git-credential-rightbrain", "docker-credential-rightbrain"]


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


@pytest.mark.parametrize("name", ["git-credential-rightbrain", "docker-credential-rightbrain"])
def test_the_tool_helpers_explain_themselves(name: str, helper_env: dict[str, str]) -> None:
    """--help of the git and docker helpers says what runs them, what they answer and how to set them up."""
    done = run_script(name, "--help", env=helper_env)
    assert (done.returncode, done.stderr) == (0, "")
    assert "credential helper" in done.stdout
    assert f"rightbrain-helper configure {name.split('-', maxsplit=1)[0]}" in done.stdout
    assert "docs/" not in done.stdout


COMMAND_WORDS = {
    "token": "Print the profile's access token",
    "header": "Authorization: Bearer",
    "json": "expires_at",
    "status": "cached tokens",
    "clear": "Remove the cached tokens",
    "kubectl": "exec credential plugin",
}


@pytest.mark.parametrize("command", sorted(COMMAND_WORDS))
@pytest.mark.parametrize("order", ["after", "before"])
def test_each_command_has_its_own_help(command: str, order: str, helper_env: dict[str, str]) -> None:
    """`rightbrain-helper COMMAND --help` (or --help COMMAND) prints that command's usage and what it does."""
    argv = [command, "--help"] if order == "after" else ["--help", command]
    result = run_cli(argv, helper_env)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"usage: rightbrain-helper {command}")
    assert COMMAND_WORDS[command] in result.stdout
    assert "docs/" not in result.stdout


def test_the_overview_lists_exit_codes_inline(helper_env: dict[str, str]) -> None:
    """The overview says what each exit code means instead of naming a file pip does not install."""
    result = run_cli(["--help"], helper_env)
    assert "exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration" in result.stdout
    assert "docs/" not in result.stdout


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["configure", "--help"], ["Set up a tool to get its tokens from this helper", "backed up"]),
        (["unconfigure", "--help"], ["Undo configure", "what was left and why"]),
        (["configure", "git", "--help"], ["credential.https://HOST.helper", "--username", "--dry-run"]),
        (["configure", "docker", "--help"], ["credHelpers", "--registry"]),
        (["configure", "kubectl", "--help"], ["exec plugin", "--server", "--certificate-authority"]),
        (["unconfigure", "kubectl", "--help"], ["removes a cluster", "--cluster"]),
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
