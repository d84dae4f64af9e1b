"""One Redis connection for the fleet tier, the only module that imports redis-py.

Every operation is bounded by `shared_cache_timeout` (connect and each reply; redis-py's own retries are off,
so a dead server costs one timeout, not four), and every way Redis can fail (refused, slow, AUTH, NOAUTH,
WRONGPASS, NOPERM, OOM, READONLY, TLS, a lost lock) comes out as one SharedCacheDown with a one-line reason.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.exceptions import (
    AuthenticationError,
    ConnectionError,
    LockNotOwnedError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TimeoutError,
)
from redis.lock import Lock
from redis.retry import Retry

from rightbrain_helper.errors import one_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from rightbrain_helper.fleet.address import RedisAddress

MAX_VALUE_BYTES = 1024 * 1024  # a sealed entry is the token plus ~300 bytes; anything this big was not ours
LOCK_POLL_SECONDS = 0.05


class SharedCacheDown(Exception):
    """Redis could not do what was asked; the message says why in one line, without the password. `kind`:
    connect, timeout, auth, acl, oom, readonly, lock or other."""

    def __init__(self, message: str, *, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


class RedisStore:
    """get / set / delete / lock on one server; raise SharedCacheDown for every failure."""

    def __init__(self, address: RedisAddress, timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self.client = redis.Redis(
            host=address.host,
            port=address.port,
            db=address.db,
            username=address.username or None,
            password=address.password or None,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            ssl=address.tls,
            ssl_cert_reqs="required",
            ssl_check_hostname=True,
            ssl_ca_certs=address.ca_bundle if address.tls and address.ca_bundle else None,
        )

    def get(self, name: str) -> bytes | None:
        """The value at `name`, or None: none there, or one that cannot be ours (too large, or not a string:
        WRONGTYPE), which the next SET replaces."""
        try:
            value = self.client.get(name)
        except ResponseError as exc:
            if not str(exc).startswith("WRONGTYPE"):
                raise self.describe(exc) from None
            return None
        except (RedisError, OSError, ValueError) as exc:
            raise self.describe(exc) from None
        if not isinstance(value, bytes) or len(value) > MAX_VALUE_BYTES:
            return None
        return value

    def set(self, name: str, value: bytes, ttl_ms: int) -> None:
        """SET `name` `value` PX `ttl_ms`."""
        self.run(self.client.set, name, value, px=ttl_ms)

    def delete(self, name: str) -> bool:
        """DEL `name`; True if it was there."""
        return bool(self.run(self.client.delete, name))

    def lock(self, name: str, lease: float, wait: float) -> FleetLock | None:
        """The fleet-wide lock `name` (SET NX PX with an owner token), or None if not had within `wait` s."""
        lock = Lock(
            self.client, name, timeout=lease, sleep=LOCK_POLL_SECONDS, blocking_timeout=wait, thread_local=False
        )
        return FleetLock(self, lock) if self.run(lock.acquire) else None

    def close(self) -> None:
        """Drop the connection."""
        try:
            self.client.close()
        except (RedisError, OSError):
            pass

    def run(self, operation: Callable[..., Any], *args: object, **kwargs: object) -> Any:
        """Run one redis-py call on this store; turn any failure into SharedCacheDown."""
        try:
            return operation(*args, **kwargs)
        except (RedisError, OSError, ValueError) as exc:
            raise self.describe(exc) from None

    def describe(self, exc: BaseException) -> SharedCacheDown:
        """What went wrong, for a person: the kind of failure and the server's own words."""
        kind, text = "other", "Redis error"
        for error_class, error_kind, explained in _KINDS:
            if isinstance(exc, error_class):
                kind, text = error_kind, explained.format(timeout=self.timeout)
                break
        said = one_line(str(exc), 160)
        return SharedCacheDown(f"{text}: {said}" if said else text, kind=kind)


_KINDS: tuple[tuple[type[BaseException], str, str], ...] = (  # most specific first: most are ConnectionErrors
    (AuthenticationError, "auth", "authentication failed (check the user and password)"),
    (NoPermissionError, "acl", "the server's ACL denies a command (docs/fleet-cache.md lists the ones needed)"),
    (OutOfMemoryError, "oom", "the server is out of memory"),
    (ReadOnlyError, "readonly", "the server is a read-only replica"),
    (TimeoutError, "timeout", "no answer within {timeout:g} s (shared_cache_timeout)"),
    (LockNotOwnedError, "lock", "the fleet lock expired or was taken over before it was released"),
    (ConnectionError, "connect", "cannot connect"),
    (OSError, "connect", "cannot connect"),
)


class FleetLock:
    """A held fleet lock; `release` is safe (compare-and-delete in Lua: only our own owner token is deleted)."""

    def __init__(self, store: RedisStore, lock: Lock) -> None:
        self.store = store
        self.lock = lock

    def release(self) -> None:
        """Release; SharedCacheDown if it was lost (the lease ran out) or Redis failed."""
        self.store.run(self.lock.release)
