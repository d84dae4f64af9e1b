"""Where the fleet tier lives: the `shared_cache` URL parsed, its password found, and a redacted form to print.

redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] or rediss:// (TLS, always verified). The password comes from the URL
or from `shared_cache_password_file` (a private file, checked like the client secret file), never from argv.
Query options are refused: TLS and timeouts come from the settings, so a URL cannot turn verification off.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.private_files import UnsafeFile, read_private_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings

DEFAULT_PORT = 6379


class RedisAddress:
    """Host, port, database, credentials and TLS of the fleet tier; `redacted` is the form messages may show."""

    __slots__ = ("ca_bundle", "db", "host", "password", "port", "tls", "username")

    def __init__(  # noqa: PLR0917
        self, host: str, port: int, db: int, username: str, password: str, tls: bool, ca_bundle: str
    ) -> None:
        self.host = host
        self.port = port
        self.db = db
        self.username = username
        self.password = password
        self.tls = tls
        self.ca_bundle = ca_bundle

    @property
    def redacted(self) -> str:
        """The URL without its password: rediss://user:***@host:6379/0."""
        scheme = "rediss" if self.tls else "redis"
        user = self.username + (":***" if self.password else "")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user + '@' if user else ''}{host}:{self.port}/{self.db}"

    def __repr__(self) -> str:
        """Never the password."""
        return f"RedisAddress({self.redacted!r})"


def parse_address(settings: Settings) -> RedisAddress:
    """The fleet tier's address from `settings`; ConfigError (one line, no password) for anything malformed."""
    url = settings.shared_cache
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ConfigError(
            "shared_cache is not a valid URL; use redis://HOST:PORT/DB or rediss://HOST:PORT/DB"
        ) from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ConfigError("shared_cache must be redis://HOST[:PORT][/DB] or rediss://HOST[:PORT][/DB]")
    if parts.query or parts.fragment:
        raise ConfigError(
            "shared_cache takes no ?options: set shared_cache_timeout and shared_cache_ca_bundle in the profile"
        )
    database = parts.path.strip("/") or "0"
    if not database.isdigit() or not database.isascii():
        raise ConfigError("shared_cache: the database after the host must be a number, e.g. /0")
    password = unquote(parts.password or "")
    if settings.shared_cache_password_file:
        if password:
            raise ConfigError("shared_cache has a password in the URL and shared_cache_password_file: keep one")
        password = read_password_file(settings.shared_cache_password_file)
    ca_bundle = os.path.expanduser(settings.shared_cache_ca_bundle or settings.ca_bundle)
    if parts.scheme == "rediss" and ca_bundle and not os.path.exists(ca_bundle):
        raise ConfigError(f"shared_cache_ca_bundle (or ca_bundle) {ca_bundle!r} does not exist; name a PEM file of CAs")
    return RedisAddress(
        host=parts.hostname,
        port=port,
        db=int(database),
        username=unquote(parts.username or ""),
        password=password,
        tls=parts.scheme == "rediss",
        ca_bundle=ca_bundle,
    )


def read_password_file(path: str) -> str:
    """The one-line password in `path`, a regular file owned by the user (or root) with mode 600 or less."""
    try:
        data = read_private_file(path, allow_root_owner=True, follow=True)
    except UnsafeFile as exc:
        raise ConfigError(
            f"shared_cache_password_file {path}: {exc}; it must be a file you own with mode 600"
        ) from None
    try:
        password = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ConfigError(f"shared_cache_password_file {path}: not UTF-8 text") from None
    if not password or "\n" in password or "\r" in password:
        raise ConfigError(f"shared_cache_password_file {path}: must hold the password alone on one line")
    return password
