"""configure backs a file up before changing it and keeps the newest three backups per file, not one per run."""

from __future__ import annotations

import os
from pathlib import Path

from rightbrain_helper.integrations.files import KEEP_BACKUPS, backup, backups_of

from .conftest import BIN_DIR, run_cli


def test_thirty_runs_leave_three_backups_per_file(helper_env: dict[str, str], tmp_path: Path) -> None:
    """Thirty configure/unconfigure runs for docker leave exactly three backups of config.json and of the helper's
    config file; the newest holds the text before the last change."""
    env = {**helper_env, "DOCKER_CONFIG": str(tmp_path / "docker"), "PATH": f"{BIN_DIR}{os.pathsep}/usr/bin"}
    config_json = tmp_path / "docker" / "config.json"
    config_toml = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    previous = ""
    for run in range(30):
        previous = config_json.read_text() if config_json.exists() else ""
        command = "configure" if run % 2 == 0 else "unconfigure"
        assert run_cli([command, "docker", "--registry", "reg.example.com"], env).code == 0
    for path in (config_json, config_toml):
        kept = backups_of(str(path))
        assert len(kept) == KEEP_BACKUPS == 3, kept
        assert sorted(path.parent.glob(path.name + ".bak-*")) == sorted(Path(item) for item in kept)
    assert Path(backups_of(str(config_json))[-1]).read_text() == previous


def test_pruning_keeps_the_newest_and_touches_nothing_else(tmp_path: Path) -> None:
    """Backups are ordered by time stamp and then by number (.2 before .10); files that merely look similar
    (another name, a suffix of the user's, a directory) are never removed."""
    target = tmp_path / "config.json"
    target.write_text("{}")
    names = ["20240101T000000", "20240101T000000.2", "20240101T000000.10", "20230101T000000"]
    for name in names:
        (tmp_path / f"config.json.bak-{name}").write_text(name)
    others = ["config.json.bak-notes", "config.json.bak-20240101T000000.old", "other.json.bak-20200101T000000"]
    for name in others:
        (tmp_path / name).write_text("mine")
    (tmp_path / "config.json.bak-20190101T000000").mkdir()
    made = backup(str(target))
    kept = [Path(item).name for item in backups_of(str(target))]
    assert kept == ["config.json.bak-20240101T000000.2", "config.json.bak-20240101T000000.10", Path(made).name]
    for name in [*others, "config.json.bak-20190101T000000"]:
        assert (tmp_path / name).exists(), name
