"""`rightbrain-helper kubectl` in process: the exact ExecCredential client-go decodes, and how it fails."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from rightbrain_helper.integrations.commands import main
from rightbrain_helper.runtime import Runtime

from .conftest import CLIENT_SECRET, CliResult, helper_command, run_cli, run_helper
from .support.fakes import FakeClock, never_transport
from .support.heavy import HEAVY_MODULES
from .support.profiles import full_profile
from .support.tokenserver import TokenServer

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
# FakeClock starts at 1_800_000_000; the issuer grants 3600 s; the default margin is 60 s.
EXPIRY = "2027-01-15T08:59:00Z"
# What kubectl 1.32 puts in KUBERNETES_EXEC_INFO (real-clients.md §4), and other encodings of the same request.
GO_V1 = '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
GO_V1BETA1 = GO_V1.replace(V1, V1BETA1)
GO_V1_CLUSTER = (
    '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"cluster":{"server":'
    '"https://127.0.0.1:6443","certificate-authority-data":"LS0t","config":{"audience":"aud"}},"interactive":false}}'
)
REORDERED_V1BETA1 = (
    '{ "spec": {"cluster": {"config": {"apiVersion": "client.authentication.k8s.io/v1"}}},\n'
    '  "apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential" }'
)


def kubectl_env(env: dict[str, str], info: str | None) -> dict[str, str]:
    """`env` with KUBERNETES_EXEC_INFO set to `info` (or absent for None)."""
    updated = {key: value for key, value in env.items() if key != "KUBERNETES_EXEC_INFO"}
    if info is not None:
        updated["KUBERNETES_EXEC_INFO"] = info
    return updated


def credential(api_version: str, token: str, expiry: str = EXPIRY) -> str:
    """The exact stdout expected for one answer."""
    return (
        f'{{"apiVersion":"{api_version}","kind":"ExecCredential",'
        f'"status":{{"token":"{token}","expirationTimestamp":"{expiry}"}}}}\n'
    )


def write_config(env: dict[str, str], text: str) -> None:
    """Write the helper's config file under the environment's XDG_CONFIG_HOME."""
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def assert_one_line_failure(result: CliResult) -> None:
    """Exit 1, nothing on stdout, exactly one helper error line on stderr."""
    assert result.code == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("rightbrain-helper: error: ")
    assert result.stderr.count("\n") == 1
    assert result.stderr.endswith("\n")


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (GO_V1, V1),
        (GO_V1BETA1, V1BETA1),
        (GO_V1_CLUSTER, V1),
        (REORDERED_V1BETA1, V1BETA1),
        (None, V1),
        ("", V1),
        ('{"kind":"ExecCredential","spec":{}}', V1),
    ],
    ids=["v1", "v1beta1", "v1-cluster-info", "reordered-v1beta1", "absent", "empty", "no-apiVersion"],
)
def test_prints_the_exact_exec_credential(
    helper_env: dict[str, str], token_server: TokenServer, info: str | None, expected: str
) -> None:
    """The apiVersion kubectl asks for is echoed exactly (v1 when absent), with the token and expiry - margin."""
    result = run_cli(["kubectl"], kubectl_env(helper_env, info), clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == credential(expected, token_server.issued[0])
    assert result.stderr == ""


def test_second_call_is_a_cache_hit_and_expiry_moves_with_a_new_token(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Within the margin the cached token is served without a request; past it, a new token and a new expiry."""
    clock = FakeClock()
    env = kubectl_env(helper_env, GO_V1)
    first = run_cli(["kubectl"], env, clock=clock)
    clock.advance(3539)
    second = run_cli(["kubectl"], env, clock=clock, transport_factory=never_transport)
    assert second.stdout == first.stdout == credential(V1, token_server.issued[0])
    clock.advance(1)
    third = run_cli(["kubectl"], env, clock=clock)
    assert len(token_server.token_requests()) == 2
    assert third.stdout == credential(V1, token_server.issued[1], "2027-01-15T09:58:00Z")


def test_flags_select_profile_scope_and_audience(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """--profile picks the profile (its min_valid sets the margin); --scope and --audience reach the issuer."""
    write_config(helper_env, full_profile(helper_env, "ci", "min_valid = 300"))
    argv = ["kubectl", "--profile", "ci", "--scope", "read", "--scope=write", "--audience", "https://k8s.example"]
    result = run_cli(argv, kubectl_env(helper_env, GO_V1BETA1), clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == credential(V1BETA1, token_server.issued[0], "2027-01-15T08:55:00Z")
    request = token_server.token_requests()[0]
    assert request.field("scope") == "read write"
    assert request.field("audience") == "https://k8s.example"


@pytest.mark.parametrize(
    "info",
    [GO_V1.replace(V1, "client.authentication.k8s.io/v1alpha1"), '{"apiVersion":"v1","kind":"Config"}'],
    ids=["v1alpha1", "not-exec"],
)
def test_unknown_api_version_is_a_clear_error_and_fetches_nothing(
    helper_env: dict[str, str], token_server: TokenServer, info: str
) -> None:
    """An apiVersion this helper cannot answer: one line naming it and the fix, exit 1, no token request."""
    result = run_cli(["kubectl"], kubectl_env(helper_env, info), transport_factory=never_transport)
    assert_one_line_failure(result)
    assert "apiVersion" in result.stderr
    assert f"set exec.apiVersion to {V1}" in result.stderr
    assert token_server.token_requests() == []


@pytest.mark.parametrize("info", ["{not json", '["ExecCredential"]'], ids=["malformed", "not-an-object"])
def test_unreadable_exec_info_is_one_line_exit_1(helper_env: dict[str, str], info: str) -> None:
    """KUBERNETES_EXEC_INFO that is not a JSON object is named in one line, exit 1."""
    result = run_cli(["kubectl"], kubectl_env(helper_env, info), transport_factory=never_transport)
    assert_one_line_failure(result)
    assert "KUBERNETES_EXEC_INFO" in result.stderr


def test_refused_token_request_exits_1_not_its_documented_code(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The issuer's refusal (exit 4 elsewhere) is exit 1 here, as exec plugins report failure; no secret shown."""
    env = kubectl_env({**helper_env, "RIGHTBRAIN_CLIENT_SECRET": "wrong-secret"}, GO_V1)
    result = run_cli(["kubectl"], env)
    assert_one_line_failure(result)
    assert "invalid_client" in result.stderr
    assert "wrong-secret" not in result.stderr
    assert CLIENT_SECRET not in result.stderr
    assert run_cli(["token"], env).code == 4  # the same failure keeps its documented code outside kubectl


def test_missing_settings_exit_1(helper_env: dict[str, str]) -> None:
    """A configuration error (exit 3 elsewhere) is one line and exit 1 too."""
    env = kubectl_env({k: v for k, v in helper_env.items() if k != "RIGHTBRAIN_CLIENT_ID"}, GO_V1)
    result = run_cli(["kubectl"], env, transport_factory=never_transport)
    assert_one_line_failure(result)
    assert "no client id" in result.stderr


class ForbiddenStdin(io.StringIO):
    """A stdin that fails the test when read: the plugin must never prompt or wait for input."""

    def read(self, size: int | None = -1) -> str:
        """Fail."""
        raise AssertionError("the kubectl plugin read stdin")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        """Fail."""
        raise AssertionError("the kubectl plugin read stdin")


def test_never_reads_stdin(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """kubectl may hand the plugin a terminal (interactiveMode IfAvailable); the helper never reads it."""
    out, err = io.StringIO(), io.StringIO()
    env = kubectl_env(helper_env, GO_V1.replace("false", "true"))
    runtime = Runtime(env=env, stdin=ForbiddenStdin(), stdout=out, stderr=err, clock=FakeClock())
    assert main(["kubectl"], runtime) == 0, err.getvalue()
    assert out.getvalue() == credential(V1, token_server.issued[0])


def test_real_process_exit_codes(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """As kubectl runs it: a token and exit 0, then for an unanswerable apiVersion exit 1 and empty stdout."""
    ok = run_helper(["kubectl"], kubectl_env(helper_env, GO_V1BETA1))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f'{{"apiVersion":"{V1BETA1}","kind":"ExecCredential","status":{{"token":"tok-')
    bad = run_helper(["kubectl"], kubectl_env(helper_env, GO_V1.replace(V1, "client.authentication.k8s.io/v2")))
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr.count("\n") == 1
    assert "client.authentication.k8s.io/v2" in bad.stderr


CHECK_IMPORTS = """
import sys
from rightbrain_helper.integrations.commands import main
code = main(["kubectl"])
heavy = HEAVY
sys.stderr.write("loaded: " + " ".join(name for name in heavy if name in sys.modules) + "\\n")
sys.exit(code)
""".replace("HEAVY", repr(sorted(HEAVY_MODULES)))


def test_cache_hit_with_kubectls_input_imports_nothing_heavy(helper_env: dict[str, str]) -> None:
    """On a cache hit with kubectl's own KUBERNETES_EXEC_INFO, not even json is imported (nor requests, etc.)."""
    env = kubectl_env(helper_env, GO_V1_CLUSTER)
    assert run_helper(["kubectl"], env).returncode == 0  # fills the cache
    python = str(Path(helper_command()).parent / "python")
    hit = subprocess.run(
        [python, "-c", CHECK_IMPORTS], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert hit.returncode == 0, hit.stderr
    assert hit.stdout.startswith(f'{{"apiVersion":"{V1}"')
    assert hit.stderr == "loaded: \n"
