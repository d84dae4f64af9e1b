"""client_assertion (workload identity, RFC 7523 §2.2): a JWT the platform writes and rotates, sent as it is,
re-read for every fetch, refused locally when expired or unreadable; against the real token endpoint, which
trusts a stand-in workload issuer's key for the client (a federated credential)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_CONFIG
from rightbrain_helper.settings.load import Overrides, load_context, load_settings
from rightbrain_helper.token.client_auth import doctor_checks

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.clientauth import JWT_BEARER, ClientVerifier, Federation, PrivateKey, mint, new_key
from .support.fakes import FakeClock
from .support.procs import write_config
from .support.tokenserver import TokenServer

WORKLOAD_ISSUER = "https://kubernetes.default.svc"
SUBJECT = "system:serviceaccount:ci:deployer"
AUDIENCE = "api://rightbrain-token-exchange"


class Workload:
    """The stand-in platform: its signing key, and the assertion file it writes and rotates."""

    def __init__(self, path: Path, clock: FakeClock) -> None:
        self.key: PrivateKey = new_key("ec")
        self.path = path
        self.clock = clock
        self.written: list[str] = []

    def rotate(self, lifetime: float = 3600, **claims: object) -> str:
        """Write a fresh assertion valid for `lifetime` seconds from now (0644, as kubelet projects it)."""
        now = int(self.clock.now())
        body = {"iss": WORKLOAD_ISSUER, "sub": SUBJECT, "aud": AUDIENCE, "iat": now, "exp": now + lifetime}
        assertion = mint(self.key, {**body, **claims, "jti": f"w{len(self.written)}"}, "ES256", kid="sa-key")
        self.path.write_text(assertion + "\n", encoding="ascii")
        self.path.chmod(0o644)
        self.written.append(assertion)
        return assertion


@pytest.fixture
def workload(tmp_path: Path, token_server: TokenServer, helper_env: dict[str, str]) -> Workload:
    """A workload whose assertions the token endpoint trusts for CLIENT_ID, and profile `wi` that uses them."""
    clock = FakeClock()
    platform = Workload(tmp_path / "token", clock)
    verifier = ClientVerifier(token_server.url, clock.now)
    verifier.federations[CLIENT_ID] = Federation(platform.key.public_key(), WORKLOAD_ISSUER, SUBJECT, AUDIENCE)
    token_server.verifier = verifier
    write_config(
        helper_env,
        f'[profiles.wi]\ntoken_url = "{token_server.url}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_auth = "client_assertion"\nclient_assertion_file = "{platform.path}"\n',
    )
    return platform


def run_wi(env: dict[str, str], workload: Workload) -> CliResult:
    """`token --profile wi` on the workload's clock."""
    return run_cli(["token", "--profile", "wi"], env, clock=workload.clock)


def test_the_platforms_assertion_is_sent_as_it_is(
    helper_env: dict[str, str], token_server: TokenServer, workload: Workload
) -> None:
    """The file's JWT goes as client_assertion with the jwt-bearer type and client_id; no secret, no header."""
    sent = workload.rotate()
    result = run_wi(helper_env, workload)
    assert result.code == 0, result.stderr
    recorded = token_server.token_requests()[0]
    assert recorded.field("client_assertion") == sent
    assert recorded.field("client_assertion_type") == JWT_BEARER
    assert recorded.field("client_id") == CLIENT_ID
    assert "authorization" not in recorded.headers
    assert CLIENT_SECRET.encode() not in recorded.body


def test_rotation_keeps_the_cached_token_and_the_next_fetch_reads_the_new_file(
    helper_env: dict[str, str], token_server: TokenServer, workload: Workload
) -> None:
    """The platform rotating the file is not a new identity: the cached token is still served; once it expires,
    the fetch re-reads the file and sends the new assertion (the old one has expired by then)."""
    token_server.expires_in = 600
    workload.rotate(lifetime=900)
    first = run_wi(helper_env, workload)
    workload.clock.advance(300)
    workload.rotate(lifetime=900)
    assert run_wi(helper_env, workload).stdout == first.stdout
    assert len(token_server.token_requests()) == 1
    workload.clock.advance(700)  # the token and the first assertion have both expired
    third = run_wi(helper_env, workload)
    assert third.code == 0, third.stderr
    assert third.stdout != first.stdout
    assert [item.field("client_assertion") for item in token_server.token_requests()] == workload.written


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        ("expired", ("expired 60 s ago", "rotated")),
        ("missing", ("cannot open",)),
        ("not-a-jwt", ("not a JWT",)),
        ("jwe", ("encrypted JWT",)),
        ("bad-exp", ("exp claim",)),
        ("directory", ("not a regular file",)),
    ],
)
def test_an_unusable_assertion_is_one_line_naming_the_file(
    helper_env: dict[str, str], token_server: TokenServer, workload: Workload, case: str, fragments: tuple[str, ...]
) -> None:
    """An expired, missing, malformed, encrypted or odd assertion: exit 3, one line naming client_assertion_file
    and its path, without any of the assertion; nothing is sent."""
    if case == "expired":
        workload.rotate(lifetime=600)
        workload.clock.advance(660)
    elif case == "not-a-jwt":
        workload.path.write_text("eyJub3QiOiJhIEpXVCJ9\n")
    elif case == "jwe":
        workload.path.write_text("a.b.c.d.e\n")
    elif case == "bad-exp":
        workload.rotate(exp="tomorrow")
    elif case == "directory":
        workload.path.mkdir()
    result = run_wi(helper_env, workload)
    assert result.code == EXIT_CONFIG, result.stderr
    assert result.stderr.count("\n") == 1
    assert f"client_assertion_file {workload.path}" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    for written in workload.written:
        assert written.split(".")[1][:10] not in result.stderr
    assert token_server.token_requests() == []


def test_a_fleet_tier_is_refused_with_client_assertion(
    helper_env: dict[str, str], token_server: TokenServer, workload: Workload
) -> None:
    """shared_cache (here from the general variable) with client_assertion: a config error saying why, before any
    request, since nothing on the machine could seal the fleet entries."""
    workload.rotate()
    env = {**helper_env, "RIGHTBRAIN_SHARED_CACHE": "redis://127.0.0.1:9/0"}
    result = run_wi(env, workload)
    assert result.code == EXIT_CONFIG
    assert "cannot use the fleet tier" in result.stderr
    assert "RIGHTBRAIN_SHARED_CACHE" in result.stderr
    assert token_server.token_requests() == []


def test_the_assertion_file_may_be_a_symlink_readable_by_others(
    helper_env: dict[str, str], token_server: TokenServer, workload: Workload, tmp_path: Path
) -> None:
    """Kubernetes projects the token 0644 through a ..data symlink: accepted (an assertion is no stored secret)."""
    data = tmp_path / "..2026_01_01"
    data.mkdir()
    target = data / "token"
    workload.path.symlink_to(target)
    workload.path = target
    workload.rotate()
    assert os.stat(target).st_mode & 0o777 == 0o644
    result = run_wi(helper_env, workload)
    assert result.code == 0, result.stderr


def test_doctor_shows_who_the_assertion_names_and_for_how_long(helper_env: dict[str, str], workload: Workload) -> None:
    """doctor: the file is a JWT from the workload issuer for the subject, with its time left; expired fails."""
    workload.rotate(lifetime=1200)
    settings = load_settings(load_context(helper_env), Overrides(profile="wi"))
    [(ok, line)] = doctor_checks(settings, workload.clock.now())
    assert ok
    assert f"a JWT from {WORKLOAD_ISSUER} for {SUBJECT}, expires in 1200 s" in line
    [(ok, line)] = doctor_checks(settings, workload.clock.now() + 1300)
    assert not ok
    assert "expired 100 s ago" in line
