"""A token endpoint on 127.0.0.1 that answers one byte a second: the status line and headers ("headers"), or the
headers at once and then the body ("body"). Every byte resets a per-read socket timeout, so only a wall-clock
bound on the whole exchange stops a client from waiting for the full answer, which takes over ten minutes.

A test can also have the first answers be quick 503s (`busy_first`), to see the deadline cover the retries too.
"""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler

from .localserver import LocalServer

TOKEN = "tok-trickled"
PADDING = 700  # bytes of filler: at one byte a second the whole answer takes more than ten minutes
MODES = ("headers", "body")


class TrickleServer(LocalServer[str]):
    """Records each request's path; answers a valid token answer, dripped out one byte per `interval` seconds."""

    def __init__(self, mode: str, *, interval: float = 1.0, busy_first: int = 0) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode
        self.interval = interval
        self.busy_first = busy_first
        self.stopping = threading.Event()
        super().__init__(_handler_for(self))

    @property
    def url(self) -> str:
        """The token URL."""
        return f"http://127.0.0.1:{self.port}/oauth2/token"

    def stop(self) -> None:
        """Stop dripping (every open answer ends within one interval), then stop serving."""
        self.stopping.set()
        super().stop()

    def answer(self) -> tuple[bytes, bytes]:
        """(head, body) for the next request: a quick 503 while `busy_first` lasts, then the slow token answer."""
        with self._lock:
            busy = len(self.seen) <= self.busy_first
        if busy:
            return _head(503, b"busy", ["Retry-After: 1"]), b"busy"
        body = json.dumps({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}).encode()
        body += b" " * PADDING
        return _head(200, body, [f"X-Padding: {'p' * PADDING}"]), body

    def drip(self, out: io.BufferedIOBase, data: bytes) -> bool:
        """Write `data` one byte per interval; False once the server stops or the client has gone."""
        for at in range(len(data)):
            try:
                out.write(data[at : at + 1])
                out.flush()
            except OSError:
                return False
            if self.stopping.wait(self.interval):
                return False
        return True


def _head(status: int, body: bytes, extra: list[str]) -> bytes:
    """The status line and headers of an answer with `body`."""
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    lines = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _handler_for(server: TrickleServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            server.record(self.path)
            head, body = server.answer()
            self.close_connection = True
            if head.startswith(b"HTTP/1.1 503"):
                self.wfile.write(head + body)
            elif server.mode == "headers":
                server.drip(self.wfile, head + body)
            else:
                self.wfile.write(head)
                self.wfile.flush()
                server.drip(self.wfile, body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
