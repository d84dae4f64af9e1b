"""git, docker and kubectl adapters started at once, in separate processes, share one token: one request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_helper
from tests.support.git_http import GitHttpServer, make_repository
from tests.support.kube_api import KubeApiServer
from tests.support.procs import Gate, read_exactly, spawn_hooked, write_config
from tests.support.tls import make_certificate
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


# Installed through PYTHONPATH into every Python process the tools start (the helpers): appends a line to
# $LOCK_REPORT the first time the process opens a refresh lock file, i.e. once it has missed the cache.
SITECUSTOMIZE = """
import os, sys
def _report_lock(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].endswith(".lock") and not _seen:
        _seen.append(1)
        fd = os.open(os.environ["LOCK_REPORT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, (" ".join(sys.argv) + "\\n").encode())
        os.close(fd)
_seen = []
sys.addaudithook(_report_lock)
"""


def wait_for_lines(path: Path, count: int, deadline: float) -> bool:
    """Whether `path` holds `count` lines before `deadline` (each line is written by the event it reports)."""
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return True
        time.sleep(0.01)  # polling for the reported event, not waiting for luck
    return False


def test_real_git_and_kubectl_at_once_share_one_token(tmp_path: Path, helper_env: dict[str, str]) -> None:
    """git ls-remote and kubectl get, started together on a cold cache, send the same token; one request."""
    server = TokenServer().start()
    env = {
        **helper_env,
        "RIGHTBRAIN_TOKEN_URL": server.url,
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{helper_env['PATH']}",
        "PYTHONPATH": str(tmp_path / "hook"),
        "LOCK_REPORT": str(tmp_path / "lock-report"),
    }
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    write_config(env, "[profiles.default]\nlock_timeout = 120\n")
    certificate = make_certificate(tmp_path)
    make_repository(tmp_path / "git", env)
    git_server = GitHttpServer(tmp_path / "git", lambda _user, password: password in server.issued).start()
    kube = KubeApiServer(certificate, lambda token: token in server.issued).start()
    gate = Gate()
    held = Reply(200, {"access_token": SHARED_TOKEN, "token_type": "Bearer", "expires_in": 3600}, hold=gate)
    server.issued.append(SHARED_TOKEN)  # the servers accept what the issuer hands out
    try:
        for argv in (
            ["configure", "git", "--host", f"http://127.0.0.1:{git_server.port}"],
            [
                "configure",
                "kubectl",
                "--cluster",
                "c",
                "--server",
                kube.url,
                "--certificate-authority",
                str(certificate.cert),
            ],
        ):
            assert run_helper(argv, env).returncode == 0
        # kubectl on PATH here is a dispatcher that probes the server, so running the plugin, even for
        # `kubectl config` commands: start the race from an empty cache and an empty request log.
        assert run_helper(["clear"], env).returncode == 0
        server.requests.clear()
        (tmp_path / "lock-report").unlink(missing_ok=True)
        server.queue(held)
        run = {
            "env": env,
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
            "stdin": subprocess.DEVNULL,
        }
        tools = [
            subprocess.Popen(["git", "ls-remote", git_server.url()], cwd=tmp_path, **run),  # type: ignore[call-overload]
            subprocess.Popen(["kubectl", "get", "--raw", "/version"], **run),  # type: ignore[call-overload]
        ]
        assert gate.arrived.wait(60), "no token request arrived"
        reached = wait_for_lines(tmp_path / "lock-report", 2, time.monotonic() + 60)
        assert reached, "the second tool's helper never reached the refresh lock"
        gate.set()
        results = [(tool.communicate(timeout=120), tool.returncode) for tool in tools]
    finally:
        gate.set()
        for process in (git_server, kube, server):
            process.stop()
    for (stdout, stderr), code in results:
        assert code == 0, stderr
        assert stdout
    assert len(server.token_requests()) == 1
    assert {seen.password for seen in git_server.requests() if seen.password} == {SHARED_TOKEN}
    assert {seen.authorization for seen in kube.requests() if seen.authorization} == {f"Bearer {SHARED_TOKEN}"}
