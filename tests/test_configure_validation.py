"""configure checks everything before it writes anything: a profile that cannot work, or a file it cannot edit,
stops it with one error line, exit 3, and every file (git's, docker's, kubectl's, the helper's own) as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CliResult, run_cli
from .support.configure import TOOL_ARGS, TOOL_HOSTS, snapshot, tool_env
from .support.profiles import full_profile


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env with a global git config, a docker config.json, a kubeconfig, a terraform CLI config and a cargo
    config.toml, each already holding something."""
    return tool_env(helper_env, tmp_path)


def config_file(env: dict[str, str]) -> Path:
    """The helper's config file (profiles and host list)."""
    return Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"


def write_config(env: dict[str, str], text: str) -> None:
    """The helper's config file, 0600."""
    config_file(env).parent.mkdir(parents=True, exist_ok=True)
    config_file(env).write_text(text)
    config_file(env).chmod(0o600)


def assert_refused(result: CliResult, *fragments: str) -> None:
    """Exit 3, nothing on stdout, one error line with `fragments` ending in "nothing was changed"."""
    stderr = result.stderr
    assert (result.code, result.stdout) == (3, ""), stderr
    assert stderr.startswith("rightbrain-helper: error: "), stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.rstrip().endswith("nothing was changed"), stderr
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)


def bad_profiles(env: dict[str, str], tmp_path: Path) -> dict[str, tuple[str, list[str], dict[str, str], str]]:
    """Profiles that cannot work: (config text, extra configure args, environment changes, expected fragment)."""
    readable = tmp_path / "readable.secret"
    readable.write_text("s\n")
    readable.chmod(0o644)
    no_client = {"RIGHTBRAIN_CLIENT_ID": ""}
    return {
        "unknown-profile": (full_profile(env, "a"), ["--profile", "nope"], {}, "profile 'nope' is not in"),
        "no-client-id": ('[profiles.half]\naudience = "x"\n', ["--profile", "half"], {}, "no client id"),
        "default-without-client": ("", [], no_client, "no client id: set RIGHTBRAIN_CLIENT_ID"),
        "secret-file-others-can-read": (
            f'[profiles.p]\nclient_id = "c"\nclient_secret_file = "{readable}"\n',
            ["--profile", "p"],
            {},
            f"client secret file {readable}",
        ),
        "secret-file-missing": (
            f'[profiles.p]\nclient_id = "c"\nclient_secret_file = "{tmp_path / "gone"}"\n',
            ["--profile", "p"],
            {},
            f"client secret file {tmp_path / 'gone'}",
        ),
        "secret-command-missing": (
            '[profiles.p]\nclient_id = "c"\nclient_secret_command = ["no-such-command-rb"]\n',
            ["--profile", "p"],
            {},
            "'no-such-command-rb' is not an executable",
        ),
    }


@pytest.mark.parametrize("tool", sorted(TOOL_ARGS))
@pytest.mark.parametrize(
    "case",
    [
        "unknown-profile",
        "no-client-id",
        "default-without-client",
        "secret-file-others-can-read",
        "secret-file-missing",
        "secret-command-missing",
    ],
)
def test_a_profile_that_cannot_work_stops_configure_before_any_write(
    tool: str, case: str, env: dict[str, str], tmp_path: Path
) -> None:
    """Unknown profile, no client id, an unreadable or missing secret file, a secret command that does not
    exist: exit 3 naming the problem, and no file anywhere is written (not even a backup)."""
    text, args, changes, fragment = bad_profiles(env, tmp_path)[case]
    write_config(env, text)
    before = snapshot(tmp_path)
    result = run_cli(["configure", *TOOL_ARGS[tool], *args], {**env, **changes})
    assert_refused(result, fragment)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("tool", sorted(TOOL_ARGS))
def test_dry_run_checks_the_profile_too(tool: str, env: dict[str, str]) -> None:
    """--dry-run reports the same error a real run would."""
    result = run_cli(["configure", *TOOL_ARGS[tool], "--profile", "nope", "--dry-run"], env)
    assert_refused(result, "profile 'nope'")


def test_invalid_docker_config_leaves_the_host_list_alone(env: dict[str, str], tmp_path: Path) -> None:
    """A config.json that is not JSON stops configure docker before the host list is touched (it used to gain the
    registry first)."""
    (tmp_path / "docker" / "config.json").write_text("{not json")
    before = snapshot(tmp_path)
    result = run_cli(["configure", *TOOL_ARGS["docker"]], env)
    assert_refused(result, "config.json is not valid JSON")
    assert snapshot(tmp_path) == before
    assert not config_file(env).exists()


@pytest.mark.parametrize("tool", sorted(TOOL_ARGS))
def test_a_host_entry_configure_cannot_honour_stops_every_tool_before_its_own_files(
    tool: str, env: dict[str, str], tmp_path: Path
) -> None:
    """Whichever of the host list and the tool's own files a tool plans first, every file (git's config,
    config.json, the kubeconfig, the terraform CLI config and plugin link, cargo's config.toml) stays untouched
    when a hand-written entry for the host names another profile than asked."""
    host = TOOL_HOSTS[tool]
    write_config(env, full_profile(env, "a") + full_profile(env, "b") + f'[hosts."{host}"]\nprofile = "a"\n')
    before = snapshot(tmp_path)
    result = run_cli(["configure", *TOOL_ARGS[tool], "--profile", "b"], env)
    assert_refused(result, "your own entry", 'has profile = "a", not "b"')
    assert snapshot(tmp_path) == before


def test_a_secret_command_is_looked_up_not_run(env: dict[str, str], tmp_path: Path) -> None:
    """configure accepts a profile whose secret command exists, without running it (it may prompt)."""
    marker = tmp_path / "ran"
    command = tmp_path / "secret-command"
    command.write_text(f"#!/bin/sh\ntouch {marker}\necho s\n")
    command.chmod(0o700)
    write_config(env, f'[profiles.p]\nclient_id = "c"\nclient_secret_command = ["{command}"]\n')
    result = run_cli(["configure", *TOOL_ARGS["docker"], "--profile", "p"], env)
    assert result.code == 0, result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("tool", sorted(TOOL_ARGS))
def test_skip_profile_check_writes_for_a_profile_that_comes_later(tool: str, env: dict[str, str]) -> None:
    """--skip-profile-check (an image built before its secret exists) writes the tool's setup anyway; the file
    checks still apply."""
    env = {**env, "RIGHTBRAIN_CLIENT_ID": "", "RIGHTBRAIN_CLIENT_SECRET": ""}
    result = run_cli(["configure", *TOOL_ARGS[tool], "--skip-profile-check"], env)
    assert result.code == 0, result.stderr
    assert config_file(env).exists()
