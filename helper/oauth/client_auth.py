"""The token request being built, and how each client authentication method marks it: the request-side half of
the method classes in token/secret_auth.py and token/key_auth.py. Pure; loaded only on a miss.

Sources: RFC 6749 §2.3.1 (client_secret_basic, client_secret_post), RFC 7617 (Basic as curl sends it),
RFC 7521 §4.2 and RFC 7523 §2.2 (client assertions), RFC 8705 §2.1 (tls_client_auth: client_id in the body).
"""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenRequest:
    """One token request: the endpoint it goes to (an assertion's audience; discovery may hand an mTLS alias),
    when it is made (seconds since the epoch, from the injected clock), its form fields and headers, and
    `sent`, the credential as sent (a secret or an assertion), which the log masks and answers are redacted of."""

    __slots__ = ("endpoint", "form", "headers", "now", "sent")

    def __init__(self, endpoint: str, now: float, form: list[tuple[str, str]], headers: dict[str, str]) -> None:
        self.endpoint = endpoint
        self.now = now
        self.form = form
        self.headers = headers
        self.sent = ""


def add_basic(request: TokenRequest, client_id: str, secret: str, *, raw: bool) -> None:
    """The Authorization header: client_secret_basic, or basic-raw when `raw`."""
    request.headers["Authorization"] = basic_authorization(client_id, secret, raw=raw)
    request.sent = secret


def basic_authorization(client_id: str, secret: str, *, raw: bool) -> str:
    """RFC 6749 §2.3.1: form-urlencode id and secret, then base64; `raw` skips the encoding, as `curl -u` does."""
    pair = f"{client_id}:{secret}" if raw else f"{quote_plus(client_id, safe='')}:{quote_plus(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def add_post(request: TokenRequest, client_id: str, secret: str) -> None:
    """client_secret_post: client_id and client_secret as form fields."""
    request.form += [("client_id", client_id), ("client_secret", secret)]
    request.sent = secret


def add_assertion(request: TokenRequest, client_id: str, assertion: str) -> None:
    """A JWT client assertion (RFC 7523 §2.2). client_id goes too: RFC 7521 §4.2 allows it, and some servers
    (Spring Authorization Server among them) look the client up by it before checking the assertion."""
    request.form += [("client_id", client_id), ("client_assertion_type", JWT_BEARER), ("client_assertion", assertion)]
    request.sent = assertion


def add_client_id(request: TokenRequest, client_id: str) -> None:
    """tls_client_auth: the client id alone; the certificate is in the TLS handshake."""
    request.form.append(("client_id", client_id))
