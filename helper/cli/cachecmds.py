"""`rightbrain-helper status` and `clear`: the cache as the user sees it, with the same checks as the token path.

A cache directory that must not be used (a symlink, someone else's, open to others) and one that cannot be read
are one line and exit 6; an entry that cannot be removed is a warning, and `clear` then exits 6.
"""

from __future__ import annotations

from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_OK, CacheError, CacheUnavailable, HelperError
from rightbrain_helper.netaddr import parse_url
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.cache import TokenCache, entry_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.model import Settings
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


def clear(profile: str, runtime: Runtime, current: Overrides, *, local: bool = False) -> int:
    """Remove every entry, or those of `profile`, and the temp files of crashed writers. Lock files stay (they
    are never deleted, see cache.py). Unless `local`, the fleet entry of the settings `token` would use (`current`)
    too. Then revoke what was removed at issuers that can (TokenService.revoke); without `profile`, drop the
    cached issuer metadata as well."""
    cache = TokenCache(runtime.context().cache_dir, runtime.log)
    removed: list[tuple[str, Token]] = []
    count = failed = 0
    for key, token in _entries(cache):
        if profile and (token is None or token.profile != profile):
            continue
        try:
            if cache.remove(key):
                count += 1
                removed += [(key, token)] if token is not None else []
        except CacheUnavailable as exc:
            runtime.log.warn(f"{exc}; skipped")
            failed += 1
    cache.remove_orphan_temps()
    runtime.stdout.write(f"removed {count} cached token(s)\n")
    fleet_key = "" if local else _clear_fleet(current, runtime)
    _revoke_removed(removed, current, runtime, fleet_key)
    if not profile:
        from rightbrain_helper.oauth.metadata_store import remove_all_metadata  # noqa: PLC0415

        remove_all_metadata(cache.directory)
    if failed:
        raise CacheError(f"{failed} cached token(s) could not be removed (see the warnings above)")
    return EXIT_OK


def _clear_fleet(overrides: Overrides, runtime: Runtime) -> str:
    """Remove the fleet entry of the settings `token` would use now, if they have a fleet tier; the local cache
    key of those settings when it did, else ""."""
    try:
        settings = runtime.settings(overrides)
    except HelperError as exc:  # no complete settings, so no fleet entry of ours to find
        runtime.log.debug(f"fleet tier not cleared: {exc}")
        return ""
    if not settings.shared_cache:
        return ""
    from rightbrain_helper.fleet.admin import clear_shared  # noqa: PLC0415

    runtime.stdout.write(clear_shared(settings, runtime.log) + "\n")
    return entry_key(settings)


def _revoke_removed(removed: list[tuple[str, Token]], current: Overrides, runtime: Runtime, fleet_key: str) -> None:
    """Revoke each removed token with the settings of its profile (those `token` would use, for that profile),
    when they still name the client it was fetched for; anything else is a debug line."""
    resolved: dict[str, Settings | None] = {}
    for key, token in removed:
        if token.profile not in resolved:
            resolved[token.profile] = _profile_settings(token.profile, current, runtime)
        settings = resolved[token.profile]
        if settings is None or settings.client_id != token.client_id:
            runtime.log.debug(f"a token of profile {token.profile} was not revoked: the profile names another client")
            continue
        runtime.service.revoke(settings, token.access_token, fleet_dropped=key == fleet_key)


def _profile_settings(name: str, current: Overrides, runtime: Runtime) -> Settings | None:
    """The settings of profile `name`: those `current` selects when it selects that profile, else the profile's
    own; None (with a debug line) when they cannot be resolved."""
    for overrides in (current, Overrides(profile=name)):
        try:
            settings = runtime.settings(overrides)
        except HelperError as exc:
            runtime.log.debug(f"profile {name}: {exc}")
            continue
        if settings.profile == name:
            return settings
    return None


def _entries(cache: TokenCache) -> list[tuple[str, Token | None]]:
    """The cache's entries; a directory that cannot be examined or listed is a CacheError (exit 6)."""
    try:
        return list(cache.entries())
    except CacheUnavailable as exc:
        raise CacheError(str(exc)) from None


def _host(url: str) -> str:
    """The host[:port] of a URL as written (netaddr's one URL parser; no userinfo), or the URL itself."""
    parsed = parse_url(url)
    return parsed.authority if parsed is not None and "://" in url else url


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
