"""Client secrets in the OS keyring: `client_secret_keyring = "service/name"` and `rightbrain-helper login`.

Real subprocesses with a real keyring backend: keyrings.alt's PlaintextKeyring (PYTHON_KEYRING_BACKEND) in the
test's own XDG_DATA_HOME, so the user's keyring is never touched. A cache hit never asks the keyring (nor imports
it); without the extra, a one-line error says what to install."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG, EXIT_USAGE

from ..conftest import CLIENT_ID, CLIENT_SECRET, helper_command, run_helper
from ..support.heavy import HEAVY_MODULES
from ..support.procs import write_config
from ..support.tokenserver import TokenServer
from ..test_config import basic_password, without
from ..test_hot_path import probe

BACKEND = "keyrings.alt.file.PlaintextKeyring"
ENTRY = f"rightbrain-helper/{CLIENT_ID}"


@pytest.fixture
def keyring_env(helper_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """helper_env without an environment secret, with the plaintext keyring backend in the test's own data dir."""
    env = without(helper_env, "RIGHTBRAIN_CLIENT_SECRET")
    return {**env, "PYTHON_KEYRING_BACKEND": BACKEND, "XDG_DATA_HOME": str(tmp_path / "data")}


def keyring_file(env: dict[str, str]) -> Path:
    """Where PlaintextKeyring keeps its entries."""
    return Path(env["XDG_DATA_HOME"]) / "python_keyring" / "keyring_pass.cfg"


def one_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    """The run failed with `code` and exactly one error line holding `fragments`; nothing on stdout."""
    assert (result.returncode, result.stdout) == (code, ""), result.stderr
    assert result.stderr.startswith("rightbrain-helper: error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_login_from_stdin_then_token_uses_the_keyring_secret(
    keyring_env: dict[str, str], token_server: TokenServer
) -> None:
    """`login` reads one line from stdin, stores it under rightbrain-helper/CLIENT_ID, prints the line to add;
    with that line the token request authenticates with the stored secret."""
    stored = run_helper(["login"], keyring_env, stdin=CLIENT_SECRET + "\n")
    assert (stored.returncode, stored.stderr) == (0, "")
    config = Path(keyring_env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml")
    assert stored.stdout.splitlines() == [
        f"stored the client secret of profile default in the keyring as {ENTRY} ({BACKEND})",
        f"add this line to [profiles.default] of {config}:",
        f'client_secret_keyring = "{ENTRY}"',
    ]
    assert CLIENT_SECRET not in stored.stdout
    assert keyring_file(keyring_env).is_file()
    write_config(keyring_env, f'[profiles.default]\nclient_secret_keyring = "{ENTRY}"\n')
    result = run_helper(["token"], keyring_env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == token_server.issued[0] + "\n"
    assert basic_password(token_server.token_requests()[0]) == CLIENT_SECRET


def test_login_stores_under_the_configured_entry(keyring_env: dict[str, str], token_server: TokenServer) -> None:
    """With client_secret_keyring already in the profile, login stores there and prints no config line."""
    write_config(
        keyring_env,
        f'[profiles.ci]\nclient_id = "{CLIENT_ID}"\ntoken_url = "{token_server.url}"\n'
        'client_secret_keyring = "corp-vault/ci client"\n',
    )
    stored = run_helper(["login", "--profile", "ci"], keyring_env, stdin=CLIENT_SECRET)
    assert (stored.returncode, stored.stderr) == (0, "")
    assert (
        stored.stdout == f"stored the client secret of profile ci in the keyring as corp-vault/ci client ({BACKEND})\n"
    )
    result = run_helper(["token", "--profile", "ci"], keyring_env)
    assert (result.returncode, result.stdout) == (0, token_server.issued[0] + "\n"), result.stderr


def test_cache_hit_never_asks_or_imports_the_keyring(
    keyring_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """After a miss, the hit is served with the keyring's file gone and without importing keyring: the cache key
    uses the entry's name, not the secret."""
    assert run_helper(["login"], keyring_env, stdin=CLIENT_SECRET).returncode == 0
    write_config(keyring_env, f'[profiles.default]\nclient_secret_keyring = "{ENTRY}"\n', age=60)
    miss, miss_modules = probe(["token"], keyring_env, tmp_path / "miss.txt")
    assert "keyring" in miss_modules
    keyring_file(keyring_env).unlink()
    hit, hit_modules = probe(["token"], keyring_env, tmp_path / "hit.txt")
    assert hit.stdout == miss.stdout == token_server.issued[0] + "\n"
    assert not {"keyring", "keyrings"} & {name.partition(".")[0] for name in hit_modules}
    assert sorted(HEAVY_MODULES & hit_modules) == []


def test_missing_entry_is_one_line_error(keyring_env: dict[str, str], token_server: TokenServer) -> None:
    """An entry the keyring does not hold: exit 3 naming the entry and how to store it; no token request."""
    write_config(keyring_env, '[profiles.default]\nclient_secret_keyring = "nowhere/nobody"\n')
    result = run_helper(["token"], keyring_env)
    one_error(result, EXIT_CONFIG, "'nowhere/nobody'", "rightbrain-helper login")
    assert token_server.token_requests() == []


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [("", "no client secret given"), ("one\ntwo\n", "more than one line"), ("\n", "no client secret given")],
    ids=["empty", "two-lines", "blank-line"],
)
def test_login_refuses_what_is_not_one_secret(keyring_env: dict[str, str], stdin: str, fragment: str) -> None:
    """Empty input or several lines on stdin: exit 2, one line, nothing stored."""
    result = run_helper(["login"], keyring_env, stdin=stdin)
    one_error(result, EXIT_USAGE, fragment)
    assert not keyring_file(keyring_env).exists()


def test_login_takes_no_secret_on_the_command_line(keyring_env: dict[str, str]) -> None:
    """A secret given as an argument is a usage error (command lines show up in process listings), and the
    error does not echo it."""
    result = run_helper(["login", CLIENT_SECRET], keyring_env, stdin="")
    assert result.returncode == EXIT_USAGE
    assert not keyring_file(keyring_env).exists()


def test_login_warns_when_another_source_wins(keyring_env: dict[str, str]) -> None:
    """A profile that also names client_secret_file: the secret is stored, with a warning that the file wins."""
    write_config(keyring_env, '[profiles.default]\nclient_secret_file = "/nonexistent"\n')
    result = run_helper(["login"], keyring_env, stdin=CLIENT_SECRET)
    assert result.returncode == 0
    assert "warning: profile default takes its secret from client_secret_file first" in result.stderr


def test_without_the_extra_is_one_line_error(keyring_env: dict[str, str], tmp_path: Path) -> None:
    """When the keyring package cannot be imported, both `token` and `login` say which extra to install."""
    blocker = tmp_path / "no-keyring"
    (blocker / "keyring").mkdir(parents=True)
    (blocker / "keyring" / "__init__.py").write_text("raise ImportError('No module named keyring')\n")
    env = {**keyring_env, "PYTHONPATH": str(blocker)}
    write_config(env, f'[profiles.default]\nclient_secret_keyring = "{ENTRY}"\n')
    for argv, stdin in ((["token"], ""), (["login"], CLIENT_SECRET)):
        result = run_helper(argv, env, stdin=stdin)
        one_error(result, EXIT_CONFIG, "pip install 'rightbrain-credential-helper[keyring]'")


# Makes the terminal on stdin the controlling terminal of this new session (start_new_session), then runs argv.
ON_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); os.execv(sys.argv[1], sys.argv[1:])"
)


def test_login_prompts_without_echo_on_a_terminal(keyring_env: dict[str, str], token_server: TokenServer) -> None:
    """On a terminal, login prompts (getpass): the typed secret is not echoed back, and it is what gets stored."""
    master, slave = pty.openpty()
    command = [sys.executable, "-c", ON_TERMINAL, helper_command(), "login"]
    child = subprocess.Popen(command, env=keyring_env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        transcript = _read_until(master, b"client secret for profile default")
        os.write(master, CLIENT_SECRET.encode() + b"\n")
        transcript += _read_until(master, b"client_secret_keyring")
        assert child.wait(timeout=60) == 0, transcript
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
            child.wait()
    assert CLIENT_SECRET.encode() not in transcript
    write_config(keyring_env, f'[profiles.default]\nclient_secret_keyring = "{ENTRY}"\n')
    result = run_helper(["token"], keyring_env)
    assert result.returncode == 0, result.stderr
    assert basic_password(token_server.token_requests()[0]) == CLIENT_SECRET


def _read_until(fd: int, marker: bytes, seconds: float = 30.0) -> bytes:
    """Read the terminal until `marker` appears (or the child closes it); fail after `seconds` without it."""
    data = b""
    while marker not in data:
        ready, _, _ = select.select([fd], [], [], seconds)
        assert ready, f"no {marker!r} within {seconds} s: {data!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data
