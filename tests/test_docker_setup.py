"""`rightbrain-helper configure|unconfigure docker`: docker's config.json edited as JSON, and the host list."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from .conftest import BIN_DIR, CliResult, run_cli
from .support.profiles import full_profile

KEY = "127.0.0.1:5000"


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env with a throwaway DOCKER_CONFIG and the helper's bin directory on PATH."""
    path = f"{BIN_DIR}{os.pathsep}{helper_env.get('PATH', os.defpath)}"
    return {**helper_env, "DOCKER_CONFIG": str(tmp_path / "docker"), "PATH": path}


def docker_config(env: dict[str, str]) -> Path:
    """The config.json docker reads in `env`."""
    return Path(env["DOCKER_CONFIG"]) / "config.json"


def hosts_file(env: dict[str, str]) -> Path:
    """The helper's own config file in `env`."""
    return Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"


def configure(env: dict[str, str], *args: str, command: str = "configure") -> CliResult:
    """Run `rightbrain-helper configure docker ARGS` in process."""
    return run_cli([command, "docker", *args], env)


def backups(path: Path) -> list[Path]:
    """Backup copies made beside `path`."""
    return sorted(path.parent.glob(path.name + ".bak-*"))


def test_configure_creates_config_json_like_docker_writes_it(env: dict[str, str]) -> None:
    """A new config.json gets credHelpers, tab-indented, mode 600; the host list gets the registry."""
    result = configure(env, "--registry", KEY)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    assert result.stdout == (
        f'did add [hosts."{KEY}"] to {hosts_file(env)}\n'
        f'did set credHelpers["{KEY}"] = "rightbrain" in {docker_config(env)}\n'
    )
    assert docker_config(env).read_text() == '{\n\t"credHelpers": {\n\t\t"127.0.0.1:5000": "rightbrain"\n\t}\n}\n'
    assert stat.S_IMODE(docker_config(env).stat().st_mode) == 0o600
    assert hosts_file(env).read_text() == f'[hosts."{KEY}"]\nconfigured_by = ["docker"]\n'


ORIGINAL = """{
  "auths": {
    "ghcr.io": {
      "auth": "dXNlcjpwYXNz"
    }
  },
  "credsStore": "desktop",
  "credHelpers": {
    "gcr.io": "gcloud"
  },
  "psFormat": "table {{.ID}}\\t{{.Names}} \u00e9"
}
"""
CONFIGURED = ORIGINAL.replace('"gcloud"\n', '"gcloud",\n    "127.0.0.1:5000": "rightbrain"\n')


def test_configure_preserves_every_other_key_and_the_indent(env: dict[str, str]) -> None:
    """Other keys, their order, non-ASCII text, the two-space indent and the file mode stay; the old file is backed
    up; unconfigure gives back the original bytes."""
    docker_config(env).parent.mkdir()
    docker_config(env).write_text(ORIGINAL, encoding="utf-8")
    docker_config(env).chmod(0o640)
    assert configure(env, "--registry", KEY).code == 0
    assert docker_config(env).read_text(encoding="utf-8") == CONFIGURED
    assert stat.S_IMODE(docker_config(env).stat().st_mode) == 0o640
    assert [path.read_text(encoding="utf-8") for path in backups(docker_config(env))] == [ORIGINAL]
    assert configure(env, "--registry", KEY, command="unconfigure").code == 0
    assert docker_config(env).read_text(encoding="utf-8") == ORIGINAL


def test_configure_is_idempotent(env: dict[str, str]) -> None:
    """A second configure changes nothing, says so, and makes no backup."""
    profile = full_profile(env, "ci")
    hosts_file(env).write_text(profile)
    hosts_file(env).chmod(0o600)
    assert configure(env, "--registry", KEY, "--profile", "ci", "--username", "robot").code == 0
    text = docker_config(env).read_text()
    again = configure(env, "--registry", KEY, "--profile", "ci", "--username", "robot")
    assert again.stdout == (
        f"unchanged: {hosts_file(env)} (already as wanted)\n"
        f'unchanged: {docker_config(env)} (credHelpers["{KEY}"] is already "rightbrain")\n'
    )
    assert docker_config(env).read_text() == text
    assert backups(docker_config(env)) == []
    assert hosts_file(env).read_text() == (
        f'{profile}\n[hosts."{KEY}"]\nprofile = "ci"\nusername = "robot"\nconfigured_by = ["docker"]\n'
    )


def test_dry_run_prints_the_changes_and_writes_nothing(env: dict[str, str]) -> None:
    """--dry-run says what it would do; neither file is created."""
    result = configure(env, "--registry", KEY, "--dry-run")
    assert result.stdout == (
        f'would add [hosts."{KEY}"] to {hosts_file(env)}\n'
        f'would set credHelpers["{KEY}"] = "rightbrain" in {docker_config(env)}\n'
    )
    assert not docker_config(env).exists()
    assert not hosts_file(env).exists()


def test_unconfigure_removes_only_our_entry(env: dict[str, str]) -> None:
    """unconfigure drops credHelpers[R] only when it names rightbrain, and the now empty credHelpers object."""
    docker_config(env).parent.mkdir()
    docker_config(env).write_text('{\n\t"credHelpers": {\n\t\t"127.0.0.1:5000": "pass"\n\t}\n}')
    result = configure(env, "--registry", KEY, command="unconfigure")
    assert result.stdout == (
        f'unchanged: {docker_config(env)} (credHelpers["{KEY}"] is "pass", not this helper: left as it is)\n'
        f"unchanged: {hosts_file(env)} (already as wanted)\n"
    )
    configure(env, "--registry", KEY)
    assert '"127.0.0.1:5000": "rightbrain"' in docker_config(env).read_text()
    removed = configure(env, "--registry", KEY, command="unconfigure")
    assert removed.stdout.startswith(f'did remove credHelpers["{KEY}"] from {docker_config(env)} (backup: ')
    assert docker_config(env).read_text() == "{}"
    assert hosts_file(env).read_text() == ""


def test_configure_over_another_helper_says_what_it_replaced(env: dict[str, str]) -> None:
    """Taking over a registry from another helper names the previous one (the backup keeps it)."""
    docker_config(env).parent.mkdir()
    docker_config(env).write_text('{"credHelpers": {"127.0.0.1:5000": "pass"}}\n')
    result = configure(env, "--registry", KEY)
    assert (
        f'did set credHelpers["{KEY}"] = "rightbrain" in {docker_config(env)} (was "pass") (backup: ' in result.stdout
    )
    assert docker_config(env).read_text() == '{"credHelpers": {"127.0.0.1:5000": "rightbrain"}}\n'


@pytest.mark.parametrize("registry", ["docker.io", "https://index.docker.io/v1/", "registry-1.docker.io"])
def test_docker_hub_is_keyed_as_docker_looks_it_up(registry: str, env: dict[str, str]) -> None:
    """Docker Hub under any alias: credHelpers key https://index.docker.io/v1/, host-list name docker.io."""
    configure(env, "--registry", registry)
    assert '"https://index.docker.io/v1/": "rightbrain"' in docker_config(env).read_text()
    assert hosts_file(env).read_text() == '[hosts."docker.io"]\nconfigured_by = ["docker"]\n'


def test_registry_url_is_reduced_to_host_and_port(env: dict[str, str]) -> None:
    """--registry https://Reg.Example.com:5000/v2/ is keyed reg.example.com:5000, as in image names."""
    configure(env, "--registry", "https://Reg.Example.com:5000/v2/")
    assert '"reg.example.com:5000": "rightbrain"' in docker_config(env).read_text()
    assert hosts_file(env).read_text() == '[hosts."reg.example.com:5000"]\nconfigured_by = ["docker"]\n'


def test_configure_warns_when_docker_cannot_find_the_helper(env: dict[str, str], tmp_path: Path) -> None:
    """With docker-credential-rightbrain not on PATH, configure still writes, and warns (docker would go on
    without credentials, silently)."""
    result = configure({**env, "PATH": str(tmp_path)}, "--registry", KEY)
    assert result.code == 0
    assert result.stderr == (
        "rightbrain-helper: warning: docker-credential-rightbrain is not on PATH; "
        "docker looks for it there and goes on without credentials\n"
    )


def test_without_docker_config_the_home_directory_is_used(env: dict[str, str]) -> None:
    """DOCKER_CONFIG unset: ~/.docker/config.json, as the docker CLI reads it."""
    del env["DOCKER_CONFIG"]
    assert configure(env, "--registry", KEY).code == 0
    assert '"127.0.0.1:5000": "rightbrain"' in (Path(env["HOME"]) / ".docker" / "config.json").read_text()


def test_a_symlinked_config_json_is_edited_through_the_link(env: dict[str, str], tmp_path: Path) -> None:
    """A config.json that links into a dotfiles repository stays a link; the target gets the change."""
    target = tmp_path / "dotfiles" / "docker.json"
    target.parent.mkdir()
    target.write_text("{}\n")
    docker_config(env).parent.mkdir()
    docker_config(env).symlink_to(target)
    configure(env, "--registry", KEY)
    assert docker_config(env).is_symlink()
    assert '"127.0.0.1:5000": "rightbrain"' in target.read_text()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"credHelpers": []}'])
def test_a_config_json_it_cannot_edit_is_left_alone(text: str, env: dict[str, str]) -> None:
    """Invalid JSON, or the wrong shapes: exit 3 with one line naming the file; the file is untouched."""
    docker_config(env).parent.mkdir()
    docker_config(env).write_text(text)
    result = configure(env, "--registry", KEY)
    assert result.code == 3
    assert result.stderr.startswith("rightbrain-helper: error: ")
    assert str(docker_config(env)) in result.stderr
    assert docker_config(env).read_text() == text
    assert backups(docker_config(env)) == []


@pytest.mark.parametrize("args", [["--registry", ""], ["--registry", "reg example"], ["--username", "<token>"]])
def test_bad_arguments_are_usage_errors(args: list[str], env: dict[str, str]) -> None:
    """An empty or malformed registry, or the identity-token username: exit 2, nothing written."""
    result = configure(env, "--registry", KEY, *args)
    assert result.code == 2, result.stderr
    assert not docker_config(env).exists()
    assert not os.path.exists(hosts_file(env))
