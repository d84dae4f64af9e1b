"""The fleet tier's settings: where shared_cache comes from, the URL's checks, the password file, TLS
verification of rediss://, and the missing extra; each mistake one line, exit 3, never the password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG

from ..support.redisserver import RedisServer, every_key_and_value, free_port
from ..support.tls import make_certificate
from ..support.tokenserver import TokenServer
from .conftest import MachineFactory
from .machines import StartRedis, assert_one_warning_and_a_token, fleet_key, timed_token


def test_missing_extra_is_one_config_error(machine: MachineFactory) -> None:
    """shared_cache set but redis-py (or cryptography) not importable: exit 3 and one line saying what to install."""
    for module in ("redis", "cryptography"):
        script = (
            f"import sys; sys.modules[{module!r}] = None\n"
            "from rightbrain_helper.integrations.commands import main\nsys.exit(main())"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, "token"],
            env=machine(1).env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == EXIT_CONFIG
        [line] = result.stderr.splitlines()
        assert f"({module} is missing)" in line
        assert "pip install 'rightbrain-credential-helper[redis]'" in line


def test_password_file(
    machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis, tmp_path: Path
) -> None:
    """shared_cache_password_file: a private file works (two machines, one request); a 0644 one is exit 3, one
    line naming the file; a password in the URL and a file is exit 3."""
    server = start_redis(password="filed-password")
    password_file = tmp_path / "redis-password"
    password_file.write_text("filed-password\n")
    password_file.chmod(0o600)
    members = [machine(number, shared_cache=server.url()) for number in (1, 2)]
    for member in members:
        member.env["RIGHTBRAIN_SHARED_CACHE_PASSWORD_FILE"] = str(password_file)
    assert [member.process("token").stderr for member in members] == ["", ""]
    assert len(token_server.token_requests()) == 1
    password_file.chmod(0o644)
    loose = machine(3, shared_cache=server.url())
    loose.env["RIGHTBRAIN_SHARED_CACHE_PASSWORD_FILE"] = str(password_file)
    result = loose.process("token")
    assert result.returncode == EXIT_CONFIG
    [line] = result.stderr.splitlines()
    assert str(password_file) in line
    assert "mode 600" in line
    both = machine(4, shared_cache=server.url(password="filed-password"))
    both.env["RIGHTBRAIN_SHARED_CACHE_PASSWORD_FILE"] = str(password_file)
    assert both.process("token").returncode == EXIT_CONFIG


def test_rediss_verifies_the_server(
    machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis, tmp_path: Path
) -> None:
    """rediss:// with shared_cache_ca_bundle naming the server's CA works with no warning; without it the
    certificate does not verify: one warning, a token from the issuer; a CA file that does not exist is exit 3."""
    certificate = make_certificate(tmp_path)
    server = start_redis(tls_files=(certificate.cert, certificate.key))
    trusted = machine(
        1, shared_cache=server.url(), config=f'[profiles.default]\nshared_cache_ca_bundle = "{certificate.cert}"\n'
    )
    result, elapsed = timed_token(trusted)
    assert (result.returncode, result.stderr) == (0, "")
    late = machine(2, shared_cache=server.url(), config=f'[profiles.default]\nca_bundle = "{certificate.cert}"\n')
    assert late.process("token").stdout == result.stdout  # ca_bundle serves rediss too
    untrusted, elapsed = timed_token(machine(3, shared_cache=server.url()))
    assert_one_warning_and_a_token(untrusted, elapsed, token_server.issued[1], "certificate verify failed")
    missing = machine(
        4, shared_cache=server.url(), config='[profiles.default]\nshared_cache_ca_bundle = "/nonexistent.pem"\n'
    )
    assert missing.cli("token").code == EXIT_CONFIG


def test_shared_cache_from_the_profile_and_the_environment(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """shared_cache in the profile works; RIGHTBRAIN_SHARED_CACHE overrides it."""
    in_profile = machine(1, shared_cache="", config=f'[profiles.default]\nshared_cache = "{redis_server.url()}"\n')
    in_profile.cli("token")
    assert fleet_key(in_profile).encode() in every_key_and_value(redis_server.admin())
    dead = f"redis://127.0.0.1:{free_port()}/0"
    overridden = machine(2, shared_cache=dead, config=f'[profiles.default]\nshared_cache = "{redis_server.url()}"\n')
    result = overridden.cli("token")
    assert result.code == 0
    assert f"shared cache {dead}: cannot connect" in result.stderr


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://user:pw-in-url@127.0.0.1:6379/0", "redis:// or rediss://"),
        ("redis://user:pw-in-url@127.0.0.1:6379/0?ssl_cert_reqs=none", "no ?options"),
        ("rediss://user:pw-in-url@127.0.0.1:6379/zero", "must be a number"),
        ("redis://user:pw-in-url@127.0.0.1:99999/0", "not a valid URL"),
        ("redis://user:pw-in-url@/0", "redis://HOST"),
    ],
)
def test_bad_shared_cache_url_is_one_config_error(url: str, words: str, machine: MachineFactory) -> None:
    """A malformed shared_cache is exit 3 with one line that says what is wrong and never echoes the password."""
    result = machine(1, shared_cache=url).cli("token")
    assert result.code == EXIT_CONFIG
    [line] = result.stderr.splitlines()
    assert words in line
    assert "pw-in-url" not in line


def test_shared_cache_timeout_must_be_positive(machine: MachineFactory) -> None:
    """shared_cache_timeout = 0 is exit 3 naming the key."""
    result = machine(1, config="[profiles.default]\nshared_cache_timeout = 0\n").cli("token")
    assert result.code == EXIT_CONFIG
    assert "shared_cache_timeout" in result.stderr
