"""`doctor` with a fleet tier (shared_cache): against a real redis-server, every command the tier sends is tried
on a probe key (✓ each, nothing left behind), and a wrong password or an ACL that denies a command is a ✗ line
naming it, exit 1, without the password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK

from ..support.doctor_report import FAIL, OK, Report
from ..support.redisserver import RedisServer, every_key_and_value
from .conftest import MachineFactory
from .machines import MINIMAL_ACL


@pytest.fixture(autouse=True)
def _outside_any_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty directory, so no repository's git config is read."""
    monkeypatch.chdir(tmp_path)


def doctor(machine: MachineFactory, number: int, shared_cache: str) -> Report:
    """Run doctor on simulated machine `number` with `shared_cache`."""
    result = machine(number, shared_cache=shared_cache).cli("doctor")
    return Report(result.code, result.stdout, result.stderr)


def fleet_lines(report: Report) -> list[tuple[str, str]]:
    """The fleet tier's lines."""
    return [(mark, text) for mark, text in report.lines if text.startswith("fleet tier: ")]


def test_a_reachable_fleet_tier_is_all_ok(machine: MachineFactory, redis_server: RedisServer) -> None:
    """The documented minimal ACL: the extra, the URL and each command ✓, exit 0, no probe key left in Redis."""
    redis_server.add_user("helper", "helper-pw", *MINIMAL_ACL)
    report = doctor(machine, 1, redis_server.url(user="helper", password="helper-pw"))
    assert report.code == EXIT_OK, report
    lines = fleet_lines(report)
    assert {mark for mark, _ in lines} == {OK}, report
    assert [text.partition(": ")[2].split(":")[0] for _, text in lines[2:]] == [
        "SET (write a fleet entry)",
        "GET (read a fleet entry)",
        "fleet lock (SET NX PX, EVALSHA, SCRIPT LOAD)",
        "DEL (clear)",
    ]
    assert f"redis://helper:***@127.0.0.1:{redis_server.port}/0: no TLS" in lines[1][1]
    assert "helper-pw" not in report.stdout + report.stderr
    assert every_key_and_value(redis_server.admin()) == {}


def test_a_wrong_redis_password_fails_without_showing_it(
    machine: MachineFactory, start_redis: Callable[..., RedisServer]
) -> None:
    """requirepass set, the URL's password wrong: one ✗ fleet line saying authentication failed, exit 1; neither
    password in the output."""
    server = start_redis(password="right-pw")
    report = doctor(machine, 1, server.url(password="wrong-pw"))
    assert report.code == EXIT_FAILURE, report
    failed = [text for mark, text in fleet_lines(report) if mark == FAIL]
    assert len(failed) == 1, report
    assert "authentication failed (check the user and password)" in failed[0]
    assert "wrong-pw" not in report.stdout + report.stderr
    assert "right-pw" not in report.stdout + report.stderr


def test_an_acl_that_denies_set_fails_naming_it(machine: MachineFactory, redis_server: RedisServer) -> None:
    """A user without +set: the SET and lock lines ✗ naming the ACL, GET and DEL ✓, exit 1."""
    redis_server.add_user("reader", "reader-pw", *[rule for rule in MINIMAL_ACL if rule != "+set"])
    report = doctor(machine, 1, redis_server.url(user="reader", password="reader-pw"))
    assert report.code == EXIT_FAILURE, report
    assert [mark for mark, _ in fleet_lines(report)[2:]] == [FAIL, OK, FAIL, OK]
    assert "the server's ACL denies a command" in fleet_lines(report)[2][1]
