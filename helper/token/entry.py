"""A token as the cache keeps it, and its file format: a versioned, line-based text the decoder checks strictly.

Not JSON on purpose: the json module imports re, which alone costs half an interpreter start, and a cache hit
must cost about one. Values are escaped so no field can break a line; the secret is never a field.
"""

from __future__ import annotations

from rightbrain_helper.clock import LAST_RFC3339_SECOND

HEADER = "rightbrain-token-cache 1"
# Version 2 is version 1 plus a last line `tier=fleet`, written only for a token taken from the fleet tier
# (docs/fleet-cache.md): every other entry stays byte for byte a version 1 entry, and both versions decode.
HEADER_V2 = "rightbrain-token-cache 2"
TIERS = ("fleet",)
FIELD_NAMES = (
    "access_token",
    "token_type",
    "expires_at",
    "obtained_at",
    "scope",
    "profile",
    "token_url",
    "client_id",
)
FIELD_NAMES_V2 = (*FIELD_NAMES, "tier")
MAX_TIMESTAMP = float(LAST_RFC3339_SECOND)  # later expiry or obtained times could not be printed
MAX_LIFETIME = 366 * 86400.0  # the longest lifetime the helper keeps (oauth.py caps longer expires_in to it)
FUTURE_TOLERANCE = 5.0  # seconds an entry's obtained_at may lie ahead of the clock (clocks of an NFS home differ)


class Token:
    """An access token with its expiry, what it was granted and what it was fetched for (for `status`); `tier` is
    "fleet" for a token this machine took from the fleet tier instead of the issuer, else ""."""

    __slots__ = FIELD_NAMES_V2

    def __init__(  # noqa: PLR0917
        self,
        access_token: str,
        token_type: str,
        expires_at: float,
        obtained_at: float,
        scope: str = "",
        profile: str = "",
        token_url: str = "",
        client_id: str = "",
        tier: str = "",
    ) -> None:
        self.access_token = access_token
        self.token_type = token_type
        self.expires_at = expires_at
        self.obtained_at = obtained_at
        self.scope = scope
        self.profile = profile
        self.token_url = token_url
        self.client_id = client_id
        self.tier = tier

    def __repr__(self) -> str:
        """Never show the token itself."""
        return f"Token(type={self.token_type!r}, expires_at={self.expires_at}, scope={self.scope!r})"

    def __eq__(self, other: object) -> bool:
        """Field-wise equality."""
        if not isinstance(other, Token):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in FIELD_NAMES_V2)

    __hash__ = None  # type: ignore[assignment]

    def is_fresh(self, now: float, min_valid: float) -> bool:
        """Whether the token may be handed out at `now` (seconds since the epoch) with min(min_valid, lifetime / 2)
        seconds left. False too when it was obtained more than FUTURE_TOLERANCE seconds after `now`: the clock was
        ahead when it was fetched and has been set back since, so its expiry cannot be trusted (a miss)."""
        return self.obtained_at - FUTURE_TOLERANCE <= now < self.usable_until(min_valid)

    def usable_until(self, min_valid: float) -> float:
        """The moment after which the token is no longer handed out: expiry minus min(min_valid, lifetime / 2)."""
        lifetime = max(self.expires_at - self.obtained_at, 0.0)
        return self.expires_at - min(min_valid, lifetime / 2)

    def reported_expiry(self, min_valid: float, now: float) -> float:
        """The expiry to give a tool (git's password_expiry_utc, kubectl's expirationTimestamp), seconds since
        the epoch: usable_until, so the tool asks again in time; but the true expiry once that has passed (a token
        served after a failed refresh), so the tool does not drop as expired a token that is still good."""
        usable = self.usable_until(min_valid)
        return usable if usable > now else self.expires_at


_FLOAT_FIELDS = ("expires_at", "obtained_at")


def encode(token: Token) -> bytes:
    """The file bytes for `token` (version 1 unless the token has a tier)."""
    lines = [HEADER_V2 if token.tier else HEADER]
    for name in FIELD_NAMES_V2 if token.tier else FIELD_NAMES:
        value = getattr(token, name)
        text = repr(float(value)) if name in _FLOAT_FIELDS else _escape(value)
        lines.append(f"{name}={text}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def decode(data: bytes) -> Token | None:
    """The token in `data`, or None for anything the encoder would not have written."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    names = FIELD_NAMES if lines[0] == HEADER else FIELD_NAMES_V2 if lines[0] == HEADER_V2 else ()
    if not names or len(lines) != len(names) + 2 or lines[-1] != "":
        return None
    values: dict[str, str | float] = {}
    for line, name in zip(lines[1:-1], names, strict=True):
        key, sep, raw = line.partition("=")
        if key != name or not sep:
            return None
        parsed = _parse_float(raw) if name in _FLOAT_FIELDS else _unescape(raw)
        if parsed is None:
            return None
        values[name] = parsed
    token = Token(**values)  # type: ignore[arg-type]  # names and types checked above
    if not is_valid_token_text(token.access_token) or not valid_times(token.obtained_at, token.expires_at):
        return None
    if names is FIELD_NAMES_V2 and token.tier not in TIERS:
        return None
    return token


def valid_times(obtained_at: float, expires_at: float) -> bool:
    """Both moments printable (0 to MAX_TIMESTAMP), expiry not before obtained, lifetime at most MAX_LIFETIME
    (plus a second: obtained_at + MAX_LIFETIME may round up by a fraction of one)."""
    return 0.0 <= obtained_at <= expires_at <= MAX_TIMESTAMP and expires_at - obtained_at <= MAX_LIFETIME + 1.0


def is_valid_token_text(value: str) -> bool:
    """Tokens are visible ASCII without spaces: anything else could break a header or a tool's line protocol."""
    return bool(value) and all("!" <= ch <= "~" for ch in value)


def _parse_float(raw: str) -> float | None:
    """A finite float written as the encoder writes it (repr: no spaces, underscores or non-ASCII digits), or None."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value - value == 0.0 and repr(value) == raw else None  # x - x is NaN for inf and NaN


def _escape(value: str) -> str:
    """Backslash-escape the characters that would end or confuse a line."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(raw: str) -> str | None:
    """Undo _escape; None for an escape the encoder never writes or a raw carriage return."""
    if "\r" in raw:
        return None
    out: list[str] = []
    chars = iter(raw)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        mapped = {"\\": "\\", "n": "\n", "r": "\r"}.get(nxt)
        if mapped is None:
            return None
        out.append(mapped)
    return "".join(out)
