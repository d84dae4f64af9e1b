"""The secret methods by their registration names and old aliases, a secret full of characters that Basic
encodings disagree on, the secret no longer required by the other methods, and doctor's checks of a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG
from rightbrain_helper.settings.load import Overrides, load_context, load_settings
from rightbrain_helper.token.client_auth import doctor_checks

from .conftest import CLIENT_ID, run_cli
from .support.fakes import FakeClock
from .support.procs import write_config
from .support.profiles import secret_file
from .support.tokenserver import TokenServer

AWKWARD_SECRET = "a: b%25 +c&d =e"  # ':' splits raw Basic, '%' and '+' decode, '&' and '=' split forms, spaces


@pytest.mark.parametrize("method", ["client_secret_basic", "basic-raw", "client_secret_post", "basic", "post"])
def test_an_awkward_secret_survives_each_method(
    helper_env: dict[str, str], token_server: TokenServer, method: str
) -> None:
    """A secret holding ': % + & = space' reaches the issuer intact under every secret method and alias (the
    server decodes Basic as RFC 6749 §2.3.1 says, except for basic-raw, which it takes as sent)."""
    token_server.clients = {CLIENT_ID: AWKWARD_SECRET}
    token_server.decode_basic = method != "basic-raw"
    path = secret_file(helper_env, AWKWARD_SECRET, "awkward.secret")
    write_config(
        helper_env,
        f'[profiles.s]\ntoken_url = "{token_server.url}"\nclient_id = "{CLIENT_ID}"\nclient_auth = "{method}"\n'
        f'client_secret_file = "{path}"\n',
    )
    result = run_cli(["token", "--profile", "s"], helper_env, clock=FakeClock())
    assert result.code == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"


def test_basic_raw_refuses_a_client_id_with_a_colon(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """basic-raw cannot carry a client id with ':' (the server would split there): exit 3, nothing sent."""
    write_config(helper_env, '[profiles.default]\nclient_id = "svc:deploy"\nclient_auth = "basic-raw"\n')
    result = run_cli(["token"], {**helper_env, "RIGHTBRAIN_CLIENT_ID": ""}, clock=FakeClock())
    assert result.code == EXIT_CONFIG
    assert "client_secret_basic" in result.stderr
    assert token_server.token_requests() == []


@pytest.mark.parametrize(
    ("method", "needs"),
    [
        ("private_key_jwt", "private_key_file"),
        ("client_assertion", "client_assertion_file"),
        ("tls_client_auth", "tls_client_cert"),
    ],
)
def test_secretless_methods_need_their_own_setting_not_a_secret(
    helper_env: dict[str, str], token_server: TokenServer, method: str, needs: str
) -> None:
    """Without a secret anywhere, a secretless method complains about its own setting (not the secret); exit 3."""
    write_config(
        helper_env, f'[profiles.x]\ntoken_url = "{token_server.url}"\nclient_id = "c"\nclient_auth = "{method}"\n'
    )
    result = run_cli(["token", "--profile", "x"], helper_env, clock=FakeClock())
    assert result.code == EXIT_CONFIG
    assert f"needs {needs}" in result.stderr
    assert "no client secret" not in result.stderr


def test_a_secret_method_still_requires_the_secret(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """client_secret_post in an explicit profile without any secret source: the old 'no client secret' error."""
    write_config(helper_env, f'[profiles.x]\ntoken_url = "{token_server.url}"\nclient_id = "c"\nclient_auth = "post"\n')
    result = run_cli(["token", "--profile", "x"], helper_env, clock=FakeClock())
    assert result.code == EXIT_CONFIG
    assert "no client secret" in result.stderr


def checks_for(env: dict[str, str], body: str) -> list[tuple[bool, str]]:
    """doctor's client authentication checks for a default profile of `body`."""
    write_config(env, f"[profiles.default]\n{body}\n")
    return doctor_checks(load_settings(load_context(env), Overrides()))


def test_doctor_checks_each_secret_source(helper_env: dict[str, str], tmp_path: Path) -> None:
    """The environment secret and a private secret file pass; a group-readable file and a command that is not
    there fail with the fix; a command is found, never run; no line shows the secret."""
    secret = helper_env.pop("RIGHTBRAIN_CLIENT_SECRET")
    assert checks_for({**helper_env, "RIGHTBRAIN_CLIENT_SECRET": secret}, "") == [
        (True, "client secret readable from environment RIGHTBRAIN_CLIENT_SECRET (not shown)")
    ]
    path = secret_file(helper_env, secret)
    [(ok, line)] = checks_for(helper_env, f'client_secret_file = "{path}"')
    assert ok
    path.chmod(0o640)
    [(ok, line)] = checks_for(helper_env, f'client_secret_file = "{path}"')
    assert not ok
    assert "mode 0640" in line
    [(ok, line)] = checks_for(helper_env, 'client_secret_command = ["no-such-program-rb", "x"]')
    assert not ok
    assert "not an executable" in line
    marker = tmp_path / "ran"
    script = tmp_path / "print-secret"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho s\n")
    script.chmod(0o700)
    [(ok, line)] = checks_for(helper_env, f'client_secret_command = ["{script}"]')
    assert ok
    assert "not run" in line
    assert not marker.exists()
