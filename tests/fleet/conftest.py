"""Fixtures of the fleet-tier tests: a real redis-server per test, and simulated machines (each its own HOME,
config dir and cache dir) that share it and the token server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..support.redisserver import RedisServer
from .machines import Machine

MachineFactory = Callable[..., Machine]


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server on 127.0.0.1 with no password, no persistence, in a temp dir; stopped after the test."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Start more redis-servers (extra config directives, a password, TLS files); all stopped after the test."""
    servers: list[RedisServer] = []

    def start(*args: str, password: str = "", tls_files: tuple[Path, Path] | None = None) -> RedisServer:
        server = RedisServer(tmp_path / f"redis-{len(servers) + 1}", *args, password=password, tls_files=tls_files)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def machine(tmp_path: Path, helper_env: dict[str, str], redis_server: RedisServer) -> MachineFactory:
    """Make simulated machine number N: helper_env's client and token server, redis_server as the fleet tier
    (unless `shared_cache` says otherwise), `config` as its config file. Asking for N again returns the same one."""

    made: dict[int, Machine] = {}

    def make(number: int, *, shared_cache: str | None = None, config: str = "") -> Machine:
        if number not in made:
            url = redis_server.url() if shared_cache is None else shared_cache
            made[number] = Machine(tmp_path / f"machine-{number}", helper_env, url, config)
        return made[number]

    return make
