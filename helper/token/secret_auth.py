"""The methods that send the client secret (RFC 6749 §2.3.1), and tls_client_auth (RFC 8705 §2.1), which sends
none: the client is the TLS client certificate the transport presents.

    client_secret_basic  Authorization: Basic base64(urlencode(id) ":" urlencode(secret))   the default
    basic-raw            Authorization: Basic base64(id ":" secret), as `curl -u` sends it, for servers that
                         do not URL-decode (docs/client-auth.md)
    client_secret_post   client_id and client_secret as form fields
    tls_client_auth      client_id as a form field; the certificate in the TLS handshake
"""

from __future__ import annotations

import os

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.token.auth_base import Check, ClientAuth, check_of
from rightbrain_helper.token.client_secret import read_secret, secret_fingerprint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.oauth.client_auth import TokenRequest
    from rightbrain_helper.settings.model import SecretSource, Settings

SECRET_HINT = (
    "check client_id, the client secret and client_auth (client_secret_basic, basic-raw or client_secret_post)"
)


class SecretMethod(ClientAuth):
    """A method whose credential is the client secret: fingerprinted by its value (or its command line)."""

    settings = ("secret",)
    refusal_hint = SECRET_HINT

    def credential_fingerprint(self, settings: Settings) -> str:
        """A hash of the secret (env, file) or of the secret command's argv (so a hit never runs it)."""
        return secret_fingerprint(settings.secret)

    def credential(self, settings: Settings, now: float) -> str:
        """The secret, from its source."""
        return read_secret(settings.secret)

    def doctor_checks(self, settings: Settings, now: float | None = None) -> list[Check]:
        """The secret source readable (a command is looked up, not run: it may prompt); the secret never shown."""
        source = settings.secret
        if source.kind == "command":
            return [_command_check(source)]
        where = {"file": f"file {source.origin}", "env": f"environment {source.origin}"}.get(source.kind, "nowhere")
        return [check_of(f"client secret readable from {where} (not shown)", lambda: read_secret(source))]


class ClientSecretBasic(SecretMethod):
    """RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic."""

    name = "client_secret_basic"

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """The Authorization header."""
        from rightbrain_helper.oauth.client_auth import add_basic  # noqa: PLC0415  (miss only)

        add_basic(request, settings.client_id, credential, raw=False)


class BasicRaw(SecretMethod):
    """Basic without the form-urlencoding (RFC 7617 as curl and most HTTP clients send it)."""

    name = "basic-raw"

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """The Authorization header; a client id with ':' cannot be sent this way (the server splits at it)."""
        from rightbrain_helper.oauth.client_auth import add_basic  # noqa: PLC0415  (miss only)

        if ":" in settings.client_id:
            raise ConfigError(
                f"client_auth basic-raw cannot send client id {settings.client_id!r}: Basic splits at its ':' "
                "(RFC 7617); use client_secret_basic or client_secret_post"
            )
        add_basic(request, settings.client_id, credential, raw=True)


class ClientSecretPost(SecretMethod):
    """RFC 6749 §2.3.1: client_id and client_secret in the request body."""

    name = "client_secret_post"

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """Two form fields."""
        from rightbrain_helper.oauth.client_auth import add_post  # noqa: PLC0415  (miss only)

        add_post(request, settings.client_id, credential)


class TlsClientAuth(ClientAuth):
    """RFC 8705 §2.1 (PKI mutual TLS): the certificate the transport presents is the credential, client_id in the
    body says which client it claims to be. The certificate is in the cache key for every method
    (token/tls_identity.py); the fleet tier seals with the certificate's private key."""

    name = "tls_client_auth"
    settings = ()  # tls_client_cert and tls_client_key: TLS_SETTINGS, keyed for every method
    refusal_hint = "check client_id, tls_client_cert (is it the one registered for the client?) and tls_client_key"

    def fleet_secret(self, settings: Settings, credential: str) -> str:
        """The TLS private key's PEM text: only holders of the client's key can open its fleet entries."""
        from rightbrain_helper.token.tls_identity import read_private_key  # noqa: PLC0415  (tls_client_auth only)

        return read_private_key(settings.tls_client_key, "tls_client_key")

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """client_id in the body; nothing secret in the request."""
        from rightbrain_helper.oauth.client_auth import add_client_id  # noqa: PLC0415  (miss only)

        add_client_id(request, settings.client_id)

    def doctor_checks(self, settings: Settings, now: float | None = None) -> list[Check]:
        """The method needs the certificate; its own checks are tls_doctor_checks, run for every method."""
        if settings.tls_client_cert and settings.tls_client_key:
            return []
        return [(False, "client_auth tls_client_auth needs tls_client_cert and tls_client_key")]


def _command_check(source: SecretSource) -> Check:
    """client_secret_command names an executable (it is not run)."""
    import shutil  # noqa: PLC0415  (doctor only: shutil imports fnmatch, hence re)

    program = source.origin
    found = os.access(program, os.X_OK) if os.sep in program else shutil.which(program) is not None
    if found:
        return True, f"client_secret_command {program!r} found (not run by this check)"
    return False, f"client_secret_command {program!r} is not an executable file or on PATH"
