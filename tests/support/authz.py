"""An OAuth 2.0 authorization server on 127.0.0.1 for the issuer tests: tokenserver.py's token endpoint, plus
its metadata at both well-known URLs (RFC 8414 §3.1 with path insertion, OpenID Connect Discovery §4 appended;
either may be switched off), and an RFC 7009 revocation endpoint that authenticates the client like the token
endpoint and records what it was sent.
"""

from __future__ import annotations

from .tokenserver import Recorded, Reply, TokenServer

OIDC = "openid-configuration"
RFC8414 = "oauth-authorization-server"


class AuthorizationServer(TokenServer):
    """A token endpoint with discovery and revocation. `path` is the issuer's path ("" or "/tenant").

    Knobs a test turns: `documents` (which well-known documents are served), `named_issuer` (the issuer the
    metadata names, when it should differ), `metadata_changes` (fields replaced or added; None removes one),
    `token_path` (move the token endpoint: the old path then answers 404), `revocation_replies` (queued answers
    of the revocation endpoint, else 200)."""

    def __init__(
        self,
        clients: dict[str, str] | None = None,
        *,
        path: str = "",
        documents: tuple[str, ...] = (OIDC, RFC8414),
        auth_methods: list[str] | None = None,
        revocation: bool = True,
    ) -> None:
        super().__init__(clients)
        self.path = path
        self.documents = documents
        self.auth_methods = auth_methods
        self.revocation = revocation
        self.named_issuer: str | None = None
        self.metadata_changes: dict[str, object] = {}
        self.token_path = f"{path}/oauth2/token"
        self.revocation_path = f"{path}/oauth2/revoke"
        self.discoveries: list[Recorded] = []
        self.revocations: list[Recorded] = []
        self.revocation_replies: list[Reply] = []
        self.scheme = "http"  # "https" once its socket is wrapped (tlsserver.start_tls)

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT (or https)."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        """The issuer identifier: the origin and the path."""
        return self.origin + self.path

    @property
    def url(self) -> str:
        """The token endpoint's URL (where it is now)."""
        return self.origin + self.token_path

    def well_known_path(self, document: str) -> str:
        """Where `document` is served: OIDC appends to the issuer's path, RFC 8414 inserts before it."""
        return f"{self.path}/.well-known/{OIDC}" if document == OIDC else f"/.well-known/{RFC8414}{self.path}"

    def metadata(self) -> dict[str, object]:
        """The metadata document as served now."""
        document: dict[str, object] = {
            "issuer": self.issuer if self.named_issuer is None else self.named_issuer,
            "token_endpoint": self.url,
            "grant_types_supported": ["client_credentials"],
        }
        if self.revocation:
            document["revocation_endpoint"] = self.origin + self.revocation_path
        if self.auth_methods is not None:
            document["token_endpoint_auth_methods_supported"] = self.auth_methods
        document.update(self.metadata_changes)
        return {name: value for name, value in document.items() if value is not None}

    def discovered_paths(self) -> list[str]:
        """The paths of every discovery GET so far, in order."""
        return [recorded.path for recorded in self.discoveries]

    def revoked_tokens(self) -> list[str | None]:
        """The `token` of every revocation request so far, in order."""
        return [recorded.field("token") for recorded in self.revocations]

    def answer_get(self, recorded: Recorded) -> Reply:
        """A served well-known document, else 404."""
        with self._lock:
            self.discoveries.append(recorded)
        for document in self.documents:
            if recorded.path == self.well_known_path(document):
                return Reply(200, self.metadata())
        return Reply(404, "not found", {"Content-Type": "text/plain"})

    def answer(self, recorded: Recorded) -> Reply:
        """Revocation at its path, tokens at the token path, 404 anywhere else (a moved endpoint)."""
        if recorded.path == self.revocation_path and self.revocation:
            return self._revoke(recorded)
        if recorded.path != self.token_path:
            with self._lock:
                self.requests.append(recorded)
            return Reply(404, "not found", {"Content-Type": "text/plain"})
        return super().answer(recorded)

    def _revoke(self, recorded: Recorded) -> Reply:
        """RFC 7009 §2: authenticate the client, record the request, answer 200 (or the queued reply)."""
        with self._lock:
            self.revocations.append(recorded)
            queued = self.revocation_replies.pop(0) if self.revocation_replies else None
        if queued is not None:
            return queued
        if self.authenticate(recorded) is None:
            return Reply(401, {"error": "invalid_client"}, {"WWW-Authenticate": 'Basic realm="revoke"'})
        return Reply(200, b"")
