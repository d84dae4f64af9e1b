"""private_key_jwt's client assertion (RFC 7523 §3, OIDC Core §9), signed with PyJWT over PyCA cryptography: the
optional [jwt] extra, so the default install stays three dependencies. Loaded only on a miss (or by doctor).

    header  {"alg": RS256 | ES256 | PS256, "typ": "JWT", "kid": private_key_kid when set}
    claims  iss = sub = client_id, aud = the token endpoint (or the issuer), iat = nbf = now, exp = now + 60 s,
            jti = 192 random bits (a server that remembers jti values refuses a replay)
"""

from __future__ import annotations

import secrets

from rightbrain_helper.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

    from rightbrain_helper.settings.model import Settings

ASSERTION_LIFETIME = 60  # seconds: long enough for one request and its retries, short enough to be useless later
MIN_RSA_BITS = 2048  # RFC 7518 §3.3 and §3.5
MISSING_EXTRA = (
    "client_auth private_key_jwt needs the jwt extra ({module} is not installed): "
    "pip install 'rightbrain-credential-helper[jwt]'"
)


def sign_client_assertion(key_pem: str, settings: Settings, audience: str, now: float) -> str:
    """A compact JWS for the token request; ConfigError when the extra is missing or the key is unusable."""
    try:
        import jwt  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(MISSING_EXTRA.format(module=exc.name or "jwt")) from None
    key, algorithm = signing_key(key_pem, settings)
    issued = int(now)
    claims = {
        "iss": settings.client_id,
        "sub": settings.client_id,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ASSERTION_LIFETIME,
        "jti": secrets.token_urlsafe(24),
    }
    headers = {"kid": settings.private_key_kid} if settings.private_key_kid else None
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def describe_key(key_pem: str, settings: Settings) -> str:
    """doctor's line for a usable key: its type and size, the algorithm, the key id; ConfigError otherwise."""
    _require_jwt()
    key, algorithm = signing_key(key_pem, settings)
    kid = f", kid {settings.private_key_kid}" if settings.private_key_kid else ", no kid"
    return f"private_key_file is a {_key_kind(key)} key, signing {algorithm}{kid}, aud {settings.private_key_aud}"


def signing_key(key_pem: str, settings: Settings) -> tuple[RSAPrivateKey | EllipticCurvePrivateKey, str]:
    """The key from its PEM text and the algorithm to sign with; ConfigError as load_private_key and
    choose_algorithm raise it."""
    key = load_private_key(key_pem, settings.private_key_file)
    return choose_algorithm(key, settings.private_key_alg, settings.private_key_file)


def load_private_key(key_pem: str, path: str) -> PrivateKeyTypes:
    """The PEM key as a cryptography key object; ConfigError naming the file when it is not an unencrypted
    private key cryptography can read."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415
        from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(MISSING_EXTRA.format(module=(exc.name or "cryptography").partition(".")[0])) from None
    try:
        return load_pem_private_key(key_pem.encode("ascii", "replace"), password=None)
    except TypeError:  # encrypted: token/tls_identity.py refuses the usual markers first; this is the backstop
        raise ConfigError(
            f"private_key_file {path}: the key is encrypted; store it unencrypted with mode 600"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"private_key_file {path}: not a private key cryptography can read ({exc})") from None


def choose_algorithm(
    key: PrivateKeyTypes, requested: str, path: str
) -> tuple[RSAPrivateKey | EllipticCurvePrivateKey, str]:
    """The key, known to be one PyJWT signs with, and `requested` (private_key_alg) if the key can make it, else
    the key's own algorithm: RSA -> RS256, P-256 -> ES256. ConfigError for a mismatch, a short RSA key, or a key
    of another kind (Ed25519, P-384, DSA, ...)."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    usable: tuple[str, ...]
    signer: RSAPrivateKey | EllipticCurvePrivateKey
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise ConfigError(f"private_key_file {path}: RSA keys need at least {MIN_RSA_BITS} bits (RFC 7518 §3.3)")
        signer, usable = key, ("RS256", "PS256")
    elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        signer, usable = key, ("ES256",)
    else:
        raise ConfigError(
            f"private_key_file {path}: a {_key_kind(key)} key; private_key_jwt signs with RSA (RS256, PS256) "
            "or EC P-256 (ES256) keys"
        )
    if requested and requested not in usable:
        raise ConfigError(
            f"private_key_alg = {requested!r} does not fit the {_key_kind(key)} key in {path}; "
            f"use {' or '.join(usable)}"
        )
    return signer, requested or usable[0]


def _key_kind(key: PrivateKeyTypes) -> str:
    """'RSA 2048', 'EC secp256r1', or the class name."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}"
    return type(key).__name__.removeprefix("_").removesuffix("PrivateKey") or "unknown"


def _require_jwt() -> None:
    """ConfigError with the install hint unless PyJWT can be imported."""
    try:
        import jwt  # noqa: F401, PLC0415
    except ImportError as exc:
        raise ConfigError(MISSING_EXTRA.format(module=exc.name or "jwt")) from None
