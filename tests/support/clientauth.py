"""Clients that send no secret, as the test token endpoint checks them: private_key_jwt (RFC 7523 §3 with the
client's public key: signature, iss = sub = client id, aud, exp, jti never seen before), a federated
client_assertion (a stand-in workload issuer's key, its iss and sub), and tls_client_auth (RFC 8705 §2.1: the
certificate the TLS handshake verified is the one registered for the client). Also the keys and assertions the
tests write: PEM files with the modes a user's would have.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .tokenserver import Recorded

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["RS256", "PS256", "ES256"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def new_key(kind: str = "rsa") -> PrivateKey:
    """A fresh RSA 2048 or EC P-256 private key."""
    return new_ec_key() if kind == "ec" else new_rsa_key()


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA 2048 private key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def new_ec_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def write_key(path: Path, key: PrivateKey | ed25519.Ed25519PrivateKey, mode: int = 0o600) -> Path:
    """Write `key` as unencrypted PKCS #8 PEM to `path` with `mode`; the path."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(mode)
    return path


def mint(key: PrivateKey, claims: dict[str, Any], algorithm: str = "RS256", kid: str = "") -> str:
    """A signed JWT, as a workload issuer (Kubernetes, a CI system) would write it."""
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


class Federation:
    """A trust the issuer has for one client: assertions signed by `key` with this iss, sub and aud."""

    def __init__(self, key: PublicKey, iss: str, sub: str, aud: str) -> None:
        self.key = key
        self.iss = iss
        self.sub = sub
        self.aud = aud


class ClientVerifier:
    """The issuer's knowledge of secretless clients. `audience` is the aud a private_key_jwt assertion must carry
    (the token endpoint URL); `now` the server's clock (tests with a fake clock pass theirs). `refusals` says why
    each refused client was refused, `assertions` holds each accepted assertion's header and claims."""

    def __init__(self, audience: str, now: Callable[[], float] = time.time) -> None:
        self.audience = audience
        self.now = now
        self.jwt_keys: dict[str, PublicKey] = {}
        self.federations: dict[str, Federation] = {}
        self.certificates: dict[str, str] = {}  # client id -> SHA-256 hex of the certificate's DER
        self.seen_jti: set[str] = set()
        self.refusals: list[str] = []
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._lock = threading.Lock()

    def client(self, recorded: Recorded) -> str | None:
        """The client id these credentials prove, or None (the reason appended to `refusals`)."""
        try:
            if recorded.field("client_assertion_type") is not None:
                return self._assertion_client(recorded)
            return self._certificate_client(recorded)
        except (ValueError, jwt.PyJWTError) as exc:
            with self._lock:
                self.refusals.append(f"{type(exc).__name__}: {exc}")
            return None

    def _assertion_client(self, recorded: Recorded) -> str:
        """private_key_jwt or a federated assertion (RFC 7523 §3)."""
        if recorded.field("client_assertion_type") != JWT_BEARER:
            raise ValueError("wrong client_assertion_type")
        assertion = recorded.field("client_assertion") or ""
        claims = jwt.decode(assertion, options={"verify_signature": False})
        client_id = recorded.field("client_id") or str(claims.get("sub", ""))
        if client_id in self.jwt_keys:
            checked = self._verify(assertion, self.jwt_keys[client_id], self.audience, client_id, client_id)
        elif client_id in self.federations:
            trust = self.federations[client_id]
            checked = self._verify(assertion, trust.key, trust.aud, trust.iss, trust.sub)
        else:
            raise ValueError(f"unknown client {client_id!r}")
        with self._lock:
            if checked["jti"] in self.seen_jti:
                raise ValueError("jti replayed")
            self.seen_jti.add(checked["jti"])
            self.assertions.append((jwt.get_unverified_header(assertion), checked))
        return client_id

    def _verify(self, assertion: str, key: PublicKey, aud: str, iss: str, sub: str) -> dict[str, Any]:
        """Signature, aud, iss, sub, and the times against the server's clock (PyJWT would use the real one)."""
        claims: dict[str, Any] = jwt.decode(
            assertion,
            key,
            algorithms=ALGORITHMS,
            audience=aud,
            issuer=iss,
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "jti"]},
        )
        if claims.get("sub") != sub:
            raise ValueError(f"sub {claims.get('sub')!r} is not {sub!r}")
        now = self.now()
        if claims["exp"] <= now:
            raise ValueError("expired")
        if claims.get("nbf", 0) > now + 5 or claims.get("iat", 0) > now + 5:
            raise ValueError("issued in the future")
        return claims

    def _certificate_client(self, recorded: Recorded) -> str:
        """tls_client_auth: client_id in the body, no secret, the verified certificate registered for it."""
        client_id = recorded.field("client_id") or ""
        if recorded.field("client_secret") is not None or "authorization" in recorded.headers:
            raise ValueError("tls_client_auth with a secret too")
        if recorded.peer_cert is None:
            raise ValueError("no client certificate")
        if self.certificates.get(client_id) != certificate_digest(recorded.peer_cert):
            raise ValueError(f"certificate not registered for {client_id!r}")
        return client_id


def certificate_digest(der: bytes) -> str:
    """SHA-256 hex of a certificate's DER (RFC 8705 §3.1 x5t#S256, in hex)."""
    return hashlib.sha256(der).hexdigest()


def pem_digest(path: Path) -> str:
    """certificate_digest of the PEM certificate in `path`."""
    return certificate_digest(ssl.PEM_cert_to_DER_cert(path.read_text(encoding="ascii")))
