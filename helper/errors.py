"""The error tree and the exit codes; `exit_code_for` is the one place that maps one to the other.

    HelperError                    exit 1  anything else the helper reports
    +-- UsageError                 exit 2  bad command line or protocol input
    +-- ConfigError                exit 3  bad or missing settings, config file or secret source
    +-- TokenEndpointRejected      exit 4  the issuer answered with an OAuth error or an unusable token
    +-- TokenEndpointUnavailable   exit 5  network error, timeout, 5xx or 429 after every retry
    +-- CacheError                 exit 6  the cache directory is unusable (a bad entry is only a miss)

Every message is one line, names what to check, and never carries a secret or a token.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_REJECTED = 4
EXIT_UNAVAILABLE = 5
EXIT_CACHE = 6


class HelperError(Exception):
    """Base of every error the helper reports to its caller."""

    exit_code = EXIT_FAILURE


class UsageError(HelperError):
    """The command line or the protocol input cannot be understood."""

    exit_code = EXIT_USAGE


class ConfigError(HelperError):
    """A setting, the config file or a secret source is missing or wrong."""

    exit_code = EXIT_CONFIG


class TokenEndpointRejected(HelperError):
    """The token endpoint refused the request, or answered with something that is not a usable token."""

    exit_code = EXIT_REJECTED


class TokenEndpointUnavailable(HelperError):
    """The token endpoint could not be reached or kept failing (network, timeout, 5xx, 429)."""

    exit_code = EXIT_UNAVAILABLE


class CacheError(HelperError):
    """The cache directory cannot be used safely."""

    exit_code = EXIT_CACHE


class TransportFailure(Exception):
    """No HTTP answer (connection, DNS, TLS, timeout); raised by transports, turned into an error by oauth/fetch.py.
    `kind` says which, for `doctor`: "connect", "tls", "timeout", or "" for anything else."""

    def __init__(self, message: str, *, retryable: bool, kind: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.kind = kind


def exit_code_for(error: BaseException) -> int:
    """Return the documented exit code for an error raised anywhere in the helper."""
    if isinstance(error, HelperError):
        return error.exit_code
    return EXIT_FAILURE


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and control characters and cut `text` to `limit` characters."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    collapsed = " ".join(cleaned.split())
    if len(collapsed) > limit:
        return collapsed[: limit - 1] + "\u2026"
    return collapsed


# Signals inside the token layer, never shown as they are: the token service turns them into a warning, an uncached
# fetch or a CacheError. Here (not in token/cache.py) so that token/lock.py, which only a miss loads, and
# token/cache.py need not import each other.
class LockTimeout(Exception):
    """The refresh lock could not be taken in time."""


class CacheUnavailable(Exception):
    """An OS error on a cache path (directory, entry, lock or temp file); the message names the path and why."""
