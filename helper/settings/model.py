"""The typed, validated settings the core works from; built once by config.py, never read from the environment."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.oauth.metadata import IssuerMetadata

DEFAULT_TOKEN_URL = "https://oauth.rightbrain.ai/oauth2/token"
DEFAULT_PROFILE = "default"
CLIENT_AUTH_METHODS = ("basic", "basic-raw", "post")


class SecretSource:
    """Where the client secret comes from: kind is "env", "file", "command" or "keyring" (origin "service/name");
    never the secret in a repr."""

    __slots__ = ("argv", "kind", "origin", "timeout", "value")

    def __init__(
        self, kind: str, origin: str, *, value: str = "", argv: tuple[str, ...] = (), timeout: float = 10.0
    ) -> None:
        self.kind = kind
        self.origin = origin  # the env var name, the file path, argv[0], or the keyring's "service/name"
        self.value = value  # the secret itself, for kind "env" only
        self.argv = argv
        self.timeout = timeout

    def __repr__(self) -> str:
        """Name the source, never the secret."""
        return f"SecretSource({self.kind!r}, {self.origin!r})"


class Settings:
    """Everything one token request and its cache entry depend on, plus how patiently to get it.

    A plain class, not a dataclass: dataclasses imports inspect and re, which a cache hit cannot afford.
    """

    def __init__(
        self,
        *,
        profile: str,
        token_url: str,
        client_id: str,
        secret: SecretSource,
        client_auth: str = "basic",
        scopes: tuple[str, ...] = (),
        audience: str = "",
        resources: tuple[str, ...] = (),
        extra_params: tuple[tuple[str, str], ...] = (),
        default_lifetime: float = 3600,
        min_valid: float = 60,
        ca_bundle: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        deadline: float = 30.0,
        lock_timeout: float = 10.0,
        cache_dir: str = "",
        use_cache: bool = True,
        shared_cache: str = "",
        shared_cache_password_file: str = "",
        shared_cache_timeout: float = 0.5,
        shared_cache_ca_bundle: str = "",
        issuer: str = "",
        discovery_lifetime: float = 86400,
        revoke: bool = True,
    ) -> None:
        self.profile = profile
        self.token_url = token_url
        self.client_id = client_id
        self.secret = secret
        self.client_auth = client_auth
        self.scopes = scopes
        self.audience = audience
        self.resources = resources
        self.extra_params = extra_params
        self.default_lifetime = default_lifetime
        self.min_valid = min_valid
        self.ca_bundle = ca_bundle
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.lock_timeout = lock_timeout
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        # The fleet tier (helper/fleet/, docs/fleet-cache.md): a redis:// or rediss:// URL, which may hold a
        # password and so is never logged as it is; "" for none.
        self.shared_cache = shared_cache
        self.shared_cache_password_file = shared_cache_password_file
        self.shared_cache_timeout = shared_cache_timeout  # seconds, per Redis operation
        self.shared_cache_ca_bundle = shared_cache_ca_bundle  # CAs for rediss://; "" = ca_bundle, else the system's
        # Issuers (docs/issuers.md): with `issuer` set, token_url is "" until discovery (oauth/issuer.py) fills it
        # in a copy that also carries the discovered `metadata`; the cache key uses the issuer, never the network.
        self.issuer = issuer
        self.discovery_lifetime = discovery_lifetime  # seconds a discovered metadata document is kept on disk
        self.revoke = revoke  # RFC 7009: revoke a token the helper drops (clear, erase, forget, logout)
        self.metadata: IssuerMetadata | None = None  # set by discovery only; not a setting

    @property
    def scope(self) -> str:
        """The scope parameter as sent: space-separated, sorted, without duplicates."""
        return " ".join(self.scopes)

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed (adapters narrow scope or audience per host)."""
        copy = Settings.__new__(Settings)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy


def normalize_scopes(raw: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Split scope strings on whitespace and return a sorted tuple without duplicates (order has no meaning)."""
    items = [raw] if isinstance(raw, str) else list(raw)
    words = {word for item in items for word in item.split()}
    return tuple(sorted(words))
