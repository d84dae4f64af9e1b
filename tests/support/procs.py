"""Child processes for the cross-process tests: the installed console script with a hook installed first, a
process that holds the refresh lock, and the cache files a test plants or inspects. Every wait here is on a pipe
or a process, never a sleep.
"""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.cache import LOCK_SUFFIX, TOKEN_SUFFIX, TokenCache, entry_key

PYTHON = sys.executable
HELPER = str(Path(sys.executable).parent / "rightbrain-helper")

# Runs the console script in a child after an optional hook: argv is MODE REPORT_FD SCRIPT ARGS...
# "report-lock": write b"L" to REPORT_FD the first time the process opens a *.lock file (it reached the lock).
# Crash points of a write, each os._exit(70), in the order a write goes through them:
# "crash-temp-open": as the temp file is about to be created; "crash-torn": after writing half of its bytes;
# "crash-written": all bytes written, before fsync; "crash-fsynced": after fsync, before the rename;
# "crash-replace": as the temp file is about to be renamed onto the entry; "crash-replaced": right after that.
# "crash-locked": once the refresh lock is held (at the re-read of the entry under it).
# "fail:EVENT:SUFFIX:ERRNO[,...]": the audit event EVENT (open, os.mkdir, os.rename, os.remove, os.listdir) on
# a path ending in SUFFIX raises OSError(errno.ERRNO), as a read-only or full filesystem would.
HOOKED_HELPER = r"""
import errno, os, runpy, sys
mode, report, script = sys.argv[1], int(sys.argv[2]), sys.argv[3]
state = {"reported": False, "locked": False}
faults = [rule.split(":") for rule in mode[len("fail:"):].split(",")] if mode.startswith("fail:") else []
def hook(event, args):
    on_first = event in ("open", "os.mkdir", "os.remove", "os.listdir")
    path = args[0] if on_first else args[1] if event == "os.rename" else None
    if not isinstance(path, str):
        return
    for fault_event, suffix, name in faults:
        if event == fault_event and path.endswith(suffix):
            code = getattr(errno, name)
            raise OSError(code, os.strerror(code), path)
    if event == "open" and path.endswith(".lock"):
        state["locked"] = True
    if mode == "report-lock" and event == "open" and path.endswith(".lock") and not state["reported"]:
        state["reported"] = True
        os.write(report, b"L")
    elif mode == "crash-temp-open" and event == "open" and path.endswith(".tmp"):
        os._exit(70)
    elif mode == "crash-replace" and event == "os.rename" and path.endswith(".token"):
        os._exit(70)
    elif mode == "crash-locked" and event == "open" and path.endswith(".token") and state["locked"]:
        os._exit(70)
def is_temp(fd):
    return os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp")
real_write, real_fsync, real_replace = os.write, os.fsync, os.replace
def torn_write(fd, data):
    if is_temp(fd):
        real_write(fd, bytes(data)[: len(data) // 2])
        os._exit(70)
    return real_write(fd, data)
def crashing_fsync(fd):
    if not is_temp(fd):
        return real_fsync(fd)
    if mode == "crash-written":
        os._exit(70)
    real_fsync(fd)
    os._exit(70)
def crashing_replace(src, dst, **kwargs):
    real_replace(src, dst, **kwargs)
    if str(dst).endswith(".token"):
        os._exit(70)
if mode == "crash-torn":
    os.write = torn_write
elif mode in ("crash-written", "crash-fsynced"):
    os.fsync = crashing_fsync
elif mode == "crash-replaced":
    os.replace = crashing_replace
sys.addaudithook(hook)
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
"""

HOLD_LOCK = r"""
import sys
from rightbrain_helper.token.lock import refresh_lock
with refresh_lock(sys.argv[1], 30):
    sys.stdout.write("locked\n")
    sys.stdout.flush()
    sys.stdin.read()
"""


def spawn_hooked(
    mode: str, argv: list[str], env: dict[str, str], report_fd: int = -1, *, script: str = HELPER, stdin: str = ""
) -> subprocess.Popen[str]:
    """Start a console script (default rightbrain-helper) with `argv` in a child that installs the hook `mode`
    first; `stdin` is written to the child's standard input."""
    child = subprocess.Popen(
        [PYTHON, "-c", HOOKED_HELPER, mode, str(report_fd), script, *argv],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=(report_fd,) if report_fd >= 0 else (),
    )
    assert child.stdin is not None
    child.stdin.write(stdin)
    child.stdin.close()
    child.stdin = None  # so communicate() does not flush the closed pipe
    return child


def run_hooked(
    mode: str, argv: list[str], env: dict[str, str], *, script: str = HELPER, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run a console script (default rightbrain-helper) under the hook `mode` to completion."""
    child = spawn_hooked(mode, argv, env, script=script, stdin=stdin)
    stdout, stderr = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def read_exactly(fd: int, count: int, timeout: float, what: str = "bytes") -> bytes:
    """Read `count` bytes from a pipe, failing the test if they do not all arrive within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    while len(data) < count:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        assert ready, f"only {len(data)} of {count} {what} within {timeout} s"
        chunk = os.read(fd, count - len(data))
        assert chunk, f"pipe closed after {len(data)} of {count} {what}"
        data += chunk
    return data


class LockHolder:
    """A separate process holding the refresh lock on `lock_path` until released or killed."""

    def __init__(self, lock_path: str, env: dict[str, str]) -> None:
        TokenCache(os.path.dirname(lock_path)).ensure_directory()
        self.proc = subprocess.Popen(
            [PYTHON, "-c", HOLD_LOCK, lock_path], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def __enter__(self) -> LockHolder:
        """Return once the child reports that it holds the lock."""
        assert self.proc.stdout is not None
        assert read_exactly(self.proc.stdout.fileno(), len(b"locked\n"), 30) == b"locked\n"
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Never leave the child behind."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()

    def kill(self) -> int:
        """SIGKILL the holder (no chance to unlock) and reap it; its exit status."""
        self.proc.kill()
        return self.proc.wait(timeout=30)


class Gate(threading.Event):
    """A Reply hold that also tells the test when the server has a request waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        """Signal arrival, then wait to be opened."""
        self.arrived.set()
        return super().wait(timeout)


def entry_paths(env: dict[str, str]) -> tuple[str, str]:
    """The cache entry and lock file the CLI uses for `env`'s default settings."""
    runtime = Runtime(env=env, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    settings = runtime.settings(Overrides())
    base = os.path.join(settings.cache_dir, entry_key(settings))
    return base + TOKEN_SUFFIX, base + LOCK_SUFFIX


def write_config(env: dict[str, str], text: str, *, age: float = 0) -> str:
    """Write config.toml (mode 600) under env's XDG_CONFIG_HOME, its mtime `age` seconds in the past; its path."""
    path = os.path.join(env["XDG_CONFIG_HOME"], "rightbrain-helper", "config.toml")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path
