"""The client authentication methods by name (settings.model.CLIENT_AUTH_METHODS, with the old aliases): the one
place that knows them all. Each is a class in token/secret_auth.py or token/key_auth.py; docs/client-auth.md."""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings.model import CLIENT_AUTH_ALIASES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.auth_base import Check, ClientAuth

    METHODS: dict[str, ClientAuth]  # every method by name, built on first access by __getattr__ below

# name -> class; a cache hit imports only the module of the method it uses (each module costs a few 0.1 ms)
SECRET_METHODS = {  # token/secret_auth.py
    "client_secret_basic": "ClientSecretBasic",
    "basic-raw": "BasicRaw",
    "client_secret_post": "ClientSecretPost",
}
KEY_METHODS = {"private_key_jwt": "PrivateKeyJwt", "client_assertion": "ClientAssertion"}  # token/key_auth.py
TLS_METHODS = {"tls_client_auth": "TlsClientAuth"}  # token/secret_auth.py too: a client id and no secret
ORDER = (*SECRET_METHODS, *KEY_METHODS, *TLS_METHODS)
_made: dict[str, ClientAuth] = {}


def client_auth_for(settings: Settings) -> ClientAuth:
    """The method `settings.client_auth` names (an alias accepted); ConfigError for an unknown name."""
    name = CLIENT_AUTH_ALIASES.get(settings.client_auth, settings.client_auth)
    if name not in ORDER:
        raise ConfigError(
            f"client_auth {settings.client_auth!r} in profile {settings.profile!r} is not a known method; "
            f"use one of {', '.join(ORDER)}"
        )
    return _method(name)


def _method(name: str) -> ClientAuth:
    """The one instance of method `name`, its module imported on first use."""
    method = _made.get(name)
    if method is None:
        if name in KEY_METHODS:
            from rightbrain_helper.token import key_auth  # noqa: PLC0415

            method = getattr(key_auth, KEY_METHODS[name])()
        else:
            from rightbrain_helper.token import secret_auth  # noqa: PLC0415

            method = getattr(secret_auth, {**SECRET_METHODS, **TLS_METHODS}[name])()
        _made[name] = method
    return method


def __getattr__(attribute: str) -> object:
    """METHODS: every method by name, in ORDER (doctor and tests; imports both modules)."""
    if attribute == "METHODS":
        return {name: _method(name) for name in ORDER}
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def doctor_checks(settings: Settings, now: float | None = None) -> list[Check]:
    """doctor's client authentication checks: the method's own, then the TLS client certificate's (any method)."""
    from rightbrain_helper.token.tls_identity import tls_doctor_checks  # noqa: PLC0415  (doctor only)

    return client_auth_for(settings).doctor_checks(settings, now) + tls_doctor_checks(settings)


def fleet_secret_for(settings: Settings, now: float) -> str:
    """What seals the fleet entries of `settings` (the secret, or a private key); ConfigError when unreadable or
    when the method has none (client_assertion)."""
    method = client_auth_for(settings)
    return method.fleet_secret(settings, method.credential(settings, now))
