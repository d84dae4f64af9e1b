"""rightbrain-credential-helper: OAuth 2.0 client-credentials tokens for command-line tools.

The package keeps its import cheap: a cache hit must cost about one interpreter start, so nothing here
imports more than the standard library pieces the hit needs (see docs/cache.md).
"""

__version__ = "0.1.0"
PROJECT = "rightbrain-credential-helper"
