"""HTTPS for the test token endpoint: a throwaway self-signed certificate made by openssl, and a TokenServer
whose listening socket speaks TLS with it (127.0.0.1 only, like every server in the tests)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

from .tokenserver import TokenServer


def make_self_signed(directory: Path, san: str = "IP:127.0.0.1") -> tuple[Path, Path]:
    """Write cert.pem and key.pem (EC P-256, one day, subjectAltName `san`) into `directory`; return both paths."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=rightbrain-test-issuer",
            "-addext",
            f"subjectAltName={san}",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def start_tls(server: TokenServer, cert: Path, key: Path) -> str:
    """Wrap the (not yet started) server's socket in TLS, start it, and return its https token URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    return f"https://127.0.0.1:{server.port}/oauth2/token"
