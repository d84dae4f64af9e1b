"""Redis is never a dependency of success: unreachable, slow, killed, full, read-only, wrong password, ACL-denied,
or a lost or stolen lock each mean one warning line and a token from the issuer, within a bound; and the local
cache's promises (single flight, stale-if-error) hold unchanged."""

from __future__ import annotations

import signal
import subprocess
import time

from rightbrain_helper.errors import EXIT_REJECTED

from ..conftest import run_cli
from ..support.fakes import FakeClock
from ..support.procs import HELPER, Gate
from ..support.redisserver import RedisServer, free_port
from ..support.tokenserver import Reply, TokenServer
from .conftest import MachineFactory
from .machines import (
    BOUND,
    MINIMAL_ACL,
    StartRedis,
    assert_one_warning_and_a_token,
    fleet_key,
    timed_token,
    warnings_in,
)

HELD_TOKEN = "tok-held-by-the-lock-holder"


def held_reply(gate: Gate) -> Reply:
    """A token response sent only once `gate` opens."""
    return Reply(200, {"access_token": HELD_TOKEN, "token_type": "Bearer", "expires_in": 3600}, hold=gate)


def test_unreachable_redis(machine: MachineFactory, token_server: TokenServer) -> None:
    """Nobody listening: one warning, a token from the issuer; the next call is a local hit without Redis."""
    member = machine(1, shared_cache=f"redis://127.0.0.1:{free_port()}/0")
    result, elapsed = timed_token(member)
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "cannot connect", "127.0.0.1")
    again = member.process("token")
    assert (again.stdout, again.stderr) == (result.stdout, "")


def test_redis_that_does_not_answer(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A stopped (SIGSTOP) server accepts connections but never answers: one 0.5 s timeout, one warning, a token."""
    redis_server.signal(signal.SIGSTOP)
    try:
        result, elapsed = timed_token(machine(1))
    finally:
        redis_server.signal(signal.SIGCONT)
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "no answer within 0.5 s")


def test_redis_killed_mid_run(machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer) -> None:
    """Redis SIGKILLed while a machine holds the fleet lock and its request is in flight: that call still succeeds
    (one warning: not shared), and so does every later cold machine, each within the bound."""
    gate = Gate()
    token_server.queue(held_reply(gate))
    holder = subprocess.Popen(
        [HELPER, "token"], env=machine(1).env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert gate.arrived.wait(60)
    assert redis_server.lock_keys()
    redis_server.kill()
    gate.set()
    stdout, stderr = holder.communicate(timeout=60)
    assert holder.returncode == 0, stderr
    assert stdout == HELD_TOKEN + "\n"
    [warning] = warnings_in(stderr)
    assert "not shared" in warning
    for number in (2, 3, 4):
        result, elapsed = timed_token(machine(number))
        assert_one_warning_and_a_token(result, elapsed, token_server.issued[number - 2], "cannot connect")
    assert len(token_server.token_requests()) == 4


def test_wrong_password(machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis) -> None:
    """WRONGPASS: one warning naming authentication, a token; the password is never printed, even with -v."""
    server = start_redis(password="the-right-password")
    member = machine(1, shared_cache=server.url(password="wrong-password-value"))
    result, elapsed = timed_token(member, "--verbose")
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "authentication failed", ":***@")
    assert "wrong-password-value" not in result.stderr + result.stdout


def test_password_missing(machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis) -> None:
    """NOAUTH (the server wants a password, none given): one warning, a token."""
    server = start_redis(password="the-right-password")
    result, elapsed = timed_token(machine(1, shared_cache=server.url()))
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "authentication")


def test_acl_user_without_set(machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer) -> None:
    """An ACL user that may GET but not SET (so not take the lock either): one warning, a token."""
    redis_server.add_user("reader", "reader-pw", *(rule for rule in MINIMAL_ACL if rule != "+set"))
    member = machine(1, shared_cache=redis_server.url(user="reader", password="reader-pw"))
    result, elapsed = timed_token(member)
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "ACL denies")


def test_documented_minimal_acl_is_enough(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """The ACL docs/fleet-cache.md gives (+get +set +del +evalsha +script|load on ~rightbrain:*) runs the tier
    with no warning: two machines, one request."""
    redis_server.add_user("helper", "helper-pw", *MINIMAL_ACL)
    url = redis_server.url(user="helper", password="helper-pw")
    first, second = machine(1, shared_cache=url).process("token"), machine(2, shared_cache=url).process("token")
    assert first.stderr == second.stderr == ""
    assert first.stdout == second.stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1


def test_redis_out_of_memory(machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis) -> None:
    """maxmemory reached with noeviction: SET answers OOM; one warning, a token."""
    server = start_redis("--maxmemory", "1", "--maxmemory-policy", "noeviction")
    result, elapsed = timed_token(machine(1, shared_cache=server.url()))
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "out of memory")


def test_read_only_replica(machine: MachineFactory, token_server: TokenServer, start_redis: StartRedis) -> None:
    """A read-only replica (of a master that is down) answers READONLY to SET: one warning, a token."""
    server = start_redis("--replicaof", "127.0.0.1", str(free_port()))
    result, elapsed = timed_token(machine(1, shared_cache=server.url()))
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "read-only replica")


def test_lost_lock_is_a_warning(machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer) -> None:
    """The fleet lock deleted under its holder (an expired lease, a FLUSHALL): the holder's release finds it gone,
    warns once, and its token is still served and shared."""
    gate = Gate()
    token_server.queue(held_reply(gate))
    holder = subprocess.Popen(
        [HELPER, "token"], env=machine(1).env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert gate.arrived.wait(60)
    [lock] = redis_server.lock_keys()
    redis_server.admin().delete(lock)
    gate.set()
    stdout, stderr = holder.communicate(timeout=60)
    assert (holder.returncode, stdout) == (0, HELD_TOKEN + "\n"), stderr
    [warning] = warnings_in(stderr)
    assert "releasing the fleet lock" in warning
    assert machine(2).process("token").stdout == HELD_TOKEN + "\n"
    assert len(token_server.token_requests()) == 1


def test_sigkilled_lock_holder_is_taken_over_after_the_lease(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A process SIGKILLed while holding the fleet lock (its request held by the server): the next machine waits
    out the rest of the lease (deadline + margin), then takes the lock and fetches: no warning, a token."""
    config = "[profiles.default]\ndeadline = 2\nlock_timeout = 60\n"
    gate = Gate()
    token_server.queue(held_reply(gate))
    victim = subprocess.Popen(
        [HELPER, "token"], env=machine(1, config=config).env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert gate.arrived.wait(60)
        victim.kill()
        victim.communicate(timeout=30)
        [lock] = redis_server.lock_keys()
        left = int(redis_server.admin().pttl(lock)) / 1000
        assert 0 < left <= 4.0  # lease = deadline 2 s + margin 2 s
        result, elapsed = timed_token(machine(2, config=config))
    finally:
        gate.set()
    assert victim.returncode == -signal.SIGKILL
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[0] + "\n"
    assert warnings_in(result.stderr) == []
    assert left - 0.1 <= elapsed < left + BOUND, f"waited {elapsed:.1f} s for a lease with {left:.1f} s left"


def test_fleet_lock_busy_past_lock_timeout(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A fleet lock some live machine holds past lock_timeout: one warning, fetch without it, still shared."""
    member = machine(1, config="[profiles.default]\nlock_timeout = 1\n")
    redis_server.admin().set(fleet_key(member) + ":lock", "another-machine", px=60_000)
    result, elapsed = timed_token(member)
    assert_one_warning_and_a_token(result, elapsed, token_server.issued[0], "fleet lock busy for 1 s")
    assert elapsed >= 1
    assert machine(2).process("token").stdout == result.stdout
    assert len(token_server.token_requests()) == 1


def test_issuer_refusal_passes_through_and_frees_the_lock(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """An issuer error under the fleet lock is the usual exit 4 with no Redis warning, and the lock is released at
    once: the next machine does not wait out the lease."""
    token_server.queue(Reply(401, {"error": "invalid_client"}))
    refused = machine(1).process("token")
    assert refused.returncode == EXIT_REJECTED
    assert warnings_in(refused.stderr) == []
    assert redis_server.lock_keys() == []
    result, elapsed = timed_token(machine(2))
    assert (result.returncode, result.stderr) == (0, "")
    assert elapsed < BOUND


def test_stale_if_error_holds_with_redis_down(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """Inside the margin, Redis gone and the issuer refusing: the still-valid local token is served, as without
    a fleet tier (a warning for Redis, one for the failed refresh)."""
    clock = FakeClock(time.time())
    member = machine(1)
    first = run_cli(["token"], member.env, clock=clock)
    clock.advance(3600 - 30)
    redis_server.kill()
    token_server.queue(Reply(400, {"error": "invalid_request"}))
    result = run_cli(["token"], member.env, clock=clock)
    assert (result.code, result.stdout) == (0, first.stdout)
    assert [line.split(": warning: ")[1][:24] for line in warnings_in(result.stderr)] == [
        "shared cache redis://127",
        "refresh failed (token en",
    ]
