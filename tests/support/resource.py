"""A protected resource on 127.0.0.1: answers 200 to a Bearer token the test allows, 401 to anything else, and
records the Authorization header and body of every request (the proof of which token arrived, and when)."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from .localserver import LocalServer


class Hit:
    """One request: method, path, the Bearer token it carried ("" if none) and its body."""

    def __init__(self, method: str, path: str, token: str, body: bytes) -> None:
        self.method = method
        self.path = path
        self.token = token
        self.body = body


class ResourceServer(LocalServer[Hit]):
    """Accepts a token when `issued()` lists it (the issuer handed it out) and it was not revoked since."""

    def __init__(self, issued: Callable[[], list[str]]) -> None:
        super().__init__(_handler_for(self))
        self.issued = issued
        self.revoked: set[str] = set()

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def revoke(self, token: str) -> None:
        """Refuse `token` from now on (the issuer withdrew it)."""
        with self._lock:
            self.revoked.add(token)

    def accepts(self, token: str) -> bool:
        """Whether `token` is good now."""
        with self._lock:
            revoked = token in self.revoked
        return bool(token) and not revoked and token in self.issued()

    def tokens(self) -> list[str]:
        """The Bearer token of each request so far, in order ("" for none)."""
        return [hit.token for hit in self.requests()]


def _handler_for(server: ResourceServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            body = self._body()
            header = self.headers.get("Authorization", "")
            token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
            server.record(Hit(self.command, self.path, token, body))
            ok = server.accepts(token)
            reply = b'{"ok":true}' if ok else b'{"error":"invalid_token"}'
            self.send_response(200 if ok else 401)
            if not ok:
                self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def _body(self) -> bytes:
            """The request body, with or without chunked transfer coding."""
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            body = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return body

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
