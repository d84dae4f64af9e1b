"""The fleet tier outside a token request: `clear`, git's `erase` of a refused token, and the checks of `doctor`."""

from __future__ import annotations

import os
import time

from rightbrain_helper.errors import ConfigError, HelperError
from rightbrain_helper.fleet.address import parse_address
from rightbrain_helper.fleet.tier import MISSING_EXTRA, FleetTier
from rightbrain_helper.token.client_auth import fleet_secret_for
from rightbrain_helper.token.entry import decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rightbrain_helper.fleet.store import RedisStore
    from rightbrain_helper.log import Log
    from rightbrain_helper.settings.model import Settings

PROBE_TTL_MS = 10_000


def clear_shared(settings: Settings, log: Log) -> str:
    """DEL the fleet entry of `settings`; the line to print. HelperError (exit 1) when Redis cannot do it;
    ConfigError when the extra is missing or the settings are bad."""
    from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

    tier = FleetTier(settings, fleet_secret_for(settings, time.time()), log)
    try:
        removed = tier.store.delete(tier.slot.name)
    except SharedCacheDown as exc:
        raise HelperError(
            f"could not remove the fleet entry of profile {settings.profile} from {tier.address.redacted}: {exc}"
        ) from None
    finally:
        tier.store.close()
    what = "removed the fleet entry" if removed else "no fleet entry to remove"
    return f"{what} of profile {settings.profile} ({tier.address.redacted})"


def forget_shared(settings: Settings, access_token: str, log: Log) -> bool:
    """DEL the fleet entry if it holds `access_token` (a token a server refused), so no machine is handed it
    again; True if it did. Best effort: a failure is one warning, never an error."""
    from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

    try:
        tier = FleetTier(settings, fleet_secret_for(settings, time.time()), log)
    except HelperError as exc:
        log.warn(f"the fleet entry was not checked for the refused token: {exc}")
        return False
    try:
        value = tier.store.get(tier.slot.name)
        plaintext = tier.slot.open(value) if value is not None else None
        token = decode(plaintext) if plaintext is not None else None
        if token is None or token.access_token != access_token:
            return False
        return tier.store.delete(tier.slot.name)
    except SharedCacheDown as exc:
        log.warn(f"{tier.where()}: {exc}; other machines may be handed the refused token until it expires")
        return False
    finally:
        tier.store.close()


def check_shared_cache(settings: Settings) -> list[tuple[bool, str]]:
    """What `doctor` reports for the fleet tier: (ok, line) for the extra, the URL (never its password), TLS, and
    each command the tier needs (SET, GET, the lock's SET NX PX and EVALSHA/SCRIPT LOAD, DEL) tried on a probe
    key under rightbrain:*. Needs no client secret; never raises for what Redis does."""
    if not settings.shared_cache:
        return [(True, "no shared_cache: the fleet tier is off")]
    try:
        import cryptography  # noqa: PLC0415
        import redis  # noqa: PLC0415

        from rightbrain_helper.fleet.store import RedisStore  # noqa: PLC0415
    except ImportError as exc:
        return [(False, MISSING_EXTRA.format(module=(exc.name or "a module").partition(".")[0]))]
    lines = [(True, f"redis-py {redis.__version__} and cryptography {cryptography.__version__} are installed")]
    try:
        address = parse_address(settings)
    except ConfigError as exc:
        return [*lines, (False, str(exc))]
    if address.tls:
        trust = address.ca_bundle or "the system's CAs"
        lines.append((True, f"{address.redacted}: TLS, server certificate and host name checked against {trust}"))
    else:
        lines.append((True, f"{address.redacted}: no TLS (use rediss:// unless the network path is private)"))
    store = RedisStore(address, settings.shared_cache_timeout)
    try:
        return lines + _probe_commands(store)
    finally:
        store.close()


def _probe_commands(store: RedisStore) -> list[tuple[bool, str]]:
    """Each command the tier uses, tried once on a fresh probe key; stop at a failure that dooms the rest."""
    from rightbrain_helper.fleet.store import SharedCacheDown  # noqa: PLC0415

    probe = f"rightbrain:v1:doctor-{os.urandom(8).hex()}"

    def lock_round_trip() -> None:
        lock = store.lock(probe + ":lock", lease=PROBE_TTL_MS / 1000, wait=0)
        if lock is None:
            raise SharedCacheDown("the probe lock was already held", kind="lock")
        lock.release()

    steps: list[tuple[str, Callable[[], object]]] = [
        ("SET (write a fleet entry)", lambda: store.set(probe, b"probe", PROBE_TTL_MS)),
        ("GET (read a fleet entry)", lambda: store.get(probe)),
        ("fleet lock (SET NX PX, EVALSHA, SCRIPT LOAD)", lock_round_trip),
        ("DEL (clear)", lambda: store.delete(probe)),
    ]
    lines: list[tuple[bool, str]] = []
    for label, step in steps:
        try:
            step()
        except SharedCacheDown as exc:
            lines.append((False, f"{label}: {exc}"))
            if exc.kind in ("connect", "auth", "timeout"):
                break
        else:
            lines.append((True, f"{label}: ok"))
    return lines
