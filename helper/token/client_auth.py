"""The client authentication methods by name (settings.model.CLIENT_AUTH_METHODS, with the old aliases): the one
place that knows them all. Each is a class in token/secret_auth.py or token/key_auth.py; docs/client-auth.md."""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings.model import CLIENT_AUTH_ALIASES
from rightbrain_helper.token.key_auth import ClientAssertion, PrivateKeyJwt
from rightbrain_helper.token.secret_auth import BasicRaw, ClientSecretBasic, ClientSecretPost, TlsClientAuth
from rightbrain_helper.token.tls_identity import tls_doctor_checks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.auth_base import Check, ClientAuth

METHODS: dict[str, ClientAuth] = {
    method.name: method
    for method in (
        ClientSecretBasic(),
        BasicRaw(),
        ClientSecretPost(),
        PrivateKeyJwt(),
        ClientAssertion(),
        TlsClientAuth(),
    )
}


def client_auth_for(settings: Settings) -> ClientAuth:
    """The method `settings.client_auth` names (an alias accepted); ConfigError for an unknown name."""
    name = CLIENT_AUTH_ALIASES.get(settings.client_auth, settings.client_auth)
    try:
        return METHODS[name]
    except KeyError:
        raise ConfigError(
            f"client_auth {settings.client_auth!r} in profile {settings.profile!r} is not a known method; "
            f"use one of {', '.join(METHODS)}"
        ) from None


def doctor_checks(settings: Settings, now: float | None = None) -> list[Check]:
    """doctor's client authentication checks: the method's own, then the TLS client certificate's (any method)."""
    return client_auth_for(settings).doctor_checks(settings, now) + tls_doctor_checks(settings)


def fleet_secret_for(settings: Settings, now: float) -> str:
    """What seals the fleet entries of `settings` (the secret, or a private key); ConfigError when unreadable or
    when the method has none (client_assertion)."""
    method = client_auth_for(settings)
    return method.fleet_secret(settings, method.credential(settings, now))
