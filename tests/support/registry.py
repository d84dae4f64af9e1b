"""Servers the real docker CLI talks to in tests, on 127.0.0.1 only: a minimal HTTPS registry that demands Basic
credentials at `/v2/`, and a fake Docker Engine API (plain http) that answers `docker login`.

The registry serves one schema-2 manifest (and its config blob) for one repository and tag, and records every
request with the Basic username and password it carried: that record proves which credential docker sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Self

from .tls import Certificate

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
JSON_TYPE = "application/json"
CONFIG_BLOB = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}'
Answer = tuple[int, dict[str, str], bytes]


class Seen:
    """One request as a server saw it: method, path, Basic credentials (if any), body, headers."""

    def __init__(
        self,
        method: str,
        path: str,
        username: str | None,
        password: str | None,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.username = username
        self.password = password
        self.body = body
        self.headers = headers or {}  # lower-cased names

    def __repr__(self) -> str:
        """For assertion messages (tests use throwaway tokens only)."""
        return f"Seen({self.method} {self.path} user={self.username!r})"


class _Server:
    """A threaded HTTP(S) server on 127.0.0.1 port 0 that records requests and asks `respond` for the answer."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self.httpd = _TLSServer(("127.0.0.1", 0), _handler_for(self), tls)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """127.0.0.1:PORT."""
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> Self:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def record(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Seen:
        """Record one request, with its Basic credentials decoded."""
        username, password = _basic(headers.get("authorization", ""))
        seen = Seen(method, path, username, password, body, headers=headers)
        with self._lock:
            self.seen.append(seen)
        return seen

    def respond(self, seen: Seen) -> Answer:
        """Status, headers and body for one request (subclasses decide)."""
        raise NotImplementedError


class Registry(_Server):
    """A Docker registry over HTTPS: 401 with a Basic challenge unless `accept(username, password)` is true."""

    def __init__(
        self, certificate: Certificate, accept: Callable[[str, str], bool], repository: str = "team/app"
    ) -> None:
        super().__init__(certificate.server_context())
        self.accept = accept
        self.repository = repository
        self.tag = "1.0"
        config_digest = "sha256:" + hashlib.sha256(CONFIG_BLOB).hexdigest()
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(CONFIG_BLOB), "digest": config_digest},
            "layers": [],
        }
        self.manifest = json.dumps(manifest, indent=3).encode()
        self.digest = "sha256:" + hashlib.sha256(self.manifest).hexdigest()
        self._routes = {
            "/v2/": (JSON_TYPE, b"{}"),
            f"/v2/{repository}/manifests/{self.tag}": (MANIFEST_TYPE, self.manifest),
            f"/v2/{repository}/manifests/{self.digest}": (MANIFEST_TYPE, self.manifest),
            f"/v2/{repository}/blobs/{config_digest}": (CONFIG_TYPE, CONFIG_BLOB),
            f"/v2/{repository}/tags/list": (JSON_TYPE, json.dumps({"name": repository, "tags": [self.tag]}).encode()),
        }

    def respond(self, seen: Seen) -> Answer:
        """The registry API for one repository and tag, behind Basic authentication."""
        headers = {"Docker-Distribution-API-Version": "registry/2.0"}
        if seen.username is None or seen.password is None or not self.accept(seen.username, seen.password):
            headers["WWW-Authenticate"] = 'Basic realm="rightbrain-test-registry"'
            return 401, headers, _errors("UNAUTHORIZED", "authentication required")
        route = self._routes.get(seen.path.split("?", 1)[0])
        if route is None:
            return 404, headers, _errors("MANIFEST_UNKNOWN", "manifest unknown")
        content_type, body = route
        headers["Content-Type"] = content_type
        if content_type == MANIFEST_TYPE:
            headers["Docker-Content-Digest"] = self.digest
        return 200, headers, body

    def authorized(self) -> list[Seen]:
        """The requests that carried credentials the registry accepted."""
        with self._lock:
            return [
                item
                for item in self.seen
                if item.password is not None and self.accept(item.username or "", item.password)
            ]


class FakeEngine(_Server):
    """The Engine API calls `docker login` and `docker pull` make: `/_ping`, then `POST /v1.50/auth` (recorded,
    accepted) or `POST /v1.50/images/create` (recorded with its X-Registry-Auth header, answered with one progress
    line: the pull "succeeds" without any image data)."""

    def respond(self, seen: Seen) -> Answer:
        """Ping, auth and pull answers; 404 for anything else."""
        headers = {"Api-Version": "1.50", "Content-Type": JSON_TYPE}
        if seen.path == "/_ping":
            return 200, {**headers, "Content-Type": "text/plain"}, b"OK"
        if seen.method == "POST" and seen.path == "/v1.50/auth":
            return 200, headers, b'{"Status":"Login Succeeded","IdentityToken":""}'
        if seen.method == "POST" and seen.path.startswith("/v1.50/images/create?"):
            return 200, headers, b'{"status":"Pulled by the fake engine"}\r\n'
        return 404, headers, b'{"message":"not implemented by the fake engine"}'

    def pulls(self) -> list[object]:
        """The credentials each `docker pull` handed the daemon: its X-Registry-Auth header decoded (base64url
        JSON, padding restored), None when there was none; `{}` is an anonymous pull."""
        with self._lock:
            encoded = [item.headers.get("x-registry-auth") for item in self.seen if "/images/create?" in item.path]
        return [
            None if value is None else json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            for value in encoded
        ]

    def logins(self) -> list[dict[str, str]]:
        """The JSON bodies `docker login` posted to /v1.50/auth."""
        with self._lock:
            return [json.loads(item.body) for item in self.seen if item.path == "/v1.50/auth"]


def _errors(code: str, message: str) -> bytes:
    """A registry error body."""
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


def _basic(header: str) -> tuple[str | None, str | None]:
    """(username, password) of a Basic Authorization header, or (None, None)."""
    if not header.startswith("Basic "):
        return None, None
    try:
        pair = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    username, separator, password = pair.partition(":")
    return (username, password) if separator else (None, None)


class _TLSServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that, given a context, does the TLS handshake in the request's own thread."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None
    ) -> None:
        super().__init__(address, handler)
        self.tls = tls

    def finish_request(self, request: socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        """Wrap the connection (when serving TLS), handle it, and close the TLS socket (the server only closes the
        plain one it accepted, which wrapping has emptied)."""
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.tls.wrap_socket(request, server_side=True) as connection:
            super().finish_request(connection, client_address)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that drops the connection or fails the handshake is not a test failure; stay quiet."""


def _handler_for(server: _Server) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def do_POST(self) -> None:
            self._serve(send_body=True)

        def _serve(self, *, send_body: bool) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, reply_headers, reply = server.respond(server.record(self.command, self.path, headers, body))
            self.send_response(status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            if send_body:
                self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
