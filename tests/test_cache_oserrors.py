"""Every OS error on every cache path is an expected case, never "internal error": the token path serves a still
valid cached token or fetches without the cache with one warning; status and clear say one line and exit 6, or
skip the bad file with a warning.

The errors are injected into the OS calls on one cache path at a time (tests/support/faults.py): the tests run as
root, whom a read-only mode does not stop. test_cache_hostile_paths.py arranges the real thing where it can.
"""

from __future__ import annotations

import errno
import os
import time
import warnings

import pytest

from rightbrain_helper.errors import EXIT_CACHE, EXIT_OK
from rightbrain_helper.token.cache import TokenCache
from rightbrain_helper.token.entry import Token

from .conftest import CliResult, run_cli
from .support.fakes import FakeClock, never_transport
from .support.faults import Faults
from .support.procs import entry_paths
from .support.tokenserver import TokenServer

CACHE = os.sep + "cache"  # helper_env's cache directory ends so
ENTRY, LOCK, TEMP = ".token", ".lock", ".tmp"
E = errno

# Each cache path with the OS calls on it and the errors they can meet; (call, path suffix, errnos).
POINTS: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "dir-create": ("mkdir", CACHE, (E.EACCES, E.EPERM, E.EROFS, E.ENOSPC, E.EDQUOT, E.ENOTDIR, E.ELOOP)),
    "dir-stat": ("lstat", CACHE, (E.EACCES, E.ELOOP, E.ENOTDIR, E.EIO, E.ENAMETOOLONG)),
    "entry-open": ("open", ENTRY, (E.EACCES, E.EPERM, E.EIO, E.EMFILE, E.ELOOP)),
    "lock-open": ("open", LOCK, (E.EACCES, E.EPERM, E.EROFS, E.ENOSPC, E.EDQUOT, E.ELOOP, E.EISDIR)),
    "lock-flock": ("flock", LOCK, (E.ENOLCK, E.EIO, E.ENOSYS)),
    "temp-create": ("open", TEMP, (E.EACCES, E.EPERM, E.EROFS, E.ENOSPC, E.EDQUOT, E.EISDIR)),
    "temp-write": ("write", TEMP, (E.ENOSPC, E.EDQUOT, E.EIO)),
    "temp-fsync": ("fsync", TEMP, (E.EIO, E.ENOSPC, E.EDQUOT)),
    "entry-replace": ("replace", ENTRY, (E.EACCES, E.EPERM, E.EROFS, E.EBUSY, E.EISDIR, E.EXDEV)),
    "dir-list": ("listdir", CACHE, (E.EACCES, E.EIO)),
}
CASES = [(point, code) for point, (_, _, codes) in POINTS.items() for code in codes]
CASE_IDS = [f"{point}-{errno.errorcode[code]}" for point, code in CASES]
SAID = {("lock-open", E.ELOOP): "symlink", ("lock-flock", E.ENOSYS): "does not support flock"}  # not strerror
ON_HIT_PATH = ("dir-stat", "entry-open")  # the only paths a cache hit touches
SILENT = ("dir-list",)  # only the clean-up of crashed writers' temp files lists the directory: best effort
CACHED_DESPITE = ("entry-open", "lock-open", "lock-flock", "dir-list")  # the entry is still written


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    """OS calls that fail on chosen cache paths, for the duration of one test."""
    return Faults(monkeypatch)


def warnings_of(result: CliResult) -> list[str]:
    """The warning lines on stderr; anything else there fails the test."""
    lines = result.stderr.splitlines()
    for line in lines:
        assert line.startswith("rightbrain-helper: warning: "), result.stderr
    return lines


def inject(faults: Faults, point: str, code: int) -> None:
    """Make the OS calls of `point` fail with `code`."""
    call, suffix, _ = POINTS[point]
    faults.fail(call, suffix, code)


def plant_entry(env: dict[str, str], expires_in: float, now: float, lifetime: float = 3600) -> str:
    """A well-formed entry for env's settings that expires `expires_in` seconds after `now`; its token."""
    token_path, _ = entry_paths(env)
    directory, name = os.path.split(token_path)
    token = Token(f"tok-cached-{expires_in:g}", "Bearer", now + expires_in, now + expires_in - lifetime)
    TokenCache(directory).write(name.removesuffix(ENTRY), token)
    return token.access_token


def temps_left(env: dict[str, str]) -> list[str]:
    """Temp files in the cache directory."""
    directory = env["RIGHTBRAIN_CACHE_DIR"]
    return [name for name in os.listdir(directory) if name.endswith(TEMP)] if os.path.isdir(directory) else []


@pytest.mark.parametrize(("point", "code"), CASES, ids=CASE_IDS)
def test_cold_token_gets_a_token_and_one_warning(
    point: str, code: int, faults: Faults, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """With nothing cached and an OS error on one cache path, `token` prints a fetched token and at most one
    warning (naming the path and the error), exit 0; the entry is written where only reading failed."""
    if point != "dir-create":
        TokenCache(helper_env["RIGHTBRAIN_CACHE_DIR"]).ensure_directory()
    inject(faults, point, code)
    result = run_cli(["token"], helper_env)
    faults.clear()
    assert result.code == EXIT_OK, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    warnings = warnings_of(result)
    assert len(warnings) == (0 if point in SILENT else 1), result.stderr
    if point not in SILENT:
        assert SAID.get((point, code), os.strerror(code)) in warnings[0], warnings[0]
        assert faults.hits, "the fault was never reached"
    token_path, _ = entry_paths(helper_env)
    assert os.path.exists(token_path) == (point in CACHED_DESPITE)
    assert temps_left(helper_env) == []


@pytest.mark.parametrize(("point", "code"), CASES, ids=CASE_IDS)
def test_valid_cached_token_is_served_whatever_fails(
    point: str, code: int, faults: Faults, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A still-valid cached token is served without a request or a warning whatever fails off the hit path (a
    read-only, full or locked-up cache); an error on the hit path itself is one warning and a fetch."""
    cached = plant_entry(helper_env, expires_in=3000, now=time.time())
    inject(faults, point, code)
    result = run_cli(["token"], helper_env)
    assert result.code == EXIT_OK, result.stderr
    if point in ON_HIT_PATH:
        assert result.stdout == token_server.issued[0] + "\n"
        assert len(warnings_of(result)) == 1, result.stderr
    else:
        assert result.stdout == cached + "\n"
        assert warnings_of(result) == []
        assert token_server.token_requests() == []


@pytest.mark.parametrize("point", ["lock-open", "lock-flock", "temp-create", "entry-replace"])
def test_read_only_cache_with_a_token_due_for_refresh_and_the_issuer_down(
    point: str, faults: Faults, helper_env: dict[str, str]
) -> None:
    """Read-only (or lock-less) cache, token inside its safety margin but not expired, issuer unreachable: the
    cached token is served with warnings, exit 0: not an internal error, not a failure."""
    closed = TokenServer()
    env = {**helper_env, "RIGHTBRAIN_TOKEN_URL": closed.url}
    closed.httpd.server_close()  # nothing listens there now
    clock = FakeClock()
    cached = plant_entry(env, expires_in=40, now=clock.now())
    inject(faults, point, errno.ENOSYS if point == "lock-flock" else errno.EROFS)
    result = run_cli(["token"], env, clock=clock)
    assert result.code == EXIT_OK, result.stderr
    assert result.stdout == cached + "\n"
    assert "refresh failed" in warnings_of(result)[-1]


def test_lock_without_flock_fails_closed_and_goes_on_uncached_by_the_lock(
    faults: Faults, helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """fallback_to_soft=False: on a filesystem without flock the helper takes no existence ("soft") lock, which a
    crash would leave stale; it says so once, fetches without the lock and still writes the entry atomically."""
    TokenCache(helper_env["RIGHTBRAIN_CACHE_DIR"]).ensure_directory()
    faults.fail("flock", LOCK, errno.ENOSYS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_cli(["token"], helper_env)
    assert [str(warning.message) for warning in caught] == []  # filelock warns when it falls back to soft
    assert result.code == EXIT_OK, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    token_path, lock_path = entry_paths(helper_env)
    assert warnings_of(result) == [
        f"rightbrain-helper: warning: cannot take the cache lock {lock_path}: the filesystem does not support "
        "flock; fetching without the lock"
    ]
    assert os.path.getsize(lock_path) == 0  # a soft lock would have written its holder's pid and host there
    assert os.path.exists(token_path)


DIRECTORY_FAULTS = [("dir-stat", E.EACCES), ("dir-stat", E.EIO), ("dir-list", E.EACCES), ("dir-list", E.EIO)]


@pytest.mark.parametrize("command", ["status", "clear"])
@pytest.mark.parametrize(
    ("point", "code"), DIRECTORY_FAULTS, ids=[f"{p}-{E.errorcode[c]}" for p, c in DIRECTORY_FAULTS]
)
def test_status_and_clear_say_one_line_when_the_directory_fails(
    command: str, point: str, code: int, faults: Faults, helper_env: dict[str, str]
) -> None:
    """A cache directory that cannot be examined or listed: status and clear print one error line naming it
    and the error, exit 6."""
    plant_entry(helper_env, expires_in=3000, now=time.time())
    inject(faults, point, code)
    result = run_cli([command], helper_env, transport_factory=never_transport)
    assert result.code == EXIT_CACHE, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("rightbrain-helper: error: ")
    assert helper_env["RIGHTBRAIN_CACHE_DIR"] in result.stderr
    assert os.strerror(code) in result.stderr


@pytest.mark.parametrize("code", [E.EROFS, E.EACCES, E.EPERM, E.EBUSY, E.EIO])
def test_clear_skips_an_entry_it_cannot_remove(code: int, faults: Faults, helper_env: dict[str, str]) -> None:
    """An entry that cannot be removed: clear warns once naming it, removes the others, and exits 6."""
    plant_entry(helper_env, expires_in=3000, now=time.time())
    token_path, _ = entry_paths(helper_env)
    other = "b" * 40
    TokenCache(helper_env["RIGHTBRAIN_CACHE_DIR"]).write(other, Token("tok-other", "Bearer", 2e9, 1e9))
    faults.fail("unlink", os.path.basename(token_path), code)
    result = run_cli(["clear"], helper_env, transport_factory=never_transport)
    assert result.code == EXIT_CACHE, result.stderr
    assert result.stdout == "removed 1 cached token(s)\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"rightbrain-helper: warning: cannot remove cache entry {token_path}: ")
    assert os.strerror(code) in lines[0]
    assert lines[1].startswith("rightbrain-helper: error: 1 cached token(s) could not be removed")
    assert os.path.exists(token_path)
    assert not os.path.exists(os.path.join(helper_env["RIGHTBRAIN_CACHE_DIR"], other + ENTRY))


def test_status_shows_an_unreadable_entry_as_such(faults: Faults, helper_env: dict[str, str]) -> None:
    """An entry that cannot be opened is a row saying so in `status` (exit 0), not an error."""
    plant_entry(helper_env, expires_in=3000, now=time.time())
    faults.fail("open", ENTRY, errno.EACCES)
    result = run_cli(["status"], helper_env, transport_factory=never_transport)
    assert result.code == EXIT_OK, result.stderr
    assert "unreadable" in result.stdout
    assert result.stderr == ""
