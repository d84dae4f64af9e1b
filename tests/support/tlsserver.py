"""HTTPS for the test token endpoint: a TokenServer whose listening socket speaks TLS with a throwaway
self-signed certificate (tests/support/tls.py), on 127.0.0.1 only like every server in the tests."""

from __future__ import annotations

from pathlib import Path

from .tls import Certificate, make_certificate
from .tokenserver import TokenServer


def make_self_signed(directory: Path, san: str = "IP:127.0.0.1") -> tuple[Path, Path]:
    """Write cert.pem and key.pem (subjectAltName `san`) into `directory`; return both paths."""
    certificate = make_certificate(directory, san)
    return certificate.cert, certificate.key


def start_tls(server: TokenServer, cert: Path, key: Path) -> str:
    """Wrap the (not yet started) server's socket in TLS, start it, and return its https token URL."""
    context = Certificate(cert, key).server_context()
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    return f"https://127.0.0.1:{server.port}/oauth2/token"
