"""`rightbrain-helper status` and `clear`: the cache as the user sees it, with the same checks as the token path.

A cache directory that must not be used (a symlink, someone else's, open to others) and one that cannot be read
are one line and exit 6; an entry that cannot be removed is a warning, and `clear` then exits 6.
"""

from __future__ import annotations

from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_OK, CacheError, CacheUnavailable, HelperError
from rightbrain_helper.token.cache import TokenCache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.load import Overrides
    from rightbrain_helper.token.entry import Token


def status(runtime: Runtime) -> int:
    """One line per cache entry; never a token."""
    now = runtime.clock.now()
    rows = [("PROFILE", "ISSUER", "CLIENT ID", "SCOPE", "EXPIRES")]
    for _key, token in _entries(TokenCache(runtime.context().cache_dir, runtime.log)):
        if token is None:
            rows.append(("?", "?", "?", "?", "unreadable (ignored)"))
            continue
        expiry = _expiry(token, now) + (", from the fleet tier" if token.tier else "")
        rows.append((token.profile, _host(token.token_url), token.client_id, token.scope or "-", expiry))
    if len(rows) == 1:
        runtime.stdout.write("no cached tokens\n")
        return EXIT_OK
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        runtime.stdout.write("  ".join([*cells, row[4]]) + "\n")
    return EXIT_OK


def clear(profile: str, runtime: Runtime, fleet: Overrides | None = None) -> int:
    """Remove every entry, or those of `profile`, and the temp files of crashed writers. Lock files stay (they
    are never deleted, see cache.py). With `fleet` (the settings `token` would use), their fleet entry too."""
    cache = TokenCache(runtime.context().cache_dir, runtime.log)
    removed = failed = 0
    for key, token in _entries(cache):
        if profile and (token is None or token.profile != profile):
            continue
        try:
            removed += cache.remove(key)
        except CacheUnavailable as exc:
            runtime.log.warn(f"{exc}; skipped")
            failed += 1
    cache.remove_orphan_temps()
    runtime.stdout.write(f"removed {removed} cached token(s)\n")
    if fleet is not None:
        _clear_fleet(fleet, runtime)
    if failed:
        raise CacheError(f"{failed} cached token(s) could not be removed (see the warnings above)")
    return EXIT_OK


def _clear_fleet(overrides: Overrides, runtime: Runtime) -> None:
    """Remove the fleet entry of the settings `token` would use now, if they have a fleet tier."""
    try:
        settings = runtime.settings(overrides)
    except HelperError as exc:  # no complete settings, so no fleet entry of ours to find
        runtime.log.debug(f"fleet tier not cleared: {exc}")
        return
    if settings.shared_cache:
        from rightbrain_helper.fleet.admin import clear_shared  # noqa: PLC0415

        runtime.stdout.write(clear_shared(settings, runtime.log) + "\n")


def _entries(cache: TokenCache) -> list[tuple[str, Token | None]]:
    """The cache's entries; a directory that cannot be examined or listed is a CacheError (exit 6)."""
    try:
        return list(cache.entries())
    except CacheUnavailable as exc:
        raise CacheError(str(exc)) from None


def _host(url: str) -> str:
    """The host[:port] of a URL, without importing urllib."""
    rest = url.partition("://")[2]
    return rest.split("/", 1)[0].rpartition("@")[2] or url


def _expiry(token: Token, now: float) -> str:
    """'expires in 5m 3s' or 'expired 2m ago'."""
    left = int(token.expires_at - now)
    if left <= 0:
        return f"expired {_duration(-left)} ago"
    return f"expires in {_duration(left)} ({rfc3339(token.expires_at)})"


def _duration(seconds: int) -> str:
    """Seconds as '1h 2m', '5m 3s' or '42s'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
