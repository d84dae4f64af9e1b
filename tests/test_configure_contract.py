"""What every `configure` keeps, run over all five (git, docker, kubectl, terraform, cargo): a second run changes
nothing, --dry-run writes nothing, a file is backed up before it changes, and unconfigure removes what configure
added and nothing of the user's (the tool's own entries of the same kind, the helper's other profiles and hosts).
Each tool's file starts with the user's settings (tests/support/configure.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CliResult, run_cli
from .support.configure import TOOL_ARGS, TOOL_FILES, TOOL_HOSTS, UNCONFIGURE_ARGS, snapshot, tool_env, tool_view
from .support.profiles import full_profile

TOOLS = sorted(TOOL_ARGS)
WRITES = ("did ", "run: ", "wrote ")  # the lines of a run that changed something


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Every tool's config file holding the user's settings, and a helper config with a profile of the user's
    and a host entry written by hand."""
    env = tool_env(helper_env, tmp_path)
    path = helper_config(env)
    path.parent.mkdir(parents=True)
    path.write_text(full_profile(env, "mine") + '\n[hosts."mine.example.com"]\nprofile = "mine"\n')
    path.chmod(0o600)
    return env


def helper_config(env: dict[str, str]) -> Path:
    """The helper's own config file (profiles and host list)."""
    return Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"


def run(env: dict[str, str], tool: str, *extra: str, command: str = "configure") -> CliResult:
    """configure (or unconfigure) `tool`; it must succeed."""
    args = TOOL_ARGS[tool] if command == "configure" else UNCONFIGURE_ARGS[tool]
    result = run_cli([command, *args, *extra], env)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    return result


def written(result: CliResult) -> list[str]:
    """The lines of a run's report that say a change was made."""
    return [line for line in result.stdout.splitlines() if line.startswith(WRITES)]


@pytest.mark.parametrize("tool", TOOLS)
def test_a_second_configure_changes_nothing(tool: str, env: dict[str, str], tmp_path: Path) -> None:
    """Run again with the same options: every file (the tool's, the helper's, backups, links) keeps its bytes and
    mtime, and the report names no change."""
    run(env, tool)
    after_first = snapshot(tmp_path)
    again = run(env, tool)
    assert snapshot(tmp_path) == after_first
    assert written(again) == []
    assert any(line.startswith("unchanged: ") for line in again.stdout.splitlines())


@pytest.mark.parametrize("command", ["configure", "unconfigure"])
@pytest.mark.parametrize("tool", TOOLS)
def test_dry_run_writes_nothing(tool: str, command: str, env: dict[str, str], tmp_path: Path) -> None:
    """--dry-run (before configure, or before unconfigure of a configured tool) says what it would do and leaves
    every file, backup and link as it was."""
    if command == "unconfigure":
        run(env, tool)
    before = snapshot(tmp_path)
    result = run(env, tool, "--dry-run", command=command)
    assert snapshot(tmp_path) == before
    assert written(result) == []
    assert any(line.startswith("would ") for line in result.stdout.splitlines())


@pytest.mark.parametrize("tool", TOOLS)
def test_every_file_is_backed_up_before_it_changes(tool: str, env: dict[str, str], tmp_path: Path) -> None:
    """Each existing file configure changes (the tool's config, the helper's config) has a backup beside it that
    holds its bytes from before."""
    before = snapshot(tmp_path)
    run(env, tool)
    after = snapshot(tmp_path)
    changed = [path for path, (data, _mtime) in before.items() if after[path][0] != data]
    assert sorted(Path(path).name for path in changed) == sorted(["config.toml", Path(TOOL_FILES[tool]).name])
    for path in changed:
        backups = [name for name in after if name.startswith(path + ".bak-")]
        assert [after[name][0] for name in backups] == [before[path][0]], path


@pytest.mark.parametrize("tool", TOOLS)
def test_unconfigure_removes_only_what_configure_added(tool: str, env: dict[str, str], tmp_path: Path) -> None:
    """configure then unconfigure: the tool's settings are the user's again (its other entries untouched), the
    helper's config is byte for byte what the user wrote, and nothing but backups is left behind."""
    tool_before, config_before = tool_view(tool, env, tmp_path), helper_config(env).read_bytes()
    files_before = set(snapshot(tmp_path))
    run(env, tool)
    assert f'[hosts."{TOOL_HOSTS[tool]}"]' in helper_config(env).read_text()
    run(env, tool, command="unconfigure")
    assert tool_view(tool, env, tmp_path) == tool_before
    assert helper_config(env).read_bytes() == config_before
    assert all(".bak-" in path for path in set(snapshot(tmp_path)) - files_before)


@pytest.mark.parametrize("tool", TOOLS)
def test_unconfigure_of_a_tool_never_configured_changes_nothing(tool: str, env: dict[str, str], tmp_path: Path) -> None:
    """unconfigure with nothing of ours in place: no file is written, the report names no change."""
    before = snapshot(tmp_path)
    result = run(env, tool, command="unconfigure")
    assert snapshot(tmp_path) == before
    assert written(result) == []
