"""Where the config file and the cache live: platformdirs' answers, computed without importing it on Linux.

Importing platformdirs costs more than a whole cache hit (it pulls in pathlib and re), so on Linux we apply the
same XDG rule it does; tests pin that both agree. Elsewhere platformdirs answers.
"""

from __future__ import annotations

import os
import sys

from rightbrain_helper.errors import CacheError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


APP_NAME = "rightbrain-helper"


def cache_dir(env: Mapping[str, str]) -> str:
    """The cache directory: RIGHTBRAIN_CACHE_DIR, else the platform's user cache dir for this app.

    A relative RIGHTBRAIN_CACHE_DIR is a CacheError: it would put a cache in whatever directory git or kubectl
    happens to run the helper in."""
    override = env.get("RIGHTBRAIN_CACHE_DIR", "")
    if override:
        expanded = os.path.expanduser(override)
        if not os.path.isabs(expanded):
            raise CacheError(
                f"RIGHTBRAIN_CACHE_DIR={override!r} is a relative path; set an absolute one (or ~/...), "
                "or unset it for the default"
            )
        return os.path.normpath(expanded)
    if sys.platform.startswith("linux"):
        return _xdg_dir(env, "XDG_CACHE_HOME", ".cache")
    import platformdirs  # noqa: PLC0415

    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


def config_file(env: Mapping[str, str]) -> tuple[str, bool]:
    """The config file path and whether the user named it explicitly (RIGHTBRAIN_CONFIG)."""
    override = env.get("RIGHTBRAIN_CONFIG", "")
    if override:
        return os.path.abspath(os.path.expanduser(override)), True
    if sys.platform.startswith("linux"):
        base = _xdg_dir(env, "XDG_CONFIG_HOME", ".config")
    else:
        import platformdirs  # noqa: PLC0415

        base = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return os.path.join(base, "config.toml"), False


def _xdg_dir(env: Mapping[str, str], variable: str, fallback: str) -> str:
    """An XDG base directory joined with the app name; a relative XDG value is ignored, as the spec says."""
    value = env.get(variable, "")
    if not os.path.isabs(value):
        value = os.path.join(os.path.expanduser("~"), fallback)
    return os.path.join(value, APP_NAME)
