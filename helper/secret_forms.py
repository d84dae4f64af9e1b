"""The client secret in every form a token request carries it, and masking those forms out of a server's text.

A server may echo the request back (in error_description, an error code, a 5xx page, a Location header), whole
or cut at any offset, decoded or re-encoded. `redact` hides each form and every piece of one log.PIECE
characters long, so no cut leaves a usable part. Loaded only on a miss.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

from rightbrain_helper.log import Mask

_URLSAFE = str.maketrans("+/", "-_")


def redact(text: str, secret: str) -> str:
    """`text` with every form of `secret`, and every piece of one, replaced by ***."""
    return Mask(secret_forms(secret)).apply(text) if secret else text


def secret_forms(secret: str) -> list[str]:
    """The secret raw, form-urlencoded, percent-encoded (either hex case, with or without `/`), JSON- and
    HTML-escaped, and in base64 (standard and URL-safe alphabets) of the raw and the form-encoded secret at each
    of the three byte alignments it can have inside a longer text: the Basic header carries base64 of
    `id:secret` (RFC 6749 §2.3.1 form-encoded, or raw), where the secret starts wherever the id ends."""
    encoded = [quote_plus(secret, safe=""), quote(secret, safe=""), quote(secret), quote_plus(secret, safe="/")]
    in_json = json.dumps(secret)[1:-1]
    forms = [secret, *encoded, *(_lower_hex(form) for form in encoded), in_json, in_json.replace("/", "\\/")]
    forms.append(_html(secret))
    for plain in (secret, encoded[0]):
        for skip in range(3):  # bytes before the secret in the base64 input, modulo 3
            forms += _base64_tail(b"\0" * skip + plain.encode("utf-8"), skip)
    return list(dict.fromkeys(form for form in forms if form))


def _base64_tail(data: bytes, skip: int) -> list[str]:
    """The base64 characters (both alphabets) that depend only on data[skip:], padding stripped: character c
    carries bits 6c to 6c + 5, so the first ceil(8 * skip / 6) also carry the bytes before."""
    tail = base64.b64encode(data).decode("ascii").rstrip("=")[-(-8 * skip // 6) :]
    return [tail, tail.translate(_URLSAFE)]


def _lower_hex(text: str) -> str:
    """Percent-escapes with lower-case hex digits (%2f, not %2F)."""
    parts = text.split("%")
    return parts[0] + "".join("%" + part[:2].lower() + part[2:] for part in parts[1:])


def _html(text: str) -> str:
    """`text` as an HTML page would escape it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def credential_masks(credential: str) -> list[str]:
    """What the log must mask for a client_auth credential: a one-line credential (a secret, an assertion) in
    every form secret_forms lists; a PEM private key line by line, but for its BEGIN/END armour (the same in
    every key, and no secret)."""
    lines = credential.splitlines()
    if len(lines) <= 1:
        return secret_forms(credential) if credential else []
    return [line for line in lines if line and not line.startswith(("-----BEGIN ", "-----END "))]
