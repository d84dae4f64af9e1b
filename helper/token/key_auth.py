"""The methods that send a signed JWT instead of a secret (RFC 7523 §2.2, client_assertion_type
urn:ietf:params:oauth:client-assertion-type:jwt-bearer).

    private_key_jwt   the helper signs a short-lived assertion with private_key_file (OIDC Core §9); the key is
                      the credential: its content is fingerprinted for the cache key and seals fleet entries
    client_assertion  the platform writes and rotates the assertion (a Kubernetes projected service-account
                      token, a CI job's OIDC token in a file); the helper re-reads it on every fetch and never
                      signs. Its identity is the file's path and the client id, not the content, so a rotation
                      keeps the cached token; there is no secret on the machine, so no fleet tier.

Signing and decoding live in oauth/signing.py and oauth/assertion_file.py, imported only on a miss or by doctor.
"""

from __future__ import annotations

import os
import time

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.private_files import digest
from rightbrain_helper.token.auth_base import Check, ClientAuth, check_of, needs
from rightbrain_helper.token.tls_identity import read_private_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.oauth.client_auth import TokenRequest
    from rightbrain_helper.settings.model import Settings


class PrivateKeyJwt(ClientAuth):
    """A client assertion signed on each request: iss = sub = client_id, aud = the token endpoint (or the
    issuer), exp a minute ahead, a fresh jti, kid when configured."""

    name = "private_key_jwt"
    settings = ("private_key_file", "private_key_alg", "private_key_kid", "private_key_aud")
    refusal_hint = (
        "check client_id, private_key_file (is its public key registered for the client?), private_key_kid, "
        "private_key_alg and private_key_aud"
    )

    def key_parts(self, settings: Settings) -> tuple[str, ...]:
        """The algorithm, key id and audience choice: each changes the assertion the issuer checks."""
        return (settings.private_key_alg, settings.private_key_kid, settings.private_key_aud)

    def credential_fingerprint(self, settings: Settings) -> str:
        """A hash of the private key's PEM text, read from its private file (a new key: a new cache entry)."""
        return digest("private-key", self.credential(settings, 0.0))

    def credential(self, settings: Settings, now: float) -> str:
        """The private key's PEM text (permission-checked like the secret file)."""
        return read_private_key(needs(settings, "private_key_file"), "private_key_file")

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """Sign a fresh assertion for this very request (a retry must not replay a jti) and attach it."""
        from rightbrain_helper.oauth.client_auth import add_assertion  # noqa: PLC0415  (miss only)
        from rightbrain_helper.oauth.signing import sign_client_assertion  # noqa: PLC0415  (PyJWT, the [jwt] extra)

        audience = assertion_audience(settings, request.endpoint)
        add_assertion(request, settings.client_id, sign_client_assertion(credential, settings, audience, request.now))

    def doctor_checks(self, settings: Settings, now: float | None = None) -> list[Check]:
        """The key file private and readable, then the key usable with the algorithm (needs the [jwt] extra)."""
        read = check_of(
            f"private_key_file {settings.private_key_file} is private", lambda: self.credential(settings, 0)
        )
        if not read[0]:
            return [read]
        from rightbrain_helper.oauth.signing import describe_key  # noqa: PLC0415  (doctor only)

        try:
            return [read, (True, describe_key(self.credential(settings, 0), settings))]
        except ConfigError as exc:
            return [read, (False, str(exc))]


class ClientAssertion(ClientAuth):
    """A federated JWT from client_assertion_file, sent as it is."""

    name = "client_assertion"
    settings = ("client_assertion_file",)
    refusal_hint = (
        "check client_id and client_assertion_file: does the issuer trust the assertion's issuer and subject "
        "for this client (a federated credential)?"
    )

    def key_parts(self, settings: Settings) -> tuple[str, ...]:
        """The file's absolute path: the same file, rotated, is the same identity."""
        return (os.path.abspath(needs(settings, "client_assertion_file")),)

    def credential(self, settings: Settings, now: float) -> str:
        """The assertion, re-read now; ConfigError naming the file when it is unreadable, not a JWT or expired."""
        from rightbrain_helper.oauth.assertion_file import read_assertion  # noqa: PLC0415  (miss only)

        return read_assertion(needs(settings, "client_assertion_file"), now).text

    def fleet_secret(self, settings: Settings, credential: str) -> str:
        """None: an assertion rotates and its claims are public, so nothing could seal a fleet entry."""
        raise ConfigError(
            f"client_auth client_assertion in profile {settings.profile!r} cannot use the fleet tier "
            "(shared_cache): no secret or key on this machine could seal its entries"
        )

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """Attach the assertion as read for this fetch."""
        from rightbrain_helper.oauth.client_auth import add_assertion  # noqa: PLC0415  (miss only)

        add_assertion(request, settings.client_id, credential)

    def doctor_checks(self, settings: Settings, now: float | None = None) -> list[Check]:
        """The file readable, a JWT, and not expired; its iss, sub and time left are shown (they are not secret)."""
        from rightbrain_helper.oauth.assertion_file import read_assertion  # noqa: PLC0415  (doctor only)

        path = settings.client_assertion_file
        try:
            assertion = read_assertion(needs(settings, "client_assertion_file"), _now(now))
        except ConfigError as exc:
            return [(False, str(exc))]
        return [(True, f"client_assertion_file {path}: {assertion.describe(_now(now))}")]


def assertion_audience(settings: Settings, endpoint: str) -> str:
    """The aud claim: the token endpoint the request goes to, or the issuer (private_key_aud = "issuer"), which
    the issuer setting supplies (getattr: it arrives with discovery)."""
    if settings.private_key_aud != "issuer":
        return endpoint
    issuer = str(getattr(settings, "issuer", "") or "")
    if not issuer:
        raise ConfigError(
            f'private_key_aud = "issuer" in profile {settings.profile!r} needs issuer set; '
            'or use private_key_aud = "token_endpoint"'
        )
    return issuer


def _now(now: float | None) -> float:
    """`now`, or the wall clock."""
    return time.time() if now is None else now
