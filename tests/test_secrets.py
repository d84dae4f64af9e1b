"""Client-secret sources: environment, a private file, a command (argv, no shell, run only on a cache miss),
their order, their one-line exit-3 failures, and rotation starting a new cache entry."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG

from .conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from .support.fakes import FakeClock
from .support.tokenserver import TokenServer
from .test_config import assert_one_line_error, basic_password, without, write_config


def secret_file(path: Path, content: str | bytes, mode: int = 0o600) -> Path:
    """Write a secret file with `content` and `mode`; return its path."""
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(path, mode)
    return path


def file_env(env: dict[str, str], path: Path) -> dict[str, str]:
    """`env` with the secret taken from RIGHTBRAIN_CLIENT_SECRET_FILE=path instead of RIGHTBRAIN_CLIENT_SECRET."""
    return {**without(env, "RIGHTBRAIN_CLIENT_SECRET"), "RIGHTBRAIN_CLIENT_SECRET_FILE": str(path)}


def command_config(env: dict[str, str], argv: list[str], timeout: float | None = None) -> dict[str, str]:
    """Write a profile whose secret comes from `argv`; return `env` without an environment secret."""
    items = ", ".join(f'"{item}"' for item in argv)
    extra = f"secret_command_timeout = {timeout}\n" if timeout is not None else ""
    write_config(env, f"[profiles.default]\nclient_secret_command = [{items}]\n{extra}")
    return without(env, "RIGHTBRAIN_CLIENT_SECRET")


def counting_command(tmp_path: Path, secret: str) -> tuple[list[str], Path]:
    """A secret command that appends a line to a counter file each time it runs, and the counter's path."""
    counter = tmp_path / "runs.txt"
    script = tmp_path / "secret_cmd.py"
    script.write_text(
        f"with open({str(counter)!r}, 'a') as f:\n    f.write('ran\\n')\nprint({secret!r})\n", encoding="utf-8"
    )
    return [sys.executable, str(script)], counter


def runs(counter: Path) -> int:
    """How often the counting command ran."""
    return len(counter.read_text().splitlines()) if counter.exists() else 0


# --- files -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_secret_file_with_trailing_newline(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, ending: str
) -> None:
    """A 0600 secret file works; a trailing newline (as `echo` or an editor leaves) is not part of the secret."""
    path = secret_file(tmp_path / "secret", CLIENT_SECRET + ending)
    result = run_cli(["token"], file_env(helper_env, path))
    assert result.code == 0, result.stderr
    assert basic_password(token_server.token_requests()[0]) == CLIENT_SECRET


def test_secret_file_from_profile_with_tilde(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """client_secret_file in the profile works and ~ means the home directory."""
    secret_file(Path(helper_env["HOME"]) / ".rb-secret", CLIENT_SECRET + "\n")
    write_config(helper_env, '[profiles.default]\nclient_secret_file = "~/.rb-secret"\n')
    result = run_cli(["token"], without(helper_env, "RIGHTBRAIN_CLIENT_SECRET"))
    assert result.code == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"


def test_secret_file_symlink_to_private_file_is_followed(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A symlink to a private secret file is followed (secret managers mount secrets as symlinks)."""
    target = secret_file(tmp_path / "real-secret", CLIENT_SECRET)
    link = tmp_path / "secret-link"
    link.symlink_to(target)
    assert run_cli(["token"], file_env(helper_env, link)).code == 0


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_secret_file_readable_by_others_is_refused(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, mode: int
) -> None:
    """A secret file group or others can read is refused: exit 3 naming the file and `chmod 600`."""
    path = secret_file(tmp_path / "secret", CLIENT_SECRET, mode)
    result = run_cli(["token"], file_env(helper_env, path))
    assert_one_line_error(result, EXIT_CONFIG, f"client secret file {path}", f"mode {mode:04o}", "chmod 600")
    assert CLIENT_SECRET not in result.stderr
    assert token_server.token_requests() == []


def test_secret_file_with_two_lines_is_refused(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A multi-line secret file is refused (it is not clear which line is the secret), without echoing it."""
    path = secret_file(tmp_path / "secret", f"{CLIENT_SECRET}\nsecond-line\n")
    result = run_cli(["token"], file_env(helper_env, path))
    assert_one_line_error(result, EXIT_CONFIG, str(path), "more than one line")
    assert CLIENT_SECRET not in result.stderr
    assert "second-line" not in result.stderr
    assert token_server.token_requests() == []


@pytest.mark.parametrize(
    ("content", "fragment"), [(b"", "is empty"), (b"\n", "is empty"), (b"\xff\xfe-not-utf8", "not UTF-8")]
)
def test_unusable_secret_file_content(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path, content: bytes, fragment: str
) -> None:
    """An empty or non-UTF-8 secret file is a one-line exit-3 error naming the file."""
    path = secret_file(tmp_path / "secret", content)
    result = run_cli(["token"], file_env(helper_env, path))
    assert_one_line_error(result, EXIT_CONFIG, str(path), fragment)
    assert token_server.token_requests() == []


def test_missing_secret_file(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A secret file that does not exist: exit 3 naming it."""
    path = tmp_path / "no-such-secret"
    result = run_cli(["token"], file_env(helper_env, path))
    assert_one_line_error(result, EXIT_CONFIG, f"client secret file {path}", "No such file")


def test_secret_path_that_is_a_directory_or_fifo_is_refused(helper_env: dict[str, str], tmp_path: Path) -> None:
    """A directory or a FIFO at the secret path is refused at once (a FIFO never stalls the helper)."""
    directory = tmp_path / "secret-dir"
    directory.mkdir(mode=0o700)
    fifo = tmp_path / "secret-fifo"
    os.mkfifo(fifo, 0o600)
    for path in (directory, fifo):
        result = run_cli(["token"], file_env(helper_env, path))
        assert_one_line_error(result, EXIT_CONFIG, str(path))


# --- commands ----------------------------------------------------------------------------------------------------


def test_secret_command_is_argv_without_shell(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """client_secret_command runs as an argv list: $VARS and ; reach the command literally, no shell expands them."""
    literal = "$HOME;`id`|x"
    token_server.clients[CLIENT_ID] = literal
    env = command_config(helper_env, ["printf", "%s", literal])
    result = run_cli(["token"], env)
    assert result.code == 0, result.stderr
    assert basic_password(token_server.token_requests()[0]) == literal


def test_secret_command_first_line_of_stdout(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Only the first line of the command's stdout is the secret (like `pass show`, which may print more)."""
    env = command_config(helper_env, ["printf", "%s\\nuser: robot\\nurl: x\\n", CLIENT_SECRET])
    result = run_cli(["token"], env)
    assert result.code == 0, result.stderr
    assert basic_password(token_server.token_requests()[0]) == CLIENT_SECRET


def test_secret_command_runs_only_on_a_cache_miss(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """The command runs for a fetch, not for a cache hit; it runs again only when a refresh is due."""
    argv, counter = counting_command(tmp_path, CLIENT_SECRET)
    env = command_config(helper_env, argv)
    clock = FakeClock()
    first = run_cli(["token"], env, clock=clock)
    assert first.code == 0, first.stderr
    assert runs(counter) == 1
    for _ in range(3):
        clock.advance(60)
        assert run_cli(["token"], env, clock=clock).stdout == first.stdout
    assert runs(counter) == 1
    clock.advance(3600)
    assert run_cli(["token"], env, clock=clock).stdout == token_server.issued[1] + "\n"
    assert runs(counter) == 2
    assert len(token_server.token_requests()) == 2


def test_changing_the_secret_command_starts_a_new_entry(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """A different client_secret_command is a different credential: a new token, not the cached one."""
    argv, counter = counting_command(tmp_path, CLIENT_SECRET)
    clock = FakeClock()
    assert run_cli(["token"], command_config(helper_env, argv), clock=clock).code == 0
    changed = run_cli(["token"], command_config(helper_env, [*argv, "--other-vault"]), clock=clock)
    assert changed.code == 0, changed.stderr
    assert changed.stdout == token_server.issued[1] + "\n"
    assert runs(counter) == 2


def test_secret_command_failing(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A command exiting non-zero: exit 3 naming the command, its status and its stderr."""
    code = "import sys; sys.stderr.write('vault is sealed'); sys.exit(7)"
    env = command_config(helper_env, [sys.executable, "-c", code])
    result = run_cli(["token"], env)
    assert_one_line_error(result, EXIT_CONFIG, "client_secret_command", "exited with 7", "vault is sealed")
    assert token_server.token_requests() == []


def test_secret_command_printing_nothing(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A command that succeeds but prints nothing: exit 3 saying the secret is empty."""
    result = run_cli(["token"], command_config(helper_env, ["true"]))
    assert_one_line_error(result, EXIT_CONFIG, "empty")
    assert token_server.token_requests() == []


def test_secret_command_missing_binary(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """A command that does not exist: exit 3 naming it and saying to check the profile."""
    missing = str(tmp_path / "no-such-secret-tool")
    result = run_cli(["token"], command_config(helper_env, [missing, "show"]))
    assert_one_line_error(result, EXIT_CONFIG, f"{missing!r} not found", "check the command in the profile")


def test_secret_command_timeout(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A command that hangs is killed after secret_command_timeout: exit 3 saying how long it was given."""
    sleep = shutil.which("sleep")
    assert sleep is not None
    env = command_config(helper_env, [sleep, "60"], timeout=0.5)
    started = time.monotonic()
    result = run_cli(["token"], env)
    assert time.monotonic() - started < 20
    assert_one_line_error(result, EXIT_CONFIG, "client_secret_command", "took more than 0.5 s")
    assert token_server.token_requests() == []


# --- order and rotation --------------------------------------------------------------------------------------------


def test_secret_source_order(helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path) -> None:
    """RIGHTBRAIN_CLIENT_SECRET > RIGHTBRAIN_CLIENT_SECRET_FILE > client_secret_file > client_secret_command."""
    secrets = {name: f"secret-from-{name}" for name in ("env", "envfile", "file", "command")}
    token_server.clients = {}  # accept any secret: the test looks at which one was sent
    env_file = secret_file(tmp_path / "env-file", secrets["envfile"])
    profile_file = secret_file(tmp_path / "profile-file", secrets["file"])
    write_config(
        helper_env,
        f'[profiles.default]\nclient_secret_file = "{profile_file}"\n'
        f'client_secret_command = ["printf", "{secrets["command"]}"]\n',
    )
    layers = [
        (
            {**helper_env, "RIGHTBRAIN_CLIENT_SECRET": secrets["env"], "RIGHTBRAIN_CLIENT_SECRET_FILE": str(env_file)},
            "env",
        ),
        (file_env(helper_env, env_file), "envfile"),
        (without(helper_env, "RIGHTBRAIN_CLIENT_SECRET"), "file"),
    ]
    for env, expected in layers:
        assert run_cli(["token", "--no-cache"], env).code == 0
        assert basic_password(token_server.token_requests()[-1]) == secrets[expected]
    write_config(helper_env, f'[profiles.default]\nclient_secret_command = ["printf", "{secrets["command"]}"]\n')
    assert run_cli(["token", "--no-cache"], without(helper_env, "RIGHTBRAIN_CLIENT_SECRET")).code == 0
    assert basic_password(token_server.token_requests()[-1]) == secrets["command"]


def test_rotating_the_env_secret_starts_a_new_entry(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A new RIGHTBRAIN_CLIENT_SECRET is not served the token fetched with the old one; the old stays cached."""
    clock = FakeClock()
    old = run_cli(["token"], helper_env, clock=clock)
    token_server.clients[CLIENT_ID] = "rotated-secret"
    rotated_env = {**helper_env, "RIGHTBRAIN_CLIENT_SECRET": "rotated-secret"}
    new = run_cli(["token"], rotated_env, clock=clock)
    assert new.code == 0, new.stderr
    assert (old.stdout, new.stdout) == (token_server.issued[0] + "\n", token_server.issued[1] + "\n")
    assert basic_password(token_server.token_requests()[1]) == "rotated-secret"
    assert run_cli(["token"], rotated_env, clock=clock).stdout == new.stdout
    assert len(token_server.token_requests()) == 2


def test_rotating_the_secret_file_starts_a_new_entry(
    helper_env: dict[str, str], token_server: TokenServer, tmp_path: Path
) -> None:
    """New content in the secret file means a new token request, although the file's path is the same."""
    clock = FakeClock()
    path = secret_file(tmp_path / "secret", CLIENT_SECRET + "\n")
    env = file_env(helper_env, path)
    assert run_cli(["token"], env, clock=clock).stdout == token_server.issued[0] + "\n"
    assert run_cli(["token"], env, clock=clock).stdout == token_server.issued[0] + "\n"
    token_server.clients[CLIENT_ID] = "rotated-secret"
    secret_file(path, "rotated-secret\n")
    assert run_cli(["token"], env, clock=clock).stdout == token_server.issued[1] + "\n"
    assert [basic_password(item) for item in token_server.token_requests()] == [CLIENT_SECRET, "rotated-secret"]
