"""The fleet tier: an optional second token cache on Redis (or Valkey) shared by many machines.

Loaded only on a local cache miss with `shared_cache` set, never on a cache hit. Needs the `[redis]` extra
(redis-py and cryptography). docs/fleet-cache.md has the design, the security model and the failure table.

    address  the shared_cache URL and password, parsed and redacted
    seal     Redis key names and sealed entries (HKDF-SHA256, HMAC-SHA256, AES-256-GCM)
    store    one Redis connection: get, set, delete and the fleet lock, every failure one SharedCacheDown
    tier     what a local miss does with the tier (read, single-flight refresh, write)
    admin    `clear`, git's `erase` and the checks `doctor` runs
"""
