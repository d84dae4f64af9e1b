"""A real redis-server (the Debian package) on 127.0.0.1 for the fleet-tier tests and the benchmark: a free port,
a throwaway directory, no persistence (--save "" --appendonly no), stopped (or killed, or paused) on demand.

Readiness is the server's own "Ready to accept connections" line, read by a thread that keeps draining its
output; nothing here sleeps.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import redis

READY = b"Ready to accept connections"
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process. `args` are extra config directives (["--maxmemory", "1"], ["--user", ...])."""

    def __init__(self, directory: Path, *args: str, password: str = "", tls_files: tuple[Path, Path] | None = None):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed: run scripts/setup.sh (it installs the Debian package)"
        self.binary = binary
        self.directory = directory
        self.args = list(args)
        self.password = password
        self.tls_files = tls_files  # (certificate, key): serve TLS only
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.drain: threading.Thread | None = None
        self.output: list[bytes] = []
        self._admin: redis.Redis | None = None

    def start(self) -> RedisServer:
        """Start on a free port; retry on another port if one was taken in between."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            self.port = free_port()
            if self._start_once():
                return self
        raise AssertionError("redis-server did not start: " + b"".join(self.output[-20:]).decode(errors="replace"))

    def _start_once(self) -> bool:
        """Launch and wait for the ready line; False if the server exited first."""
        argv = [self.binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        if self.tls_files:
            cert, key = self.tls_files
            argv += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(cert)]
            argv += ["--tls-key-file", str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"]
        else:
            argv += ["--port", str(self.port)]
        if self.password:
            argv += ["--requirepass", self.password]
        self.proc = subprocess.Popen([*argv, *self.args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ready = threading.Event()
        self.drain = threading.Thread(target=self._drain, args=(self.proc, ready), daemon=True)
        self.drain.start()
        if ready.wait(START_TIMEOUT) and self.proc.poll() is None:
            return True
        self.kill()
        return False

    def _drain(self, proc: subprocess.Popen[bytes], ready: threading.Event) -> None:
        """Keep reading the server's log (a full pipe would stall it); set `ready` at its ready line or its exit."""
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)
            if READY in line:
                ready.set()
        ready.set()

    def url(self, *, user: str = "", password: str = "", db: int = 0) -> str:
        """redis:// (or rediss:// for TLS) URL of this server, with credentials if given."""
        scheme = "rediss" if self.tls_files else "redis"
        auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
        return f"{scheme}://{auth}127.0.0.1:{self.port}/{db}"

    def admin(self) -> redis.Redis:
        """A client with full rights (the default user), for planting, inspecting and configuring."""
        if self._admin is None:
            tls = {"ssl": True, "ssl_ca_certs": str(self.tls_files[0])} if self.tls_files else {}
            self._admin = redis.Redis(port=self.port, password=self.password or None, **tls)  # type: ignore[arg-type]
        return self._admin

    def add_user(self, name: str, password: str, *rules: str) -> None:
        """ACL SETUSER `name` on >`password` `rules`..."""
        self.admin().execute_command("ACL", "SETUSER", name, "on", f">{password}", *rules)  # type: ignore[no-untyped-call]

    def lock_keys(self) -> list[bytes]:
        """The keys of fleet locks held right now."""
        return [key for key in every_key_and_value(self.admin()) if key.endswith(b":lock")]

    def signal(self, number: int) -> None:
        """Send `number` (SIGSTOP to make it hang, SIGCONT to resume)."""
        assert self.proc is not None
        self.proc.send_signal(number)

    def kill(self) -> None:
        """SIGKILL: gone at once, connections reset."""
        assert self.proc is not None
        self.proc.kill()
        self._reap()

    def stop(self) -> None:
        """Stop (resume first if paused); never leaves the process behind."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.proc is None or self.proc.poll() is not None:
            self._reap()
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._reap()

    def _reap(self) -> None:
        """Wait for the process and its log reader; close the pipe."""
        assert self.proc is not None
        self.proc.wait(timeout=30)
        if self.drain is not None:
            self.drain.join(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def every_key_and_value(client: redis.Redis) -> dict[bytes, bytes]:
    """SCAN the whole database and GET every key (all the tier writes are strings)."""
    found: dict[bytes, bytes] = {}
    for key in client.scan_iter(count=1000):
        value = client.get(key)
        if isinstance(value, bytes):
            found[key] = value
    return found


def stored_value(client: redis.Redis, key: str) -> bytes:
    """The bytes at `key` (failing the test if there are none)."""
    value = client.get(key)
    assert isinstance(value, bytes), f"no value at {key}"
    return value
