"""configure's edits to the helper's own host list: per-tool, idempotent, comment-preserving, reversible."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.integrations.hostlist import plan_add_host, plan_remove_host, with_host, without_host


def add_host(path: str, host: str, fields: dict[str, str | None], *, tool: str, dry_run: bool) -> str:
    """Plan adding `host` for `tool`, then preview or apply it; the one line it prints."""
    change = plan_add_host(path, host, fields, tool=tool)
    (line,) = change.preview() if dry_run else change.apply()
    return line


def remove_host(path: str, host: str, *, tool: str, dry_run: bool) -> str:
    """Plan removing `host` for `tool`, then preview or apply it; the one line it prints."""
    change = plan_remove_host(path, host, tool=tool)
    (line,) = change.preview() if dry_run else change.apply()
    return line


EXISTING = """# my settings
default_profile = "prod"

[profiles.prod]
client_id = "abc"  # keep this comment

[hosts.'other.example']
profile = "prod"
"""


def test_add_then_remove_restores_the_file() -> None:
    """Adding a host appends one table owned by the tool; removing it gives back the original text."""
    added, _ = with_host(EXISTING, "git.example.com", {"profile": "prod", "username": ""}, "git")
    table = tomllib.loads(added)["hosts"]["git.example.com"]
    assert table == {"profile": "prod", "configured_by": ["git"]}
    assert added.startswith(EXISTING)
    assert without_host(added, "git.example.com", "git")[0] == EXISTING


def test_adding_twice_changes_nothing() -> None:
    """configure is idempotent: a host already listed for the tool with the same values is left as it is, and
    an option left out (None) keeps the value there."""
    once, _ = with_host(EXISTING, "git.example.com", {"profile": "prod"}, "git")
    assert with_host(once, "git.example.com", {"profile": "prod"}, "git") == (once, [])
    assert with_host(once, "git.example.com", {"profile": None, "username": None}, "git") == (once, [])


def test_new_values_replace_the_old_ones() -> None:
    """Re-running configure with another profile or username changes those keys (and says what they were);
    an empty value removes the key; comments and other tables stay."""
    once, _ = with_host(EXISTING, "git.example.com", {"profile": "prod", "username": "a"}, "git")
    changed, what = with_host(once, "git.example.com", {"profile": "staging", "username": "b"}, "git")
    assert tomllib.loads(changed)["hosts"]["git.example.com"] == {
        "profile": "staging",
        "username": "b",
        "configured_by": ["git"],
    }
    assert what == ['set profile = "staging" (was "prod")', 'set username = "b" (was "a")']
    assert changed.startswith(EXISTING)
    cleared, what = with_host(changed, "git.example.com", {"profile": None, "username": ""}, "git")
    assert tomllib.loads(cleared)["hosts"]["git.example.com"] == {"profile": "staging", "configured_by": ["git"]}
    assert what == ['remove username (was "b")']
    added, what = with_host(cleared, "git.example.com", {"username": "c"}, "git")
    assert tomllib.loads(added)["hosts"]["git.example.com"] == {
        "profile": "staging",
        "username": "c",
        "configured_by": ["git"],
    }
    assert what == ['set username = "c"']


def test_two_tools_share_a_host_until_both_are_gone() -> None:
    """A host configured for git and docker stays listed when git is unconfigured, and goes with docker."""
    text, _ = with_host(EXISTING, "gitea.example.com", {"profile": "prod"}, "git")
    text, _ = with_host(text, "gitea.example.com", {"profile": "prod"}, "docker")
    assert tomllib.loads(text)["hosts"]["gitea.example.com"]["configured_by"] == ["git", "docker"]
    text, _ = without_host(text, "gitea.example.com", "git")
    assert tomllib.loads(text)["hosts"]["gitea.example.com"] == {"profile": "prod", "configured_by": ["docker"]}
    assert without_host(text, "gitea.example.com", "kubectl") == (text, [])
    assert without_host(text, "gitea.example.com", "docker")[0] == EXISTING


def test_hand_written_entries_are_never_touched() -> None:
    """A table without configured_by is the user's: configure uses it as is when it fits, unconfigure leaves it."""
    assert with_host(EXISTING, "other.example", {"profile": "prod"}, "git") == (EXISTING, [])
    assert with_host(EXISTING, "other.example", {"profile": None}, "git") == (EXISTING, [])
    assert without_host(EXISTING, "other.example", "git") == (EXISTING, [])


@pytest.mark.parametrize(
    ("table", "fields", "fragment"),
    [
        ('profile = "prod"\n', {"profile": "x"}, 'has profile = "prod", not "x"'),
        ('tools = ["docker"]\n', {"profile": None}, 'its tools leave out git: add "git"'),
    ],
)
def test_hand_written_entries_that_do_not_fit_stop_configure(
    table: str, fields: dict[str, str | None], fragment: str
) -> None:
    """configure cannot honour a value a hand-written entry contradicts, or serve a tool its tools leave out:
    an error saying so, and nothing changed."""
    text = f"[hosts.'other.example']\n{table}"
    with pytest.raises(ConfigError, match="your own entry") as caught:
        with_host(text, "other.example", fields, "git")
    assert fragment in str(caught.value)
    assert "nothing was changed" in str(caught.value)


def test_removal_finds_tables_however_quoted() -> None:
    """A table whose header uses single quotes is found and removed; other tables stay."""
    text = EXISTING + "\n[hosts.'quoted.example']\nconfigured_by = ['git']\n"
    assert without_host(text, "quoted.example", "git")[0] == EXISTING


def test_hostile_host_names_stay_inside_their_string() -> None:
    """Quotes, backslashes and newlines in a host name cannot inject TOML."""
    name = 'x"]\n[profiles.evil]\nclient_id = "y'
    added, _ = with_host("", name, {"profile": "p"}, "git")
    table = tomllib.loads(added)
    assert list(table["hosts"]) == [name]
    assert "profiles" not in table


def test_invalid_config_is_reported_not_overwritten(tmp_path: Path) -> None:
    """A config file that is not TOML stops configure with a config error; the file is untouched."""
    path = tmp_path / "config.toml"
    path.write_text("this is [not toml\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        add_host(str(path), "h.example", {}, tool="git", dry_run=False)
    assert path.read_text() == "this is [not toml\n"


def test_file_edits_are_backed_up_and_keep_the_mode(tmp_path: Path) -> None:
    """A real edit backs up the old file and keeps its mode; a dry run and a no-op write nothing."""
    path = tmp_path / "config.toml"
    path.write_text(EXISTING)
    path.chmod(0o640)
    assert add_host(str(path), "h.example", {"profile": "prod"}, tool="git", dry_run=True).startswith("would add")
    assert path.read_text() == EXISTING
    assert add_host(str(path), "h.example", {"profile": "prod"}, tool="git", dry_run=False).startswith("did add")
    backups = sorted(tmp_path.glob("config.toml.bak-*"))
    assert [item.read_text() for item in backups] == [EXISTING]
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert add_host(str(path), "h.example", {}, tool="git", dry_run=False).startswith("unchanged")
    assert remove_host(str(path), "h.example", tool="git", dry_run=False).startswith("did remove")
    assert path.read_text() == EXISTING
    assert len(list(tmp_path.glob("config.toml.bak-*"))) == 2, "the second edit must not overwrite the first backup"


def test_unconfigure_says_when_an_entry_is_the_users_own(tmp_path: Path) -> None:
    """Unconfiguring a hand-written host names it as the user's own and changes nothing."""
    path = tmp_path / "config.toml"
    path.write_text(EXISTING)
    line = remove_host(str(path), "other.example", tool="git", dry_run=False)
    assert "your own entry" in line
    assert path.read_text() == EXISTING


def test_new_config_file_is_private(tmp_path: Path) -> None:
    """A config file created by configure is 0600 in a directory created 0700."""
    path = tmp_path / "new" / "config.toml"
    add_host(str(path), "h.example", {"profile": "prod"}, tool="git", dry_run=False)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
