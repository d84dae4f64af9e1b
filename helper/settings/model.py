"""The typed, validated settings the core works from; built once by config.py, never read from the environment."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.oauth.metadata import IssuerMetadata

DEFAULT_TOKEN_URL = "https://oauth.rightbrain.ai/oauth2/token"
DEFAULT_PROFILE = "default"
# Client authentication methods as RFC 7591 / OIDC Dynamic Client Registration spell them (token_endpoint_auth_method),
# plus basic-raw (Basic as `curl -u` sends it) and client_assertion (a federated JWT from a file). The method
# classes are in token/client_auth.py and token/key_auth.py; docs/client-auth.md says which server needs which.
CLIENT_AUTH_METHODS = (
    "client_secret_basic",
    "basic-raw",
    "client_secret_post",
    "private_key_jwt",
    "client_assertion",
    "tls_client_auth",
)
CLIENT_AUTH_ALIASES = {"basic": "client_secret_basic", "post": "client_secret_post"}  # the names before issue 8
SECRET_METHODS = frozenset({"client_secret_basic", "basic-raw", "client_secret_post"})  # need the client secret
DEFAULT_CLIENT_AUTH = "client_secret_basic"
JWT_ALGORITHMS = ("RS256", "ES256", "PS256")  # private_key_alg; "" = from the key's type
ASSERTION_AUDIENCES = ("token_endpoint", "issuer")  # private_key_aud

# Which settings change the token an issuer grants. A test (tests/test_cache_key_coverage.py) checks that every
# Settings attribute is in exactly one group, so a new setting cannot be left out of the cache key by accident:
#   KEY_SETTINGS       hashed into the cache key by value (token/cache.py)
#   the method's own   each client_auth method's `settings` (token/client_auth.py): hashed by its key_parts and
#                      credential fingerprint (the secret or private key by content, an assertion file by path)
#   TLS_SETTINGS       the client certificate by content and its key by path: a certificate-bound token (RFC 8705)
#                      belongs to one certificate, whatever the method
#   NEUTRAL_SETTINGS   how and where the token is fetched and kept, not which token it is
KEY_SETTINGS = (  # with an issuer, token_url is "" and the issuer names the server: never the network on a hit
    *("token_url", "issuer", "client_id", "client_auth", "scopes", "audience", "resources", "extra_params"),
)
TLS_SETTINGS = ("tls_client_cert", "tls_client_key")
NEUTRAL_SETTINGS = frozenset(
    {
        "profile",  # two profiles naming the same client at the same issuer share one token
        "default_lifetime",
        "min_valid",
        "ca_bundle",  # which CAs vouch for the issuer, not who the client is
        "connect_timeout",
        "read_timeout",
        "deadline",
        "lock_timeout",
        "cache_dir",
        "use_cache",
        "shared_cache",  # the fleet tier derives its own names from the cache key (fleet/seal.py)
        "shared_cache_password_file",
        "shared_cache_timeout",
        "shared_cache_ca_bundle",
        "discovery_lifetime",  # how long discovered metadata is kept, not which issuer it describes
        "revoke",  # what happens to a token the helper drops, not which token it gets
        "metadata",  # not a setting: what discovery found for `issuer` (in the key), in a copy on a miss only
    }
)


class SecretSource:
    """Where the client secret comes from: kind is "env", "file", "command", "keyring" (origin "service/name"), or
    "none" (no secret configured, which only the secret methods refuse); never the secret in a repr."""

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
        secret: SecretSource | None = None,
        client_auth: str = DEFAULT_CLIENT_AUTH,
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
        private_key_file: str = "",
        private_key_alg: str = "",
        private_key_kid: str = "",
        private_key_aud: str = "token_endpoint",
        client_assertion_file: str = "",
        tls_client_cert: str = "",
        tls_client_key: str = "",
    ) -> None:
        self.profile = profile
        self.token_url = token_url
        self.client_id = client_id
        self.secret = secret if secret is not None else SecretSource("none", "")
        self.client_auth = client_auth  # one of CLIENT_AUTH_METHODS (or an alias, in settings built by hand)
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
        # private_key_jwt (RFC 7523 §2.2, OIDC Core §9): a PEM private key, the JWS algorithm ("" = from the key),
        # the key id for the JWT header ("" = none), and the assertion's audience (ASSERTION_AUDIENCES)
        self.private_key_file = private_key_file
        self.private_key_alg = private_key_alg
        self.private_key_kid = private_key_kid
        self.private_key_aud = private_key_aud
        self.client_assertion_file = client_assertion_file  # client_assertion: a JWT the platform writes and rotates
        # mutual TLS (RFC 8705): presented with any method (certificate-bound tokens); tls_client_auth needs them
        self.tls_client_cert = tls_client_cert
        self.tls_client_key = tls_client_key

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
