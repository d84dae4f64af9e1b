"""The fleet tier with a client that has no secret: private_key_jwt entries are named and sealed by the private
key (issue 9: "secret or private key"), so machines holding the same key share one token and a machine with
another key never opens it; client_assertion has nothing to seal with and is refused."""

from __future__ import annotations

from pathlib import Path

from ..conftest import CLIENT_ID
from ..support.clientauth import ClientVerifier, PrivateKey, new_key, write_key
from ..support.redisserver import RedisServer, every_key_and_value
from ..support.tokenserver import TokenServer
from .conftest import MachineFactory


def key_profile(path: Path) -> str:
    """A default profile using private_key_jwt with the key at `path` (the client and token URL from the env)."""
    return f'[profiles.default]\nclient_auth = "private_key_jwt"\nprivate_key_file = "{path}"\n'


def trust(server: TokenServer, *keys: PrivateKey) -> ClientVerifier:
    """The token endpoint accepts assertions for CLIENT_ID signed by the first of `keys`."""
    verifier = ClientVerifier(server.url)
    verifier.jwt_keys[CLIENT_ID] = keys[0].public_key()
    server.verifier = verifier
    return verifier


def test_machines_with_the_same_key_share_one_token(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Two machines holding the same private key (at different paths, with different stray secrets in their
    environments) make one token request; Redis holds one entry and none of the key's text."""
    key = new_key()
    trust(token_server, key)
    first = machine(1, config=key_profile(write_key(tmp_path / "a.key", key)))
    second = machine(2, config=key_profile(write_key(tmp_path / "b.key", key)))
    second.env["RIGHTBRAIN_CLIENT_SECRET"] = "an-unrelated-secret"
    outputs = [member.cli("token") for member in (first, second)]
    assert [result.code for result in outputs] == [0, 0], [result.stderr for result in outputs]
    assert outputs[0].stdout == outputs[1].stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1
    assert second.cached()[0].tier == "fleet"
    stored = every_key_and_value(redis_server.admin())
    assert len(stored) == 1
    body_line = (tmp_path / "a.key").read_text().splitlines()[1].encode()
    assert all(body_line[:16] not in name + value for name, value in stored.items())


def test_a_machine_with_another_key_gets_its_own_entry(
    machine: MachineFactory, token_server: TokenServer, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Another key for the same client (a rotation in progress) is another fleet entry: its token is fetched with
    its own assertion, and the first key's entry stays."""
    old, new = new_key(), new_key("ec")
    verifier = trust(token_server, old)
    first = machine(1, config=key_profile(write_key(tmp_path / "old.key", old))).cli("token")
    assert first.code == 0, first.stderr
    verifier.jwt_keys[CLIENT_ID] = new.public_key()
    second = machine(2, config=key_profile(write_key(tmp_path / "new.key", new))).cli("token")
    assert second.code == 0, second.stderr
    assert first.stdout != second.stdout
    assert len(token_server.token_requests()) == 2
    assert len(every_key_and_value(redis_server.admin())) == 2


def test_client_assertion_refuses_the_fleet_tier(machine: MachineFactory, tmp_path: Path) -> None:
    """client_assertion with the fleet tier set in the environment: exit 3 with the reason, no Redis entry."""
    config = f'[profiles.default]\nclient_auth = "client_assertion"\nclient_assertion_file = "{tmp_path / "t"}"\n'
    result = machine(1, config=config).cli("token")
    assert result.code == 3
    assert "cannot use the fleet tier" in result.stderr
