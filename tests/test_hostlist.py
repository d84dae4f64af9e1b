"""configure's edits to the helper's own host list: idempotent, comment-preserving, reversible, backed up."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.integrations.hostlist import add_host, remove_host, with_host, without_host

EXISTING = """# my settings
default_profile = "prod"

[profiles.prod]
client_id = "abc"  # keep this comment

[hosts.'other.example']
profile = "prod"
"""


def test_add_then_remove_restores_the_file() -> None:
    """Adding a host appends one table; removing it gives back the original text, comments included."""
    added = with_host(EXISTING, "git.example.com", {"profile": "prod", "username": ""})
    assert tomllib.loads(added)["hosts"]["git.example.com"] == {"profile": "prod"}
    assert added.startswith(EXISTING)
    assert without_host(added, "git.example.com") == EXISTING


def test_adding_twice_changes_nothing() -> None:
    """configure is idempotent: a host already listed is left as it is."""
    once = with_host(EXISTING, "git.example.com", {"profile": "prod"})
    assert with_host(once, "git.example.com", {"profile": "other"}) == once


def test_removal_finds_tables_however_quoted() -> None:
    """A table written with single quotes is found and removed; other tables stay."""
    removed = without_host(EXISTING, "other.example")
    assert "other.example" not in removed
    assert tomllib.loads(removed)["profiles"]["prod"]["client_id"] == "abc"


def test_hostile_host_names_stay_inside_their_string() -> None:
    """Quotes, backslashes and newlines in a host name cannot inject TOML."""
    name = 'x"]\n[profiles.evil]\nclient_id = "y'
    added = with_host("", name, {"profile": "p"})
    table = tomllib.loads(added)
    assert list(table["hosts"]) == [name]
    assert "profiles" not in table


def test_invalid_config_is_reported_not_overwritten(tmp_path: Path) -> None:
    """A config file that is not TOML stops configure with a config error; the file is untouched."""
    path = tmp_path / "config.toml"
    path.write_text("this is [not toml\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        add_host(str(path), "h.example", {}, dry_run=False)
    assert path.read_text() == "this is [not toml\n"


def test_file_edits_are_backed_up_and_keep_the_mode(tmp_path: Path) -> None:
    """A real edit backs up the old file, keeps its mode; a dry run and a no-op write nothing."""
    path = tmp_path / "config.toml"
    path.write_text(EXISTING)
    path.chmod(0o640)
    assert add_host(str(path), "h.example", {"profile": "prod"}, dry_run=True).startswith("would add")
    assert path.read_text() == EXISTING
    line = add_host(str(path), "h.example", {"profile": "prod"}, dry_run=False)
    assert line.startswith("did add")
    backups = sorted(tmp_path.glob("config.toml.bak-*"))
    assert [item.read_text() for item in backups] == [EXISTING]
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert add_host(str(path), "h.example", {}, dry_run=False).startswith("unchanged")
    assert remove_host(str(path), "h.example", dry_run=False).startswith("did remove")
    assert path.read_text() == EXISTING
    assert len(list(tmp_path.glob("config.toml.bak-*"))) == 2, "the second edit must not overwrite the first backup"


def test_new_config_file_is_private(tmp_path: Path) -> None:
    """A config file created by configure is 0600 in a directory created 0700."""
    path = tmp_path / "new" / "config.toml"
    add_host(str(path), "h.example", {"profile": "prod"}, dry_run=False)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
