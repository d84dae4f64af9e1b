"""Client secrets in the OS keyring through the optional `keyring` package (macOS Keychain, Windows Credential
Locker, the Secret Service on Linux, or whatever PYTHON_KEYRING_BACKEND names). Imported only when a secret must
be read (a token cache miss) or stored (`rightbrain-helper login`), never on a cache hit.

An entry is "service/name", split at the first "/": keyring's service name and user name.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError, one_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

MISSING_EXTRA = (
    "client_secret_keyring needs the keyring package, an optional extra: "
    "pip install 'rightbrain-credential-helper[keyring]'"
)
BACKEND_HINT = "check the keyring backend (`keyring --list-backends`, PYTHON_KEYRING_BACKEND)"


def split_entry(entry: str) -> tuple[str, str]:
    """("service", "name") of a "service/name" entry."""
    service, _, name = entry.partition("/")
    return service, name


def read_keyring_secret(entry: str) -> str:
    """The secret stored under `entry`; ConfigError (naming the entry, never a secret) when the extra is missing,
    the keyring fails, or holds nothing there."""
    keyring = _keyring()
    service, name = split_entry(entry)
    try:
        secret = keyring.get_password(service, name)
    except Exception as exc:  # any backend's failure (locked, no backend, D-Bus down) is expected input
        raise ConfigError(f"keyring entry {entry!r} could not be read: {_reason(exc)}; {BACKEND_HINT}") from None
    if secret is None:
        raise ConfigError(
            f"the keyring holds no secret for {entry!r} (service {service!r}, user {name!r}); "
            "store it with: rightbrain-helper login --profile PROFILE"
        )
    return str(secret)


def store_keyring_secret(entry: str, secret: str) -> str:
    """Store `secret` under `entry`; the backend's name, for the user. ConfigError when the extra is missing or
    the keyring refuses."""
    keyring = _keyring()
    service, name = split_entry(entry)
    try:
        keyring.set_password(service, name, secret)
        backend = keyring.get_keyring()
    except Exception as exc:  # as above
        raise ConfigError(f"keyring entry {entry!r} could not be stored: {_reason(exc)}; {BACKEND_HINT}") from None
    return one_line(type(backend).__module__ + "." + type(backend).__name__, 120)


def _keyring() -> ModuleType:
    """The keyring package, or ConfigError saying how to install it."""
    try:
        import keyring  # noqa: PLC0415
    except ImportError:
        raise ConfigError(MISSING_EXTRA) from None
    return keyring


def _reason(exc: Exception) -> str:
    """A backend error as one short line: its type and message."""
    text = one_line(str(exc), 160)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
