"""A cargo sparse registry on 127.0.0.1 (plain http, as cargo allows) with `auth-required`: every request must
carry an Authorization value the test accepts, else 401 with cargo's `WWW-Authenticate: Cargo` challenge.

Serves `/index/config.json`, the index file of one crate (`mydep` 0.1.0) and its `.crate` download. Each request is
recorded with its path and Authorization header: that record proves what cargo sent.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable

from .localserver import LocalServer, get_handler

CRATE = "mydep"
VERSION = "0.1.0"


class Seen:
    """One request as the registry saw it."""

    def __init__(self, path: str, authorization: str) -> None:
        self.path = path
        self.authorization = authorization

    def __repr__(self) -> str:
        """For assertion messages."""
        return f"Seen({self.path!r})"


class SparseRegistry(LocalServer[Seen]):
    """The registry; `accepts(authorization)` decides whether the header value cargo sent is valid."""

    def __init__(self, accepts: Callable[[str], bool]) -> None:
        self.accepts = accepts
        super().__init__(get_handler(self))
        crate = crate_file(CRATE, VERSION)
        entry = {
            "name": CRATE,
            "vers": VERSION,
            "deps": [],
            "cksum": hashlib.sha256(crate).hexdigest(),
            "features": {},
            "yanked": False,
            "v": 1,
        }
        config = {"dl": f"{self.url}/dl", "api": self.url, "auth-required": True}
        self.routes = {
            "/index/config.json": json.dumps(config).encode(),
            f"/index/{CRATE[:2]}/{CRATE[2:4]}/{CRATE}": json.dumps(entry).encode() + b"\n",
            f"/dl/{CRATE}/{VERSION}/download": crate,
        }

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def index(self) -> str:
        """The index URL for cargo's config."""
        return f"sparse+{self.url}/index/"

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, str], bytes]:
        """Record the request; 401 unless the Authorization value is accepted; 404 for unknown paths."""
        self.record(Seen(path, authorization))
        if not self.accepts(authorization):
            challenge = f'Cargo login_url="{self.url}/me"'
            return 401, {"WWW-Authenticate": challenge}, b'{"errors":[{"detail":"unauthorized"}]}'
        body = self.routes.get(path.split("?", 1)[0])
        return (200, {}, body) if body is not None else (404, {}, b'{"errors":[{"detail":"not found"}]}')


def crate_file(name: str, version: str) -> bytes:
    """A .crate: a gzip tar of NAME-VERSION/Cargo.toml and src/lib.rs."""
    files = {
        "Cargo.toml": f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'.encode(),
        "src/lib.rs": b"pub fn answer() -> u32 { 42 }\n",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
