"""configure / unconfigure terraform and cargo: what each writes and what each refuses (the properties every
configure keeps are in test_configure_contract.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import BIN_DIR, CliResult, run_cli
from .support.profiles import full_profile

TF_ORIGINAL = 'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\n# my comment\n'
CARGO_ORIGINAL = '[net]\ngit-fetch-with-cli = true  # keep\n\n[registries.public]\nindex = "https://x.example/i"\n'
TF_BLOCK = (
    "\n# BEGIN rightbrain-helper terraform (written by `rightbrain-helper configure`; unconfigure removes it)\n"
    'credentials_helper "rightbrain" {\n  args = []\n}\n# END rightbrain-helper terraform\n'
)


def cargo_block(name: str, index: str, *extra: str) -> str:
    """The block configure cargo appends."""
    provider = ", ".join(f'"{item}"' for item in [str(BIN_DIR / "cargo-credential-rightbrain"), *extra])
    return (
        f'\n# BEGIN rightbrain-helper cargo registry "{name}" (written by `rightbrain-helper configure`; '
        f'unconfigure removes it)\n[registries.{name}]\nindex = "{index}"\ncredential-provider = [{provider}]\n'
        f'# END rightbrain-helper cargo registry "{name}"\n'
    )


@pytest.fixture
def env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env with terraform's CLI config and CARGO_HOME under the test's directory, both holding a file."""
    (tmp_path / "cargo").mkdir()
    (tmp_path / "cargo" / "config.toml").write_text(CARGO_ORIGINAL)
    (tmp_path / "tfrc").write_text(TF_ORIGINAL)
    return {**helper_env, "TF_CLI_CONFIG_FILE": str(tmp_path / "tfrc"), "CARGO_HOME": str(tmp_path / "cargo")}


CALLS = {
    "terraform": ["terraform", "--host", "app.example.com"],
    "cargo": ["cargo", "--registry", "corp", "--index", "sparse+https://crates.example.com/index/"],
}


def snapshot(root: Path) -> dict[str, str]:
    """Every file (its text) and symlink (its target) under `root`."""
    found = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            found[str(path)] = "-> " + os.readlink(path) if path.is_symlink() else path.read_text()
    return found


def configure(env: dict[str, str], *argv: str, command: str = "configure") -> CliResult:
    """Run configure (or unconfigure) in process; fail the test on a non-zero exit."""
    result = run_cli([command, *argv], env)
    assert result.code == 0, result.stderr
    return result


def test_configure_terraform_writes_the_block_the_link_and_the_host(env: dict[str, str], tmp_path: Path) -> None:
    """The CLI config gains our credentials_helper block, the plugin directory a link, the host list the host."""
    profiles = full_profile(env, "prod")
    config = Path(env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml")
    config.write_text(profiles)
    config.chmod(0o600)
    configure(env, "terraform", "--host", "App.Example.com:443", "--profile", "prod")
    assert (tmp_path / "tfrc").read_text() == TF_ORIGINAL + TF_BLOCK
    link = Path(env["HOME"], ".terraform.d", "plugins", "terraform-credentials-rightbrain")
    assert os.readlink(link) == str(BIN_DIR / "terraform-credentials-rightbrain")
    assert (
        config.read_text()
        == profiles + '\n[hosts."app.example.com"]\nprofile = "prod"\nconfigured_by = ["terraform"]\n'
    )


def test_terraform_defaults_to_terraformrc_in_home(env: dict[str, str]) -> None:
    """Without TF_CLI_CONFIG_FILE the block goes to ~/.terraformrc (a new file, mode 0600)."""
    del env["TF_CLI_CONFIG_FILE"]
    configure(env, "terraform", "--host", "app.example.com")
    rc = Path(env["HOME"], ".terraformrc")
    assert rc.read_text() == TF_BLOCK.lstrip("\n")
    assert rc.stat().st_mode & 0o777 == 0o600


def test_terraform_block_stays_while_another_host_uses_it(env: dict[str, str], tmp_path: Path) -> None:
    """Two hosts share the block and the link; unconfiguring one keeps them, unconfiguring the last removes them."""
    configure(env, "terraform", "--host", "a.example.com")
    configure(env, "terraform", "--host", "b.example.com:8443")
    kept = configure(env, "terraform", "--host", "a.example.com", command="unconfigure")
    assert "still used for b.example.com:8443" in kept.stdout
    assert (tmp_path / "tfrc").read_text() == TF_ORIGINAL + TF_BLOCK
    configure(env, "terraform", "--host", "b.example.com:8443", command="unconfigure")
    assert (tmp_path / "tfrc").read_text() == TF_ORIGINAL


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ('credentials_helper "other" {\n}\n', "already names a credentials_helper and terraform allows only one"),
        ('{"credentials_helper": {}}', "terraform's JSON syntax"),
        ("# BEGIN rightbrain-helper terraform\n", "are not one pair"),
    ],
)
def test_terraform_refuses_what_it_cannot_edit_safely(
    existing: str, message: str, env: dict[str, str], tmp_path: Path
) -> None:
    """Another credentials_helper, JSON syntax or a broken marker: exit 3 with the reason, nothing changed."""
    (tmp_path / "tfrc").write_text(existing)
    before = snapshot(tmp_path)
    result = run_cli(["configure", *CALLS["terraform"]], env)
    assert result.code == 3
    assert message in result.stderr
    assert snapshot(tmp_path) == before


def test_terraform_never_replaces_a_plugin_file_it_did_not_write(env: dict[str, str], tmp_path: Path) -> None:
    """A file already at the plugin path that is not our link: exit 3 before any write, the file untouched."""
    plugins = Path(env["HOME"], ".terraform.d", "plugins")
    plugins.mkdir(parents=True)
    (plugins / "terraform-credentials-rightbrain").write_text("#!/bin/sh\necho mine\n")
    result = run_cli(["configure", *CALLS["terraform"]], env)
    assert result.code == 3
    assert "is not a link to terraform-credentials-rightbrain" in result.stderr
    assert (plugins / "terraform-credentials-rightbrain").read_text() == "#!/bin/sh\necho mine\n"
    assert (tmp_path / "tfrc").read_text() == TF_ORIGINAL
    assert not Path(env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml").exists()


@pytest.mark.parametrize("host", ["https://app.example.com/path", "app example.com", "app.example.com:99999", "u@h.io"])
def test_terraform_refuses_a_bad_host(host: str, env: dict[str, str]) -> None:
    """--host that is not HOST[:PORT]: exit 2."""
    assert run_cli(["configure", "terraform", "--host", host], env).code == 2


def test_configure_cargo_writes_the_registry_and_the_host(env: dict[str, str], tmp_path: Path) -> None:
    """config.toml gains our [registries.NAME] block (--no-bearer in the provider args); the host list the host."""
    index = "sparse+https://crates.example.com:8443/index/"
    configure(env, "cargo", "--registry", "corp", "--index", index, "--no-bearer")
    assert (tmp_path / "cargo" / "config.toml").read_text() == CARGO_ORIGINAL + cargo_block(
        "corp", index, "--no-bearer"
    )
    hosts = Path(env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml").read_text()
    assert hosts == '[hosts."crates.example.com:8443"]\nconfigured_by = ["cargo"]\n'


def test_cargo_replaces_its_own_block_in_place(env: dict[str, str], tmp_path: Path) -> None:
    """configure again with another index: our block is rewritten where it is, the rest of the file kept."""
    configure(env, *CALLS["cargo"])
    path = tmp_path / "cargo" / "config.toml"
    path.write_text(path.read_text() + '\n[alias]\nb = "build"\n')
    configure(env, "cargo", "--registry", "corp", "--index", "sparse+https://new.example.com/")
    block = cargo_block("corp", "sparse+https://new.example.com/")
    assert path.read_text() == CARGO_ORIGINAL + block + '\n[alias]\nb = "build"\n'


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--registry", "public", "--index", "sparse+https://c.example/"], 3, "was not written by configure"),
        (["--registry", "corp"], 2, "needs --index URL"),
        (["--registry", "co rp", "--index", "sparse+https://c.example/"], 2, "letters, digits"),
        (["--registry", "corp", "--index", "sparse+http://c.example/"], 2, "plain http would send the token"),
        (["--registry", "corp", "--index", "ssh://git@c.example/index"], 2, "give the index URL"),
    ],
)
def test_cargo_refuses_what_it_cannot_do_safely(
    argv: list[str], code: int, message: str, env: dict[str, str], tmp_path: Path
) -> None:
    """A registry table we did not write, or a bad name or index: the exit code and reason, nothing written."""
    result = run_cli(["configure", "cargo", *argv], env)
    assert result.code == code
    assert message in result.stderr
    assert (tmp_path / "cargo" / "config.toml").read_text() == CARGO_ORIGINAL


def test_cargo_refuses_an_edit_that_would_change_other_keys(env: dict[str, str], tmp_path: Path) -> None:
    """Keys hand-written right after our block (so inside its table): unconfigure refuses rather than move them."""
    configure(env, *CALLS["cargo"])
    path = tmp_path / "cargo" / "config.toml"
    path.write_text(path.read_text() + 'protocol = "sparse"\n')
    edited = path.read_text()
    result = run_cli(["unconfigure", "cargo", "--registry", "corp"], env)
    assert result.code == 3
    assert "would change other settings" in result.stderr
    assert path.read_text() == edited


def test_cargo_keeps_a_host_another_registry_of_ours_uses(env: dict[str, str]) -> None:
    """Two registries on one host: unconfiguring one keeps the host listed."""
    configure(env, "cargo", "--registry", "a", "--index", "sparse+https://crates.example.com/a/")
    configure(env, "cargo", "--registry", "b", "--index", "sparse+https://crates.example.com/b/")
    configure(env, "cargo", "--registry", "a", command="unconfigure")
    hosts = Path(env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml").read_text()
    assert '[hosts."crates.example.com"]' in hosts
