"""A threaded HTTP(S) server on 127.0.0.1, port 0, serving in a background thread and recording what it saw."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Protocol, Self, TypeVar

SeenT = TypeVar("SeenT")


class LocalServer(Generic[SeenT]):
    """The plumbing the test servers share: bind, serve, stop, and a thread-safe list of recorded requests."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[SeenT] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.httpd.server_address[1])

    def start(self) -> Self:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests(self) -> list[SeenT]:
        """Everything recorded so far."""
        with self._lock:
            return list(self.seen)

    def record(self, seen: SeenT) -> None:
        """Remember one request."""
        with self._lock:
            self.seen.append(seen)


class Answering(Protocol):
    """A server that answers GETs from the path and the Authorization header alone."""

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, str], bytes]:
        """(status, extra headers, body) for one GET."""


def get_handler(server: Answering) -> type[BaseHTTPRequestHandler]:
    """A request handler class that serves every GET with `server.answer` (JSON unless it says otherwise)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, headers, body = server.answer(self.path, self.headers.get("Authorization", ""))
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
