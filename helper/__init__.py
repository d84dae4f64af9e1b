"""rightbrain-credential-helper: OAuth 2.0 client-credentials tokens for command-line tools.

The package keeps its import cheap: a cache hit must cost about one interpreter start, so nothing here
imports more than the standard library pieces the hit needs (see docs/cache.md). The Python API
(`get_token`, `BearerAuth`; helper/api.py, helper/requests_auth.py) is resolved on first use by `__getattr__`.
"""

__version__ = "0.1.0"
PROJECT = "rightbrain-credential-helper"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.api import get_token as get_token
    from rightbrain_helper.requests_auth import BearerAuth as BearerAuth

_LAZY = {"get_token": "api", "BearerAuth": "requests_auth"}


def __getattr__(name: str) -> object:
    """The public API names, imported on first access (a cache hit never pays for them)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module  # noqa: PLC0415

    return getattr(import_module(f"{__name__}.{module}"), name)
