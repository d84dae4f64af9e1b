"""The fleet tier around the token path: settings and their errors, `clear` (and --local), git's erase of a
refused token, --no-cache, and the checks `doctor` will show."""

from __future__ import annotations

import io

from rightbrain_helper.errors import EXIT_FAILURE
from rightbrain_helper.fleet.admin import check_shared_cache
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides

from ..support.redisserver import RedisServer, every_key_and_value, free_port
from ..support.tokenserver import TokenServer
from .conftest import MachineFactory
from .machines import MINIMAL_ACL, Machine


def runtime_of(member: Machine) -> Runtime:
    """A Runtime on `member`'s environment with captured streams."""
    return Runtime(env=member.env, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())


def test_clear_removes_the_fleet_entry_too(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """`clear` removes this machine's entries and the profile's fleet entry: the next machine fetches again."""
    machine(1).cli("token")
    member = machine(2)
    member.cli("token")
    result = member.cli("clear")
    assert result.code == 0, result.stderr
    assert result.stdout == (
        f"removed 1 cached token(s)\nremoved the fleet entry of profile default (redis://127.0.0.1:{redis_server.port}/0)\n"
    )
    assert every_key_and_value(redis_server.admin()) == {}
    assert machine(3).cli("token").stdout == token_server.issued[1] + "\n"


def test_clear_local_keeps_the_fleet_entry(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """`clear --local` forgets this machine's tokens only; the fleet still serves its entry."""
    machine(1).cli("token")
    assert machine(1).cli("clear", "--local").stdout == "removed 1 cached token(s)\n"
    assert machine(1).cli("token").stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1


def test_clear_with_redis_down_says_so(machine: MachineFactory, token_server: TokenServer) -> None:
    """`clear` when Redis is unreachable: the local entries go, then one error line and exit 1."""
    member = machine(1, shared_cache=f"redis://127.0.0.1:{free_port()}/0")
    member.cli("token")
    result = member.cli("clear")
    assert result.code == EXIT_FAILURE
    assert result.stdout == "removed 1 cached token(s)\n"
    [line] = result.stderr.splitlines()
    assert "could not remove the fleet entry" in line
    assert "cannot connect" in line


def test_refused_token_is_dropped_from_the_fleet(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """git's erase of a token the server refused drops it from Redis as well (no machine is handed it again);
    an erase naming another token leaves the fleet entry alone."""
    token = machine(1).cli("token").stdout.strip()
    runtime = runtime_of(machine(2))
    settings = runtime.settings(Overrides())
    assert runtime.service.forget(settings, access_token="tok-some-other") is False
    assert len(every_key_and_value(redis_server.admin())) == 1
    assert runtime.service.forget(settings, access_token=token) is True
    assert every_key_and_value(redis_server.admin()) == {}


def test_no_cache_bypasses_the_fleet_tier(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """--no-cache neither reads nor writes either tier."""
    assert machine(1).cli("token", "--no-cache").code == 0
    assert every_key_and_value(redis_server.admin()) == {}


def test_check_shared_cache_with_the_minimal_acl(machine: MachineFactory, redis_server: RedisServer) -> None:
    """check_shared_cache (for doctor): every line ok with the documented ACL, and the probe key is gone after."""
    redis_server.add_user("helper", "helper-pw", *MINIMAL_ACL)
    member = machine(1, shared_cache=redis_server.url(user="helper", password="helper-pw"))
    lines = check_shared_cache(runtime_of(member).settings(Overrides()))
    assert all(ok for ok, _ in lines), lines
    assert [line.split(":")[0] for _, line in lines[2:]] == [
        "SET (write a fleet entry)",
        "GET (read a fleet entry)",
        "fleet lock (SET NX PX, EVALSHA, SCRIPT LOAD)",
        "DEL (clear)",
    ]
    assert "helper-pw" not in repr(lines)
    assert every_key_and_value(redis_server.admin()) == {}


def test_check_shared_cache_names_what_the_acl_denies(machine: MachineFactory, redis_server: RedisServer) -> None:
    """Without +set, the SET and lock lines fail naming the ACL; GET and DEL pass."""
    acl = [rule for rule in MINIMAL_ACL if rule != "+set"]
    redis_server.add_user("reader", "reader-pw", *acl)
    member = machine(1, shared_cache=redis_server.url(user="reader", password="reader-pw"))
    lines = check_shared_cache(runtime_of(member).settings(Overrides()))
    assert [ok for ok, _ in lines[2:]] == [False, True, False, True]
    assert "ACL denies" in lines[2][1]


def test_check_shared_cache_stops_at_a_connection_failure(machine: MachineFactory) -> None:
    """Nobody listening: one failing line for the first command, no more probes."""
    member = machine(1, shared_cache=f"redis://127.0.0.1:{free_port()}/0")
    lines = check_shared_cache(runtime_of(member).settings(Overrides()))
    assert [ok for ok, _ in lines] == [True, True, False]
    assert "cannot connect" in lines[-1][1]


def test_check_shared_cache_without_a_fleet_tier(machine: MachineFactory) -> None:
    """No shared_cache: one ok line saying the tier is off."""
    lines = check_shared_cache(runtime_of(machine(1, shared_cache="")).settings(Overrides()))
    assert lines == [(True, "no shared_cache: the fleet tier is off")]
