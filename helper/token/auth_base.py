"""The seam every client authentication method fills: one class per method (token/secret_auth.py,
token/key_auth.py), found by name through token/client_auth.py.

A method has two halves. The cheap half runs on every cache hit and imports nothing beyond os: which settings it
reads, the parts of the cache key they contribute, and a fingerprint of its credential (the secret or private
key by content). The other half runs only on a miss: reading the credential, marking the token request (form
fields, headers; the TLS client certificate is the transport's, token/tls_identity.py), and doctor's checks;
whatever it needs beyond the standard library (oauth/, PyJWT, cryptography) is imported inside those methods.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError, HelperError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rightbrain_helper.oauth.client_auth import TokenRequest
    from rightbrain_helper.settings.model import Settings

Check = tuple[bool, str]  # (ok, one line for doctor: what was checked, or what is wrong and the fix)


class ClientAuth:
    """One client authentication method. Subclasses set the class attributes and override what differs."""

    name = ""  # as in settings.model.CLIENT_AUTH_METHODS
    settings: tuple[str, ...] = ()  # the Settings attributes this method reads (tests/test_cache_key_coverage.py)
    refusal_hint = "check client_id and client_auth"  # after invalid_client: what the user should look at

    def key_parts(self, settings: Settings) -> tuple[str, ...]:
        """The method's settings that shape the token, by value, for the cache key (cheap: no file is read)."""
        return ()

    def credential_fingerprint(self, settings: Settings) -> str:
        """A hash of the credential's content for the cache key ("" when the method's identity is in its key_parts
        alone); never the credential. Cheap: at most one small private file read. ConfigError if unreadable."""
        return ""

    def credential(self, settings: Settings, now: float) -> str:
        """On a miss: what the request is made from (the secret, the private key's PEM text, the client
        assertion), read once per fetch; "" when nothing is needed. ConfigError naming the source if unusable."""
        return ""

    def fleet_secret(self, settings: Settings, credential: str) -> str:
        """What seals this client's fleet-tier entries (fleet/seal.py): something only holders of the client's
        credential have. ConfigError when the method has nothing of the kind."""
        return credential

    def decorate(self, request: TokenRequest, settings: Settings, credential: str) -> None:
        """Authenticate `request` (form fields, headers) with `credential`, and record the credential as sent
        (request.sent) so that the log masks it and the server's answers are redacted of it."""
        raise NotImplementedError

    def doctor_checks(self, settings: Settings, now: float | None = None) -> list[Check]:
        """One (ok, line) per thing doctor should check for this method; the credential is never in a line."""
        return []


def check_of(what: str, probe: Callable[[], object]) -> Check:
    """(True, what) when `probe` (a zero-argument callable) returns; (False, the error's line) when it raises a
    HelperError. For doctor: each check runs on its own, so one failure does not hide the next."""
    try:
        probe()
    except HelperError as exc:
        return False, str(exc)
    return True, what


def needs(settings: Settings, key: str) -> str:
    """settings.<key>, or ConfigError naming the key when it is empty (for settings built without the loader)."""
    value = getattr(settings, key)
    if not value:
        raise ConfigError(f"client_auth {settings.client_auth} in profile {settings.profile!r} needs {key}")
    return str(value)
