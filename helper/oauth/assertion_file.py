"""client_assertion's JWT, read from the file the platform writes and rotates (a Kubernetes projected
service-account token, a CI job's OIDC token saved to a file), for every fetch.

The helper never verifies the signature (the issuer does); it decodes the claims (base64url JSON, RFC 7519 §7.2)
only to refuse an assertion that has expired, with one line naming the file, rather than send it and get an
opaque invalid_client back. The file is not required to be private: platforms write it 0644 (and through
symlinks), and the assertion is short-lived. Loaded only on a miss, or by doctor.
"""

from __future__ import annotations

import base64
import binascii
import math

from rightbrain_helper.errors import ConfigError, one_line
from rightbrain_helper.jsonin import JsonInputError, loads_bounded
from rightbrain_helper.private_files import UnsafeFile, read_regular_file

MAX_ASSERTION_BYTES = 16 * 1024  # a projected service-account token is about 1 KiB
MIN_LEFT_SECONDS = 5  # an assertion expiring sooner would expire on its way to the issuer
JWS_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class Assertion:
    """The JWT as read (`text`) and the claims doctor shows: issuer, subject, expiry (None when absent)."""

    __slots__ = ("exp", "iss", "sub", "text")

    def __init__(self, text: str, iss: str, sub: str, exp: float | None) -> None:
        self.text = text
        self.iss = iss
        self.sub = sub
        self.exp = exp

    def describe(self, now: float) -> str:
        """'a JWT from ISS for SUB, expires in N s' (no part of the assertion itself)."""
        left = "no exp claim" if self.exp is None else f"expires in {self.exp - now:.0f} s"
        return f"a JWT from {self.iss or '(no iss)'} for {self.sub or '(no sub)'}, {left}"


def read_assertion(path: str, now: float) -> Assertion:
    """The assertion in `path`, checked to be a signed JWT that is still valid at `now` (seconds since the
    epoch) for MIN_LEFT_SECONDS more. ConfigError naming the file otherwise (never quoting the assertion)."""
    where = f"client_assertion_file {path}"
    try:
        data = read_regular_file(path, limit=MAX_ASSERTION_BYTES)
    except UnsafeFile as exc:
        raise ConfigError(f"{where}: {exc}; the platform should write the assertion there") from None
    text = data.decode("ascii", "replace").strip()
    claims = _claims(text, where)
    exp = _expiry(claims, where)
    if exp is not None and exp - now < MIN_LEFT_SECONDS:
        raise ConfigError(
            f"{where}: the assertion expired {now - exp:.0f} s ago; the platform that writes it should have "
            "rotated it (is its projected token or CI step still running?)"
            if exp <= now
            else f"{where}: the assertion expires in {exp - now:.0f} s, too soon to be sent; it should be rotated"
        )
    return Assertion(text, _claim_text(claims, "iss"), _claim_text(claims, "sub"), exp)


def _expiry(claims: dict[str, object], where: str) -> float | None:
    """The exp claim (RFC 7519 §4.1.4, NumericDate) as finite seconds; None when absent; ConfigError when it is
    not a number a clock could reach (a bool, a string, NaN, an integer beyond the float range)."""
    exp = claims.get("exp")
    if exp is None:
        return None
    try:
        if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(float(exp)):
            raise ValueError
    except (ValueError, OverflowError):
        raise ConfigError(f"{where}: the exp claim is not a number of seconds") from None
    return float(exp)


def _claims(text: str, where: str) -> dict[str, object]:
    """The JWT's payload as a dict; ConfigError when `text` is not a compact signed JWT (RFC 7515 §7.1)."""
    parts = text.split(".")
    if len(parts) == 5:
        raise ConfigError(f"{where}: an encrypted JWT (JWE); a client assertion must be a signed JWT")
    if len(parts) != 3 or not all(parts) or not set(text) <= JWS_CHARS:
        raise ConfigError(f"{where}: not a JWT (three base64url parts separated by dots)")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8")
        claims = loads_bounded(payload, max_chars=MAX_ASSERTION_BYTES)
    except (binascii.Error, ValueError, UnicodeDecodeError, JsonInputError):
        raise ConfigError(f"{where}: not a JWT (its payload is not base64url JSON)") from None
    if not isinstance(claims, dict):
        raise ConfigError(f"{where}: not a JWT (its payload is not a JSON object)")
    return claims


def _claim_text(claims: dict[str, object], name: str) -> str:
    """A string claim, shortened to one line for messages; "" when absent or not a string."""
    value = claims.get(name)
    return one_line(value, 80) if isinstance(value, str) else ""
