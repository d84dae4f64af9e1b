"""`doctor` resolves a tool's hosts the way the tool's adapter does (Adapter.lookup over helper/netaddr.py), so
its verdict on each configured server is what the tool then gets: for each spelling of a server, doctor's mark
is ✓ exactly when the real git (or the docker helper run as docker runs it) gets a token, and ✗ otherwise."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ..support.doctor_report import BIN_DIR, FAIL, OK, tools_env
from ..support.procs import write_config
from ..support.tokenserver import TokenServer
from .conftest import doctor


@pytest.fixture
def env(env: dict[str, str], tmp_path: Path, token_server: TokenServer) -> dict[str, str]:
    """The doctor tests' environment with every tool's configuration under the test's directory."""
    return tools_env(env, tmp_path / "tools")


def git_gets_a_token(env: dict[str, str], url: str, server: TokenServer) -> bool:
    """Whether `git credential fill` for `url` (prompts off) comes back with a token the server issued."""
    result = subprocess.run(
        ["git", "credential", "fill"],
        check=False,
        env=env,
        input=f"url={url}\n\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode == 0 and any(f"password={token}\n" in result.stdout for token in server.issued)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Git.Example.COM", OK),  # host case: canonical in both
        ("https://git.example.com:443", OK),  # the scheme's default port, written out
        ("https://git.example.com:8443", OK),  # a host-only entry serves every port
        ("http://git.example.com", FAIL),  # plain http to a host that is not loopback: the helper answers nothing
        ("https://other.example.com", FAIL),  # not in the host list
    ],
)
def test_doctor_agrees_with_git_on_each_url(
    env: dict[str, str], token_server: TokenServer, url: str, expected: str
) -> None:
    """credential.URL.helper set by hand for `url`, git.example.com listed for git: doctor's line for the URL
    is ✓ exactly when git then gets the token from the helper."""
    write_config(env, '[hosts."git.example.com"]\ntools = ["git"]\n')
    helper = str(BIN_DIR / "git-credential-rightbrain")
    subprocess.run(["git", "config", "--global", f"credential.{url}.helper", helper], env=env, check=True, timeout=60)
    report = doctor(env)
    [(mark, text)] = [(mark, text) for mark, text in report.lines if text.startswith(f"git: {url} ")]
    assert mark == expected, text
    if "http://" in url:
        assert "plain http to git.example.com would send the token in clear" in text
        assert text.endswith("fix: use https://")
    assert git_gets_a_token(env, url, token_server) == (expected == OK), (url, text)


@pytest.mark.parametrize(
    ("key", "entry", "expected"),
    [
        ("registry.example.com:443", "registry.example.com", OK),
        ("https://REGISTRY.example.com/v2/", "registry.example.com", OK),
        ("https://index.docker.io/v1/", "docker.io", OK),  # Docker Hub: any alias entry serves every alias
        ("registry.example.com:5000", "registry.example.com:443", FAIL),  # another port than the entry's
    ],
)
def test_doctor_agrees_with_the_docker_helper_on_each_registry(
    env: dict[str, str], token_server: TokenServer, key: str, entry: str, expected: str
) -> None:
    """credHelpers[key] = "rightbrain" with `entry` listed for docker: doctor's line is ✓ exactly when
    `docker-credential-rightbrain get` with that key on stdin answers with a token."""
    write_config(env, f'[hosts."{entry}"]\ntools = ["docker"]\n')
    config = Path(env["DOCKER_CONFIG"]) / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"credHelpers": {key: "rightbrain"}}))
    [(mark, text)] = [
        (mark, text) for mark, text in doctor(env).lines if text.startswith(f'docker: credHelpers["{key}"]')
    ]
    assert mark == expected, text
    result = subprocess.run(
        [str(BIN_DIR / "docker-credential-rightbrain"), "get"],
        env=env,
        input=key,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    answered = result.returncode == 0 and json.loads(result.stdout).get("Secret") in token_server.issued
    assert answered == (expected == OK), result


def test_a_cargo_index_over_plain_http_fails_as_the_provider_refuses_it(env: dict[str, str]) -> None:
    """A registry written by hand with an http:// index on a listed host that is not loopback: ✗ saying the
    helper answers nothing (the provider says url-not-supported), with the fix."""
    write_config(env, '[hosts."crates.example.com"]\ntools = ["cargo"]\n')
    provider = BIN_DIR / "cargo-credential-rightbrain"
    cargo = Path(env["CARGO_HOME"])
    cargo.mkdir(parents=True)
    (cargo / "config.toml").write_text(
        f'[registries.corp]\nindex = "sparse+http://crates.example.com/index/"\ncredential-provider = ["{provider}"]\n'
    )
    mark, text = doctor(env).line("cargo:")
    assert mark == FAIL
    assert "plain http to crates.example.com would send the token in clear" in text
    request = {"v": 1, "kind": "get", "registry": {"index-url": "sparse+http://crates.example.com/index/"}}
    request |= {"operation": "read", "args": []}
    result = subprocess.run(
        [str(provider), "--cargo-plugin"],
        env=env,
        input=json.dumps(request) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.splitlines()[-1] == '{"Err":{"kind":"url-not-supported"}}', result
