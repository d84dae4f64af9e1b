"""Fixtures and helpers of the issuer tests (discovery, revocation, keyring secrets): real authorization servers on
127.0.0.1 (tests/support/authz.py) and environments pointed at them by `issuer`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..conftest import CLIENT_ID, CLIENT_SECRET
from ..support.authz import AuthorizationServer
from ..test_config import without

MakeServer = Callable[..., AuthorizationServer]


@pytest.fixture
def make_authz() -> Iterator[MakeServer]:
    """Start AuthorizationServers (knowing CLIENT_ID / CLIENT_SECRET) with the given options; stopped after."""
    started: list[AuthorizationServer] = []

    def make(**options: object) -> AuthorizationServer:
        server = AuthorizationServer({CLIENT_ID: CLIENT_SECRET}, **options)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def authz(make_authz: MakeServer) -> AuthorizationServer:
    """An authorization server serving both discovery documents and a revocation endpoint."""
    return make_authz()


def issuer_env(env: dict[str, str], server: AuthorizationServer, issuer: str = "") -> dict[str, str]:
    """`env` configured by RIGHTBRAIN_ISSUER (the server's issuer unless `issuer`) instead of a token URL."""
    return {**without(env, "RIGHTBRAIN_TOKEN_URL"), "RIGHTBRAIN_ISSUER": issuer or server.issuer}


def metadata_files(env: dict[str, str]) -> list[Path]:
    """The discovery metadata files in the cache directory."""
    cache = Path(env["RIGHTBRAIN_CACHE_DIR"])
    return sorted(cache.glob("*.issuer")) if cache.is_dir() else []


def mode_of(path: Path) -> int:
    """The permission bits of `path`."""
    return os.stat(path).st_mode & 0o777
