"""The TLS client certificate (RFC 8705): its identity in the cache key, its private key checked like the secret
file, and doctor's checks of the pair.

A certificate-bound token (RFC 8705 §3) works only with the certificate it was issued to, so the certificate's
content (a hash of the file) is in the cache key whatever the method, and the key file's path beside it: a new
certificate or key never shares a cached token with the old one. A certificate is public and may be readable by
anyone; its private key must be private, like the client secret file. Cheap: os and private_files only; ssl is
imported by doctor's pair check alone.
"""

from __future__ import annotations

import os

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.private_files import UnsafeFile, digest, read_private_file, read_regular_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.auth_base import Check

ENCRYPTED_MARKERS = (b"ENCRYPTED",)  # "BEGIN ENCRYPTED PRIVATE KEY" (PKCS #8) and "Proc-Type: 4,ENCRYPTED"


def tls_key_parts(settings: Settings) -> tuple[str, ...]:
    """The cache-key parts of the client certificate: a hash of the certificate file and the key's path; () when
    no certificate is configured. ConfigError when the certificate cannot be read."""
    if not settings.tls_client_cert:
        return ()
    certificate = read_certificate(settings.tls_client_cert)
    return ("tls-client-cert", digest("certificate", certificate.decode("latin-1")), _absolute(settings.tls_client_key))


def read_certificate(path: str) -> bytes:
    """The certificate file's bytes (PEM): a regular file, any mode. ConfigError naming the file otherwise."""
    try:
        data = read_regular_file(path)
    except UnsafeFile as exc:
        raise ConfigError(f"tls_client_cert {path}: {exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ConfigError(f"tls_client_cert {path}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
    return data


def read_private_key(path: str, setting: str) -> str:
    """A PEM private key from a file you (or root) own with mode 600, as the client secret file; unencrypted,
    because a helper run inside git or kubectl cannot ask for a passphrase (OpenSSL would prompt on the terminal).
    ConfigError naming `setting` and the file otherwise."""
    try:
        data = read_private_file(path, allow_root_owner=True, follow=True)
    except UnsafeFile as exc:
        raise ConfigError(f"{setting} {path}: {exc}; it must be a file you own with mode 600") from None
    if b"PRIVATE KEY-----" not in data:
        raise ConfigError(f"{setting} {path}: no PEM private key in it (-----BEGIN ... PRIVATE KEY-----)")
    if any(marker in data for marker in ENCRYPTED_MARKERS):
        raise ConfigError(
            f"{setting} {path}: the key is encrypted, and the helper cannot ask for a passphrase; "
            f"store it unencrypted with mode 600 (openssl pkey -in KEY -out {path})"
        )
    return data.decode("ascii", "replace")


def client_certificate(settings: Settings) -> tuple[str, str] | None:
    """(certificate path, key path) for the transport to present, the key checked first; None without one."""
    if not settings.tls_client_cert:
        return None
    read_certificate(settings.tls_client_cert)
    read_private_key(settings.tls_client_key, "tls_client_key")
    return settings.tls_client_cert, settings.tls_client_key


def tls_doctor_checks(settings: Settings) -> list[Check]:
    """The certificate readable, its key private, and the two a pair that TLS can load; [] without a certificate."""
    if not settings.tls_client_cert:
        return []
    cert, key = settings.tls_client_cert, settings.tls_client_key
    checks: list[Check] = []
    for what, probe in (
        (f"tls_client_cert {cert} is a PEM certificate", lambda: read_certificate(cert)),
        (f"tls_client_key {key} is a private, unencrypted PEM key", lambda: read_private_key(key, "tls_client_key")),
    ):
        try:
            probe()
        except ConfigError as exc:
            checks.append((False, str(exc)))
        else:
            checks.append((True, what))
    if all(ok for ok, _ in checks):
        checks.append(_pair_check(cert, key))
    return checks


def _pair_check(cert: str, key: str) -> Check:
    """Whether OpenSSL loads the certificate with the key (they belong together)."""
    import ssl  # noqa: PLC0415  (doctor only)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_cert_chain(cert, key, password=lambda: b"")  # a callback: OpenSSL never prompts
    except (ssl.SSLError, OSError) as exc:
        return False, f"tls_client_cert and tls_client_key do not load as a pair ({exc}); is the key the certificate's?"
    return True, "tls_client_cert and tls_client_key belong together"


def _absolute(path: str) -> str:
    """`path` made absolute (the same file named two ways is one cache entry), without touching the disk."""
    return os.path.abspath(path) if path else ""
