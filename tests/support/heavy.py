"""The modules a cache hit must never import: each costs as much as the interpreter start (docs/cache.md)."""

from __future__ import annotations

HEAVY_MODULES = frozenset(
    {
        "requests",
        "filelock",
        "urllib3",
        "json",
        "re",
        "argparse",
        "typing",
        "dataclasses",
        "logging",
        "tomllib",
        "platformdirs",
        "urllib.parse",
        "redis",  # the fleet tier's extra (tests/fleet pins a hit with shared_cache set)
        "cryptography",
    }
)
