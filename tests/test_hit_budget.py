"""What a cache hit may load, counted: every project module costs 0.1-0.3 ms against a 10-20 ms interpreter start,
so each hit path has a budget of project modules, and a module added to a hit path shows up here first."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support.heavy import HEAVY_MODULES
from .support.probe import probe
from .support.tokenserver import TokenServer

HOST = "127.0.0.1:5000"
EXEC_INFO = '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
HIT_PATHS = {  # name: (module whose main() the console script runs, argv, stdin, extra env, project-module budget)
    "token": ("rightbrain_helper.integrations.commands", ["token"], "", {}, 27),
    "git": ("rightbrain_helper.integrations.git", ["get"], f"protocol=https\nhost={HOST}\n\n", {}, 28),
    "docker": ("rightbrain_helper.integrations.docker", ["get"], f"https://{HOST}\n", {}, 29),
    "kubectl": (
        "rightbrain_helper.integrations.commands",
        ["kubectl"],
        "",
        {"KUBERNETES_EXEC_INFO": EXEC_INFO},
        33,
    ),
}


def loaded_modules(name: str, env: dict[str, str], out: Path) -> set[str]:
    """Run one hit path in a fresh interpreter; the modules it ended up with."""
    module, argv, stdin, extra, _ = HIT_PATHS[name]
    result, modules = probe(module, [name, *argv], {**env, **extra}, out, stdin)
    assert result.stderr == ""
    return modules


@pytest.mark.parametrize("name", sorted(HIT_PATHS))
def test_hit_loads_at_most_its_budget_of_project_modules(
    name: str, helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A hit through `token`, git, docker and kubectl loads no more project modules than its budget, and none of
    the heavy standard-library or third-party modules (HEAVY_MODULES), while the miss before it does load them."""
    env = {**helper_env, "RIGHTBRAIN_HOSTS": HOST}
    miss = loaded_modules(name, env, tmp_path / "miss.txt")
    hit = loaded_modules(name, env, tmp_path / "hit.txt")
    assert {"requests", "filelock"} <= miss
    assert len(token_server.token_requests()) == 1
    project = sorted(module for module in hit if module.startswith("rightbrain_helper"))
    assert len(project) <= HIT_PATHS[name][4], project
    assert sorted(HEAVY_MODULES & hit) == []
    assert not any(module.startswith(("rightbrain_helper.oauth.request", "rightbrain_helper.fleet")) for module in hit)
