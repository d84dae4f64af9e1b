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


def make_ca(directory: Path) -> Certificate:
    """A throwaway certificate authority (ca.pem, ca.key in `directory`, valid two days) for client certificates."""
    cert, key = directory / "ca.pem", directory / "ca.key"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=rightbrain-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    return Certificate(cert, key)


def make_client_certificate(ca: Certificate, directory: Path, name: str, key_type: str = "rsa:2048") -> Certificate:
    """A TLS client certificate for subject CN=`name` signed by `ca` (NAME.pem; its key NAME.key, mode 600)."""
    cert, key, request = directory / f"{name}.pem", directory / f"{name}.key", directory / f"{name}.csr"
    extensions = directory / f"{name}.ext"
    extensions.write_text("extendedKeyUsage=clientAuth\n", encoding="utf-8")
    algorithm = ["-newkey", key_type] if key_type.startswith("rsa") else ["-newkey", "ec", "-pkeyopt", key_type]
    _openssl("req", "-new", *algorithm, "-nodes", "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(request))
    _openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial",
        "-days", "2", "-extfile", str(extensions), "-out", str(cert),
    )  # fmt: skip
    key.chmod(0o600)
    return Certificate(cert, key)


def mutual_tls_context(server: Certificate, client_ca: Certificate) -> ssl.SSLContext:
    """A server context presenting `server` that requires a client certificate signed by `client_ca`."""
    context = server.server_context()
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(str(client_ca.cert))
    return context


def _openssl(*args: str) -> None:
    """Run openssl with `args`; fail the test if it fails."""
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
