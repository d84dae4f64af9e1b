"""A git smart-HTTP server on 127.0.0.1 that demands a token: `git http-backend` run as a CGI per request,
behind HTTP Basic auth whose password must be a token the test currently accepts.

Anything else gets 401 with `WWW-Authenticate: Basic realm="git"`, as a forge answers a missing or revoked token.
Every request is recorded (method, path, Basic username and password, status) so tests can see what git sent.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from .localserver import LocalServer

Accept = Callable[[str, str], bool]  # (username, password) -> allowed?


class Seen:
    """One request as the server saw it."""

    def __init__(self, method: str, path: str, username: str | None, password: str | None, status: int) -> None:
        self.method = method
        self.path = path
        self.username = username
        self.password = password
        self.status = status

    def __repr__(self) -> str:
        """For assertion messages (test tokens only)."""
        return f"Seen({self.method} {self.path} user={self.username!r} -> {self.status})"


def make_repository(root: Path, env: dict[str, str], name: str = "repo.git") -> Path:
    """A bare repository under `root` with one commit on main; git runs with `env` (isolated HOME and config)."""
    bare, scratch = root / name, root.parent / f"{name}-scratch"

    def git(*args: str, cwd: Path = root.parent) -> None:
        """Run git quietly; fail the test with git's stderr."""
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)

    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "--bare", "-b", "main", str(bare))
    git("init", "-q", "-b", "main", str(scratch))
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "init", cwd=scratch)
    git("push", "-q", str(bare), "main", cwd=scratch)
    return bare


class GitHttpServer(LocalServer[Seen]):
    """Serves the repositories under `root` over smart HTTP to requests whose Basic credentials `accept` allows."""

    def __init__(self, root: Path, accept: Accept) -> None:
        self.root = root
        self.accept = accept
        super().__init__(_handler_for(self))

    def url(self, repository: str = "repo.git") -> str:
        """The clone URL of a repository."""
        return f"http://127.0.0.1:{self.port}/{repository}"

    def backend(
        self, method: str, target: str, headers: dict[str, str], body: bytes, user: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run `git http-backend` as a CGI for one request; return status, headers and body."""
        path, _, query = target.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if "git-protocol" in headers:
            env["GIT_PROTOCOL"] = headers["git-protocol"]
        if "content-encoding" in headers:
            env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60, check=False
        )
        return _parse_cgi(done.stdout)


def _parse_cgi(output: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Split CGI output into status, headers and body (a `Status:` header sets the code)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = output.partition(separator)
        if found:
            break
    else:
        return 502, [], b"bad gateway: no CGI headers\n"
    status, headers = 200, []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers.append((name, value.strip()))
    return status, headers, body


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """(username, password) from an `Authorization: Basic` header, else None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return username, password


def _handler_for(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            """info/refs (the ref advertisement)."""
            self._serve("GET")

        def do_POST(self) -> None:
            """git-upload-pack / git-receive-pack."""
            self._serve("POST")

        def _serve(self, method: str) -> None:
            """401 unless the Basic credentials are accepted, else the CGI's answer."""
            headers = {name.lower(): value for name, value in self.headers.items()}
            body = self._body(headers)
            credentials = _basic_credentials(headers.get("authorization", ""))
            username, password = credentials if credentials else (None, None)
            if credentials is None or not server.accept(*credentials):
                server.record(Seen(method, self.path, username, password, 401))
                self._send(401, [("WWW-Authenticate", 'Basic realm="git"')], b"authentication required\n")
                return
            status, extra, payload = server.backend(method, self.path, headers, body, credentials[0])
            server.record(Seen(method, self.path, username, password, status))
            self._send(status, extra, payload)

        def _body(self, headers: dict[str, str]) -> bytes:
            """The request body, chunked or not."""
            if headers.get("transfer-encoding", "").lower() == "chunked":
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    chunk = self.rfile.read(size) if size else b""
                    self.rfile.readline()
                    if not size:
                        return b"".join(chunks)
                    chunks.append(chunk)
            return self.rfile.read(int(headers.get("content-length", "0") or "0"))

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            """One response with a Content-Length."""
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
