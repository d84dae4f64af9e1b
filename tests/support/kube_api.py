"""A fake Kubernetes API server on 127.0.0.1 over HTTPS: `GET /version` for a valid Bearer token, 401 otherwise.

Enough for `kubectl get --raw /version`, which is all the kubectl tests need. Every request is recorded with its
Authorization header, so a test can prove which token arrived.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from .localserver import LocalServer
from .tls import Certificate

VERSION: dict[str, object] = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",
    "gitCommit": "fake",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}
UNAUTHORIZED: dict[str, object] = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


class Seen:
    """One request as the API server saw it."""

    def __init__(self, method: str, path: str, authorization: str) -> None:
        self.method = method
        self.path = path
        self.authorization = authorization


class KubeApiServer(LocalServer[Seen]):
    """HTTPS API server; `accepts(token)` decides whether a Bearer token is valid (e.g. issued by the test issuer)."""

    def __init__(self, certificate: Certificate, accepts: Callable[[str], bool]) -> None:
        self.accepts = accepts
        super().__init__(_handler_for(self), certificate.server_context())

    @property
    def url(self) -> str:
        """The server URL for a kubeconfig."""
        return f"https://127.0.0.1:{self.port}"

    def answer(self, method: str, path: str, authorization: str) -> tuple[int, dict[str, object]]:
        """Record the request; /version for a valid Bearer token, 401 for any other credential, 404 elsewhere."""
        self.record(Seen(method, path, authorization))
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token or not self.accepts(token):
            return 401, UNAUTHORIZED
        if path.split("?", 1)[0] == "/version":
            return 200, VERSION
        return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}


def _handler_for(server: KubeApiServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, body = server.answer("GET", self.path, self.headers.get("Authorization", ""))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except OSError:
                pass

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
