"""A throwaway self-signed certificate for 127.0.0.1 (openssl), and a server-side SSL context from it."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path


class Certificate:
    """Paths of a self-signed certificate and its key."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.cert = cert
        self.key = key

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for a server presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert), str(self.key))
        return context


def make_certificate(directory: Path, san: str = "IP:127.0.0.1,DNS:localhost") -> Certificate:
    """Create cert.pem and key.pem in `directory` for subjectAltName `san` (valid two days)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rightbrain-test",
            "-addext",
            f"subjectAltName={san}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Certificate(cert, key)
