"""A cache hit in a fresh process imports none of the heavy modules: each would cost about a whole hit."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .support.heavy import HEAVY_MODULES
from .support.probe import probe as script_probe
from .support.procs import write_config
from .support.tokenserver import TokenServer


def probe(argv: list[str], env: dict[str, str], out: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `rightbrain-helper ARGV` (its console script's main) in a fresh interpreter; its result and the modules
    it ended up with (tests/support/probe.py drops what site loaded first, so an import by the helper shows)."""
    return script_probe("rightbrain_helper.integrations.commands", ["rightbrain-helper", *argv], env, out)


def printed_token(command: str, stdout: str) -> str:
    """The access token in a `token`, `header` or `json` output."""
    if command == "token":
        return stdout.removesuffix("\n")
    if command == "header":
        return stdout.removeprefix("Authorization: Bearer ").removesuffix("\n")
    return str(json.loads(stdout)["access_token"])


@pytest.mark.parametrize("with_config", [False, True], ids=["no-config", "config-snapshot"])
@pytest.mark.parametrize("command", ["token", "header", "json"])
def test_cache_hit_imports_no_heavy_module(
    command: str, with_config: bool, helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """token/header/json served from the cache (and the config snapshot) import none of HEAVY_MODULES; a miss does."""
    if with_config:  # old enough to be snapshotted, so the hit skips the TOML parser
        write_config(helper_env, "[profiles.default]\nmin_valid = 30\n", age=60)
    miss, miss_modules = probe([command], helper_env, tmp_path / "miss.txt")
    assert {"requests", "filelock"} <= miss_modules, "the probe must see the fetch path's imports"
    assert ("tomllib" in miss_modules) == with_config
    cache_dir = helper_env["RIGHTBRAIN_CACHE_DIR"]
    snapshots = [name for name in os.listdir(cache_dir) if name.endswith(".snapshot")]
    assert len(snapshots) == int(with_config)
    hit, hit_modules = probe([command], helper_env, tmp_path / "hit.txt")
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert len(token_server.token_requests()) == 1
    assert printed_token(command, miss.stdout) == printed_token(command, hit.stdout) == token_server.issued[0]


CARGO_GET = '{"v":1,"registry":{"index-url":"sparse+http://127.0.0.1:5000/index/","name":"test"},"kind":"get","operation":"read"}\n'


TOOL_CALLS = {  # module: (argv, stdin, start of the answer)
    "terraform": (["get", "127.0.0.1:5000"], "", '{"token":"TOKEN"}\n'),
    "cargo": (["--cargo-plugin"], CARGO_GET, '{"v":[1]}\n{"Ok":{"kind":"get","token":"Bearer TOKEN"'),
    "git": (["get"], "protocol=http\nhost=127.0.0.1:5000\n", "username=x-access-token\npassword=TOKEN\n"),
    "docker": (["get"], "127.0.0.1:5000", '{"ServerURL":"127.0.0.1:5000","Username":"oauth2","Secret":"TOKEN"}'),
}


@pytest.mark.parametrize("module", sorted(TOOL_CALLS))
def test_tool_cache_hit_imports_no_heavy_module(
    module: str, helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A terraform, cargo, git or docker `get` served from the cache imports none of HEAVY_MODULES; the miss before
    did."""
    argv, stdin, answer = TOOL_CALLS[module]
    env = {**helper_env, "RIGHTBRAIN_HOSTS": "127.0.0.1:5000"}
    for name in ("miss", "hit"):
        result, modules = script_probe(
            f"rightbrain_helper.integrations.{module}", [module, *argv], env, tmp_path / f"{name}.txt", stdin
        )
        assert result.stderr == ""
        assert result.stdout.startswith(answer.replace("TOKEN", token_server.issued[0]))
        assert bool(HEAVY_MODULES & modules) == (name == "miss"), sorted(HEAVY_MODULES & modules)
    assert len(token_server.token_requests()) == 1
