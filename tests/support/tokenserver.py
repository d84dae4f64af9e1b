"""A real OAuth 2.0 token endpoint on 127.0.0.1 for tests and the demo: records every request, checks client
credentials like a spec-compliant server, and answers from a script of canned replies when one is queued.

Run standalone: python -m tests.support.tokenserver --port-file F [--log F] [--client ID:SECRET]
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, unquote_plus


class Reply:
    """A canned answer: status, body, headers; `hold` makes the server wait on an event first (a slow server)."""

    def __init__(
        self,
        status: int = 200,
        body: bytes | str | dict[str, object] = b"",
        headers: dict[str, str] | None = None,
        hold: threading.Event | None = None,
        stall_body: threading.Event | None = None,
    ) -> None:
        if isinstance(body, dict):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = headers or {}
        self.hold = hold
        self.stall_body = stall_body  # send the headers and half the body, then wait on this event


class Recorded:
    """One request as the server saw it; `peer_cert` is the DER of the TLS client certificate, if one was verified."""

    def __init__(
        self, method: str, path: str, headers: dict[str, str], body: bytes, peer_cert: bytes | None = None
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.peer_cert = peer_cert
        self.form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)

    def field(self, name: str) -> str | None:
        """The first form value called `name`."""
        return next((value for key, value in self.form if key == name), None)


class Verifier(Protocol):
    """Checks clients that send no secret (tests/support/clientauth.py): the client id they prove, or None."""

    def client(self, recorded: Recorded) -> str | None:
        """The authenticated client id, or None."""


class Issued:
    """One token as the server minted it: `issued_at` (time.time() seconds at minting) and `expires_in` (seconds)."""

    def __init__(self, token: str, issued_at: float, expires_in: float) -> None:
        self.token = token
        self.issued_at = issued_at
        self.expires_in = expires_in

    @property
    def expires_at(self) -> float:
        """When the token stops being valid at this server (time.time() seconds)."""
        return self.issued_at + self.expires_in


class TokenServer:
    """The token endpoint. `clients` maps client ids to secrets; empty means any client is accepted."""

    def __init__(self, clients: dict[str, str] | None = None, expires_in: object = 3600, log_path: str = "") -> None:
        self.clients = dict(clients or {})
        self.expires_in = expires_in
        self.extra_fields: dict[str, object] = {}
        self.requests: list[Recorded] = []
        self.issued: list[str] = []
        self.lifetimes: list[int] = []  # when set, the n-th token gets lifetimes[n % len] as expires_in
        self.grants: dict[str, Issued] = {}  # minted tokens with a numeric lifetime: when, and for how long
        self.replies: list[Reply] = []
        self.log_path = log_path
        self.decode_basic = True
        self.responder: Callable[[Recorded], Reply] | None = None  # answers what the queue does not, if set
        self.date_offset = 0.0  # seconds added to the clock of the Date header (a server whose clock is off)
        self.verifier: Verifier | None = None  # checks client assertions and TLS client certificates, if set
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """The token URL."""
        return f"http://127.0.0.1:{self.port}/oauth2/token"

    def start(self) -> TokenServer:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any held replies."""
        for reply in self.replies:
            for event in (reply.hold, reply.stall_body):
                if event is not None:
                    event.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, before going back to issuing tokens."""
        with self._lock:
            self.replies.extend(replies)

    def token_requests(self) -> list[Recorded]:
        """Recorded POSTs to the token path."""
        with self._lock:
            return [item for item in self.requests if item.method == "POST"]

    def answer(self, recorded: Recorded) -> Reply:
        """Record the request and decide the reply."""
        with self._lock:
            self.requests.append(recorded)
            reply = self.replies.pop(0) if self.replies else None
        self._log(recorded)
        if reply is not None:
            return reply
        if self.responder is not None:
            return self.responder(recorded)
        return self._issue(recorded)

    def answer_get(self, recorded: Recorded) -> Reply:
        """Record a GET the way answer() records a POST; a token endpoint answers it 405 (authz.py serves
        documents)."""
        self.answer(recorded)
        return Reply(405, {"error": "invalid_request", "error_description": "use POST"})

    def _issue(self, recorded: Recorded) -> Reply:
        """Check the grant and the client, then mint a token."""
        if recorded.field("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        client = self.authenticate(recorded)
        if client is None:
            return Reply(
                401,
                {"error": "invalid_client", "error_description": "client authentication failed"},
                {"WWW-Authenticate": 'Basic realm="token"'},
            )
        token = "tok-" + secrets.token_urlsafe(24)
        with self._lock:
            expires_in = self.lifetimes[len(self.issued) % len(self.lifetimes)] if self.lifetimes else self.expires_in
            self.issued.append(token)
            seconds = _finite_seconds(expires_in)
            if seconds is not None:
                self.grants[token] = Issued(token, time.time(), seconds)
        body: dict[str, object] = {"access_token": token, "token_type": "Bearer", **self.extra_fields}
        if expires_in is not None:
            body["expires_in"] = expires_in
        if recorded.field("scope"):
            body.setdefault("scope", recorded.field("scope"))
        return Reply(200, body, {"Cache-Control": "no-store"})

    def authenticate(self, recorded: Recorded) -> str | None:
        """The client id if its credentials check out (Basic, decoded per RFC 6749 §2.3.1 unless told not to; a
        client assertion or a bare client_id with a TLS client certificate by the verifier, if any)."""
        header = recorded.headers.get("authorization", "")
        secretless = recorded.field("client_secret") is None and not header
        if self.verifier is not None and (recorded.field("client_assertion") is not None or secretless):
            return self.verifier.client(recorded)
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode("utf-8")
            client_id, _, secret = pair.partition(":")
            if self.decode_basic:
                client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        else:
            client_id, secret = recorded.field("client_id") or "", recorded.field("client_secret") or ""
        if not self.clients:
            return client_id or None
        return client_id if self.clients.get(client_id) == secret and client_id else None

    def _log(self, recorded: Recorded) -> None:
        """Append a JSON line per request (method, path, grant) to the log file, if any: the demo shows it."""
        if self.log_path:
            line = json.dumps({"method": recorded.method, "path": recorded.path, "grant": recorded.field("grant_type")})
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


def _finite_seconds(value: object) -> float | None:
    """`value` as a finite float when it is a JSON number that has one (tests also send odd lifetimes), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) else None


def _handler_for(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to `server`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            peer = getattr(self.connection, "getpeercert", None)  # an ssl.SSLSocket under TLS
            peer_cert = peer(binary_form=True) if peer is not None else None
            self._send(server.answer(Recorded("POST", self.path, headers, body, peer_cert)))

        def do_GET(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._send(server.answer_get(Recorded("GET", self.path, headers, b"")))

        def _send(self, reply: Reply) -> None:
            if reply.hold is not None:
                reply.hold.wait(300)  # outlasts the tests' own 60 s waits for what the hold is waiting on
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                if reply.stall_body is not None:
                    half = len(reply.body) // 2
                    self.wfile.write(reply.body[:half])
                    self.wfile.flush()
                    reply.stall_body.wait(300)
                    self.wfile.write(reply.body[half:])
                else:
                    self.wfile.write(reply.body)
            except OSError:
                pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            """The Date header, `server.date_offset` seconds off the real clock."""
            return super().date_time_string((time.time() if timestamp is None else timestamp) + server.date_offset)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


def main() -> None:
    """Standalone mode for the demo and for tests that need the server in its own process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", default="")
    parser.add_argument("--client", action="append", default=[], help="ID:SECRET (repeatable)")
    parser.add_argument("--expires-in", type=int, default=3600)
    options = parser.parse_args()
    clients = dict(item.split(":", 1) for item in options.client)
    server = TokenServer(clients, expires_in=options.expires_in, log_path=options.log)
    temp = options.port_file + ".tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(str(server.port))
    os.replace(temp, options.port_file)
    print(f"token endpoint: {server.url}", file=sys.stderr, flush=True)
    server.httpd.serve_forever()


if __name__ == "__main__":
    main()
