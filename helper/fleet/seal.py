"""Names and sealed values of the fleet tier's Redis entries: what a reader of Redis without the credential sees.

cryptography (PyCA) supplies HKDF-SHA256 and AES-256-GCM: kept by the Python Cryptographic Authority, wheels
for every platform CPython runs on, audited OpenSSL/BoringSSL underneath, and typed. The standard library has
HMAC but no authenticated cipher, and a home-made one is not an option.

    k_id   = HKDF-SHA256(credential, salt=SALT, info="key-id")
    name   = "rightbrain:v1:" + hex(HMAC-SHA256(k_id, material))      reveals no client id, scope or URL
    k_seal = HKDF-SHA256(credential, salt=SALT, info="seal\\0" + material)
    value  = 0x01 | nonce (96 random bits) | AES-256-GCM(k_seal, nonce, entry, aad = 0x01 | name)

`credential` is what only the client's holders have, by value (never where it was read from, so an environment
variable, a file and a command holding the same secret share one entry): the client secret, or for
private_key_jwt the private key's PEM text, for tls_client_auth the TLS client key's (the method's fleet_secret,
token/auth_base.py). client_assertion has no such thing on the machine (the assertion rotates and its claims are
public), so the settings refuse a fleet tier with it. `material` is the local cache key computed without the
credential's fingerprint: a hash of every setting that changes which token the issuer grants, the client
certificate and the method's own settings included. The entry is the file cache's codec
(helper/entry.py). A value that does not open (tampered, truncated, copied from another key, sealed under another
credential) is a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rightbrain_helper.token.cache import cache_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.settings.model import Settings

KEY_PREFIX = "rightbrain:v1:"
LOCK_SUFFIX = ":lock"
SALT = b"rightbrain-credential-helper fleet tier v1"
FORMAT = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16


class SealedSlot:
    """One fleet entry: its Redis key, its lock's key, and sealing and opening of its value."""

    def __init__(self, credential: str, material: str) -> None:
        secret = credential.encode("utf-8", "surrogateescape")
        key_id = _hkdf(secret, b"key-id")
        self.name = KEY_PREFIX + hmac.new(key_id, material.encode("ascii"), hashlib.sha256).hexdigest()
        self.lock_name = self.name + LOCK_SUFFIX
        self._aead = AESGCM(_hkdf(secret, b"seal\x00" + material.encode("ascii")))
        self._aad = FORMAT + self.name.encode("ascii")

    def seal(self, plaintext: bytes) -> bytes:
        """The value to store: format byte, fresh random nonce, ciphertext and tag."""
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT + nonce + self._aead.encrypt(nonce, plaintext, self._aad)

    def open(self, value: bytes) -> bytes | None:
        """The plaintext sealed in `value` for this very key, or None when it does not authenticate."""
        if len(value) < 1 + NONCE_BYTES + TAG_BYTES or value[:1] != FORMAT:
            return None
        nonce, sealed = value[1 : 1 + NONCE_BYTES], value[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, self._aad)
        except InvalidTag:
            return None


def slot_for(settings: Settings, credential: str) -> SealedSlot:
    """The fleet entry for `settings` and the credential's value."""
    return SealedSlot(credential, key_material(settings))


def key_material(settings: Settings) -> str:
    """The local cache key without the credential's fingerprint: every token-affecting setting, hashed (40 hex)."""
    return cache_key(settings, "fleet-tier: the credential enters through HKDF, not here")


def _hkdf(secret: bytes, info: bytes) -> bytes:
    """32 bytes of HKDF-SHA256 (RFC 5869) from `secret` for the purpose `info`."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(secret)
