"""configure terraform / cargo again: options given replace their old values, options left out keep them;
unconfigure says what it leaves and why; the plugin link is only ever replaced or removed as the plan saw it."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.integrations.changes import RemoveSymlink, Symlink

from .conftest import BIN_DIR, run_cli
from .support.profiles import full_profile

PROVIDER = str(BIN_DIR / "cargo-credential-rightbrain")


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env with a terraform CLI config, a CARGO_HOME, and a config file with profiles p1 and p2."""
    config = Path(helper_env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(full_profile(helper_env, "p1") + full_profile(helper_env, "p2"))
    config.chmod(0o600)
    (tmp_path / "cargo").mkdir()
    return {**helper_env, "TF_CLI_CONFIG_FILE": str(tmp_path / "tfrc"), "CARGO_HOME": str(tmp_path / "cargo")}


def configure(env: dict[str, str], *args: str, command: str = "configure") -> str:
    """Run configure (or unconfigure) in process; it must succeed; its stdout."""
    result = run_cli([command, *args], env)
    assert result.code == 0, result.stderr
    return result.stdout


def hosts(env: dict[str, str]) -> dict[str, object]:
    """The helper's host list, as TOML reads it."""
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    found: dict[str, object] = tomllib.loads(path.read_text()).get("hosts", {})
    return found


def registry(env: dict[str, str], name: str) -> dict[str, object]:
    """cargo's [registries.NAME] table."""
    data = tomllib.loads(Path(env["CARGO_HOME"], "config.toml").read_text())
    table: dict[str, object] = data["registries"][name]
    return table


def test_terraform_takes_a_new_profile_and_keeps_it_when_left_out(env: dict[str, str]) -> None:
    """--profile p2 on a second run changes the host's profile; a run without --profile keeps p2 and changes
    nothing."""
    configure(env, "terraform", "--host", "tf.example.com", "--profile", "p1")
    out = configure(env, "terraform", "--host", "tf.example.com", "--profile", "p2")
    assert 'set profile = "p2" (was "p1")' in out
    assert hosts(env) == {"tf.example.com": {"profile": "p2", "configured_by": ["terraform"]}}
    again = configure(env, "terraform", "--host", "tf.example.com")
    assert all(line.startswith("unchanged: ") for line in again.splitlines()), again
    assert hosts(env) == {"tf.example.com": {"profile": "p2", "configured_by": ["terraform"]}}


def test_cargo_keeps_index_and_no_bearer_when_left_out(env: dict[str, str]) -> None:
    """A second run with only --profile keeps the index and --no-bearer; --bearer then drops --no-bearer."""
    index = "sparse+https://crates.example.com/index/"
    configure(env, "cargo", "--registry", "corp", "--index", index, "--no-bearer", "--profile", "p1")
    configure(env, "cargo", "--registry", "corp", "--profile", "p2")
    assert registry(env, "corp") == {"index": index, "credential-provider": [PROVIDER, "--no-bearer"]}
    assert hosts(env) == {"crates.example.com": {"profile": "p2", "configured_by": ["cargo"]}}
    out = configure(env, "cargo", "--registry", "corp", "--bearer")
    assert "did update [registries.corp] in " in out
    assert registry(env, "corp") == {"index": index, "credential-provider": [PROVIDER]}


def test_cargo_moves_the_host_with_the_index(env: dict[str, str]) -> None:
    """A new --index on another host: the old host leaves the host list in the same edit, the new one comes with
    the old host's profile, and the block is rewritten in place."""
    configure(env, "cargo", "--registry", "corp", "--index", "sparse+https://old.example.com/i/", "--profile", "p2")
    out = configure(env, "cargo", "--registry", "corp", "--index", "sparse+https://new.example.com:8443/i/")
    assert '[hosts."new.example.com:8443"]' in out
    assert 'remove [hosts."old.example.com"]' in out
    assert hosts(env) == {"new.example.com:8443": {"profile": "p2", "configured_by": ["cargo"]}}
    assert registry(env, "corp")["index"] == "sparse+https://new.example.com:8443/i/"
    assert Path(env["CARGO_HOME"], "config.toml").read_text().count("# BEGIN rightbrain-helper") == 1


def test_cargo_unconfigure_names_what_it_leaves(env: dict[str, str]) -> None:
    """A registry table configure did not write stays and is named; a host another registry of ours uses stays
    and the registry using it is named."""
    path = Path(env["CARGO_HOME"], "config.toml")
    path.write_text('[registries.public]\nindex = "https://x.example/i"\n')
    out = configure(env, "cargo", "--registry", "public", command="unconfigure")
    assert out == f"left [registries.public] in {path}: configure did not write it\n"
    configure(env, "cargo", "--registry", "a", "--index", "sparse+https://crates.example.com/a/")
    configure(env, "cargo", "--registry", "b", "--index", "sparse+https://crates.example.com/b/")
    out = configure(env, "cargo", "--registry", "a", command="unconfigure")
    assert 'left [hosts."crates.example.com"] in ' in out
    assert ": registry b still uses it\n" in out


def test_terraform_unconfigure_leaves_a_plugin_it_did_not_write(env: dict[str, str]) -> None:
    """A file at the plugin path that is not our link survives unconfigure, which names it and says why."""
    configure(env, "terraform", "--host", "tf.example.com")
    link = Path(env["HOME"], ".terraform.d", "plugins", "terraform-credentials-rightbrain")
    link.unlink()
    link.write_text("mine\n")
    out = configure(env, "terraform", "--host", "tf.example.com", command="unconfigure")
    assert f"left {link}: not a link to terraform-credentials-rightbrain\n" in out
    assert link.read_text() == "mine\n"


def test_a_link_change_refuses_a_path_that_changed_since_the_plan(tmp_path: Path) -> None:
    """A file that appeared where a link was planned, or a link re-pointed before its removal, is left alone."""
    link = tmp_path / "plugins" / "helper"
    create = Symlink(str(link), "/opt/helper", None)
    link.parent.mkdir()
    link.write_text("appeared\n")
    with pytest.raises(ConfigError, match="changed while configure ran"):
        create.apply()
    assert link.read_text() == "appeared\n"
    link.unlink()
    os.symlink("/elsewhere/helper", link)
    with pytest.raises(ConfigError, match="changed while unconfigure ran"):
        RemoveSymlink(str(link), "/opt/helper").apply()
    assert os.readlink(link) == "/elsewhere/helper"
    assert Symlink(str(link), "/opt/helper", "/elsewhere/helper").apply() == [f"did link {link} -> /opt/helper"]
    assert os.readlink(link) == "/opt/helper"
