"""The fleet tier's promise: machines sharing one Redis share one token per client and settings, and Redis holds
nothing a reader without the credential can use."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from rightbrain_helper.fleet.seal import SealedSlot
from rightbrain_helper.token.entry import Token, decode, encode

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from ..support.fakes import FakeClock
from ..support.heavy import HEAVY_MODULES
from ..support.procs import Gate
from ..support.redisserver import RedisServer, every_key_and_value, stored_value
from ..support.tokenserver import Reply, TokenServer
from ..test_hot_path import probe
from .conftest import MachineFactory
from .machines import count_reports, fleet_key, warnings_in

MACHINES, PROCESSES = 4, 8
HELD_TOKEN = "tok-held-fleet-single-flight"
PATIENT = "[profiles.default]\nlock_timeout = 120\n"


def test_cold_fleet_makes_one_token_request(machine: MachineFactory, token_server: TokenServer) -> None:
    """4 machines x 8 processes started cold at once (a barrier) make one token request and all print that token;
    while it is held, every process has reached its local lock and the other 3 machines wait on the fleet lock."""
    fleet = [machine(number, config=PATIENT) for number in range(MACHINES)]
    gate = Gate()
    token_server.queue(Reply(200, {"access_token": HELD_TOKEN, "token_type": "Bearer", "expires_in": 3600}, hold=gate))
    barrier_read, barrier_write = os.pipe()
    report_read, report_write = os.pipe()
    port = int(fleet[0].env["RIGHTBRAIN_SHARED_CACHE"].rsplit(":", 1)[1].split("/")[0])
    try:
        children = [
            member.spawn(["token"], barrier_read, report_write, port) for member in fleet for _ in range(PROCESSES)
        ]
        os.close(report_write)
        os.close(barrier_read)
        os.close(barrier_write)  # EOF on the barrier: all 32 start now
        count_reports(report_read, {b"L": MACHINES * PROCESSES, b"W": MACHINES - 1}, timeout=120)
        assert gate.arrived.wait(60)
        gate.set()
        results = [(child.communicate(timeout=120), child.returncode) for child in children]
    finally:
        os.close(report_read)
    for (stdout, stderr), code in results:
        assert code == 0, stderr
        assert stdout == HELD_TOKEN + "\n"
        assert warnings_in(stderr) == []
    assert len(token_server.token_requests()) == 1
    tiers = sorted(member.cached()[0].tier for member in fleet)
    assert tiers == ["", "fleet", "fleet", "fleet"]  # one machine fetched, three took it from Redis


def test_late_machine_takes_the_token_without_a_request(machine: MachineFactory, token_server: TokenServer) -> None:
    """A machine with a cold local cache gets the fleet's token from Redis: no request, no warning; `status` says
    where it came from."""
    first = machine(1).process("token")
    assert first.returncode == 0, first.stderr
    late = machine(2)
    result = late.process("token", "--verbose")
    assert result.returncode == 0, result.stderr
    assert result.stdout == first.stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1
    assert warnings_in(result.stderr) == []
    assert "local miss served by the fleet tier" in result.stderr
    assert "from the fleet tier" in late.cli("status").stdout
    assert "from the fleet tier" not in machine(3, shared_cache="").cli("status").stdout


def test_secret_from_env_file_or_command_shares_one_entry(
    machine: MachineFactory, token_server: TokenServer, tmp_path: Path
) -> None:
    """The fleet entry depends on the secret's value, not its source: env, file and command share one token."""
    secret_file = tmp_path / "secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    secret_file.chmod(0o600)
    from_env = machine(1)
    from_file = machine(2)
    del from_file.env["RIGHTBRAIN_CLIENT_SECRET"]
    from_file.env["RIGHTBRAIN_CLIENT_SECRET_FILE"] = str(secret_file)
    from_command = machine(3, config=f'[profiles.default]\nclient_secret_command = ["cat", "{secret_file}"]\n')
    del from_command.env["RIGHTBRAIN_CLIENT_SECRET"]
    outputs = {member.cli("token").stdout for member in (from_env, from_file, from_command)}
    assert outputs == {token_server.issued[0] + "\n"}
    assert len(token_server.token_requests()) == 1


def test_another_client_gets_its_own_token(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """Another client id and secret on the same Redis gets its own entry and token; the first client's stays."""
    token_server.clients["client-2"] = "second-secret-value"
    first = machine(1).cli("token").stdout
    other = machine(2)
    other.env.update(RIGHTBRAIN_CLIENT_ID="client-2", RIGHTBRAIN_CLIENT_SECRET="second-secret-value")
    second = other.cli("token").stdout
    assert first != second
    assert {first, second} == {token + "\n" for token in token_server.issued}
    assert machine(3).cli("token").stdout == first
    assert len(every_key_and_value(redis_server.admin())) == 2


def test_redis_holds_no_token_secret_or_name_in_the_clear(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """Every key is rightbrain:v1:<64 hex>; no key or value holds a token, the secret, the client id, the scope,
    the token URL, the profile or the entry codec's plain text."""
    token_server.clients["client-2"] = "second-secret-value"
    machine(1, config='[profiles.default]\nscope = "registry:read deploy"\n').cli("token")
    other = machine(2)
    other.env.update(RIGHTBRAIN_CLIENT_ID="client-2", RIGHTBRAIN_CLIENT_SECRET="second-secret-value")
    other.cli("token", "--scope", "audit")
    stored = every_key_and_value(redis_server.admin())
    assert len(stored) == 2
    needles = [*token_server.issued, CLIENT_SECRET, "second-secret-value", CLIENT_ID, "client-2", "registry:read"]
    needles += ["deploy", "audit", token_server.url, "127.0.0.1", "default", "Bearer", "rightbrain-token-cache"]
    for key, value in stored.items():
        assert re.fullmatch(rb"rightbrain:v1:[0-9a-f]{64}", key), key
        for needle in needles:
            assert needle.encode() not in key + value, needle


@pytest.mark.parametrize("position", [0, 1, 13, -1, "truncated"])
def test_tampered_entry_is_a_miss_and_a_refetch(
    position: int | str, machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A flipped byte (format, nonce, ciphertext, tag) or a cut value is a miss: a refetch that replaces it, a
    --verbose line, no warning, no crash; the next machine gets the new token from Redis."""
    machine(1).cli("token")
    admin, key = redis_server.admin(), fleet_key(machine(1))
    value = bytearray(stored_value(admin, key))
    if isinstance(position, int):
        value[position] ^= 0x01
    else:
        del value[-5:]
    admin.set(key, bytes(value), keepttl=True)
    result = machine(2).process("token", "--verbose")
    assert result.returncode == 0, result.stderr
    assert result.stdout == token_server.issued[1] + "\n"
    assert "does not open" in result.stderr
    assert warnings_in(result.stderr) == []
    assert machine(3).cli("token").stdout == token_server.issued[1] + "\n"
    assert len(token_server.token_requests()) == 2


@pytest.mark.parametrize("planted", ["hash", "list", "huge"])
def test_foreign_value_at_the_key_is_a_miss_and_replaced(
    planted: str, machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A hash, a list or a 2 MiB string at our key (never written by us) is a miss, not a Redis failure: no
    warning, a fetch, and our entry replaces it for the next machine."""
    admin, key = redis_server.admin(), fleet_key(machine(1))
    if planted == "hash":
        admin.hset(key, "field", "value")
    elif planted == "list":
        admin.rpush(key, "item")
    else:
        admin.set(key, b"x" * (2 * 1024 * 1024))
    result = machine(1).process("token")
    assert (result.returncode, result.stderr) == (0, "")
    assert machine(2).cli("token").stdout == result.stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1


def test_entry_copied_from_another_client_is_a_miss(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer
) -> None:
    """A valid entry of another client put under our key (the AAD binds the key, the seal the credential) does
    not open: a miss and our own fetch, never the other client's token."""
    token_server.clients["client-2"] = "second-secret-value"
    other = machine(1)
    other.env.update(RIGHTBRAIN_CLIENT_ID="client-2", RIGHTBRAIN_CLIENT_SECRET="second-secret-value")
    foreign_token = other.cli("token").stdout
    ours = machine(2)
    admin = redis_server.admin()
    admin.set(fleet_key(ours), stored_value(admin, fleet_key(other)), px=60_000)
    result = ours.cli("token")
    assert result.code == 0, result.stderr
    assert result.stdout != foreign_token
    assert result.stdout == token_server.issued[1] + "\n"


def test_entry_opens_only_under_its_own_key_and_credential() -> None:
    """Sealing pins: a value opens under its slot, not under another key's slot nor another credential's."""
    material = "0" * 40
    slot = SealedSlot("secret-a", material)
    sealed = slot.seal(b"entry")
    assert slot.open(sealed) == b"entry"
    assert SealedSlot("secret-b", material).open(sealed) is None
    assert SealedSlot("secret-a", "1" * 40).open(sealed) is None
    assert SealedSlot("secret-a", material).name == slot.name != SealedSlot("secret-b", material).name
    assert slot.seal(b"entry") != sealed  # a fresh nonce every time


def test_force_refresh_replaces_the_fleet_entry(machine: MachineFactory, token_server: TokenServer) -> None:
    """--force-refresh on one machine does not take the fleet's token: it fetches, and the fleet gets the new one."""
    machine(1).cli("token")
    forced = machine(2).cli("token", "--force-refresh")
    assert forced.stdout == token_server.issued[1] + "\n"
    assert machine(3).cli("token").stdout == token_server.issued[1] + "\n"
    assert len(token_server.token_requests()) == 2


def test_fleet_token_inside_its_margin_is_not_taken(machine: MachineFactory, token_server: TokenServer) -> None:
    """A fleet entry with less than the safety margin left is no use: the machine fetches and replaces it."""
    clock = FakeClock(time.time())
    first, second, third = machine(1), machine(2), machine(3)
    assert run_cli(["token"], first.env, clock=clock).code == 0
    clock.advance(3600 - 30)  # within min_valid (60 s) of expiry; Redis still holds the entry (real TTL)
    refreshed = run_cli(["token"], second.env, clock=clock)
    assert refreshed.stdout == token_server.issued[1] + "\n"
    assert run_cli(["token"], third.env, clock=clock).stdout == token_server.issued[1] + "\n"
    assert len(token_server.token_requests()) == 2


def test_local_hit_with_a_fleet_tier_imports_neither_redis_nor_cryptography(
    machine: MachineFactory, token_server: TokenServer, tmp_path: Path
) -> None:
    """With shared_cache set, a local cache hit loads no redis, no cryptography and none of HEAVY_MODULES."""
    member = machine(1)
    _, miss_modules = probe(["token"], member.env, tmp_path / "miss.txt")
    assert {"redis", "cryptography"} <= {name.partition(".")[0] for name in miss_modules}
    hit, hit_modules = probe(["token"], member.env, tmp_path / "hit.txt")
    roots = {name.partition(".")[0] for name in hit_modules}
    assert sorted(roots & {"redis", "cryptography"}) == []
    assert sorted(HEAVY_MODULES & hit_modules) == []
    assert hit.stdout == token_server.issued[0] + "\n"


def test_local_entry_of_a_fleet_token_is_a_version_2_entry_old_ones_still_read(machine: MachineFactory) -> None:
    """A token taken from Redis is stored locally with tier=fleet (entry version 2); issuer tokens stay version 1."""
    machine(1).cli("token")
    late = machine(2)
    late.cli("token")
    cache = late.env["RIGHTBRAIN_CACHE_DIR"]
    [name] = [name for name in os.listdir(cache) if name.endswith(".token")]
    data = Path(cache, name).read_bytes()
    assert data.startswith(b"rightbrain-token-cache 2\n")
    assert data.endswith(b"\ntier=fleet\n")
    token = decode(data)
    assert isinstance(token, Token)
    assert token.tier == "fleet"
    v1 = Token("tok-1", "Bearer", 2.0, 1.0)
    assert decode(data.replace(b"tier=fleet", b"tier=other")) is None
    assert decode(b"rightbrain-token-cache 1\n" + data.split(b"\n", 1)[1]) is None  # a v1 header with 9 fields
    assert encode(v1).startswith(b"rightbrain-token-cache 1\n")
