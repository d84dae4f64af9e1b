"""git, docker and kubectl adapters started at once, in separate processes, share one token: one request."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.support.procs import Gate, read_exactly, spawn_hooked, write_config
from tests.support.tokenserver import Reply, TokenServer

SHARED_TOKEN = "tok-shared-by-three-tools"


def _script(name: str) -> str:
    """An installed console script next to the test interpreter."""
    return str(Path(sys.executable).parent / name)


def test_three_tools_cold_at_once_make_one_token_request(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """git's, docker's and kubectl's helpers, cold and concurrent, get the same token from one request."""
    write_config(helper_env, '[profiles.default]\nlock_timeout = 120\n\n[hosts."code.example.com"]\n')
    gate = Gate()
    token_server.queue(
        Reply(200, {"access_token": SHARED_TOKEN, "token_type": "Bearer", "expires_in": 3600}, hold=gate)
    )
    report_read, report_write = os.pipe()
    try:
        children = [
            spawn_hooked(
                "report-lock",
                ["get"],
                helper_env,
                report_write,
                script=_script("git-credential-rightbrain"),
                stdin="protocol=https\nhost=code.example.com\n\n",
            ),
            spawn_hooked(
                "report-lock",
                ["get"],
                helper_env,
                report_write,
                script=_script("docker-credential-rightbrain"),
                stdin="https://code.example.com",
            ),
            spawn_hooked("report-lock", ["kubectl"], {**helper_env, "KUBERNETES_EXEC_INFO": ""}, report_write),
        ]
        os.close(report_write)
        read_exactly(report_read, len(children), timeout=60, what="tools reached the refresh lock")
        assert gate.arrived.wait(60)
        gate.set()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        os.close(report_read)
    for child, (_stdout, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
    git_out, docker_out, kubectl_out = (stdout for stdout, _ in outputs)
    assert f"password={SHARED_TOKEN}\n" in git_out
    assert json.loads(docker_out)["Secret"] == SHARED_TOKEN
    assert json.loads(kubectl_out)["status"]["token"] == SHARED_TOKEN
    assert len(token_server.token_requests()) == 1
