"""`rightbrain-helper doctor` on the helper's own part: a healthy set-up is all ✓ with a summary that says what
was found (never the token or the secret), a set-up with nothing configured yet is ✓ and · and exits 0, and each
fault in the config file, the secret, the client's credentials or the cache is its ✗ line with the fix, exit 1.
A real token server on 127.0.0.1 (HTTPS with a throwaway certificate), real tool configuration for the tools."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK

from ..conftest import CLIENT_ID, CLIENT_SECRET, run_cli
from ..support.doctor_report import FAIL, INFO, OK, assert_no_secret, tools_env
from ..support.procs import LockHolder, entry_paths, write_config
from ..support.tokenserver import Recorded, Reply, TokenServer
from ..test_cache_dir_policy import as_symlink, foreign
from .conftest import doctor, profile_env

TOOL_SETUPS = (
    ["git", "--host", "git.example.com"],
    ["docker", "--registry", "registry.example.com"],
    ["kubectl", "--cluster", "prod", "--server", "https://k8s.example.com:6443"],
    ["terraform", "--host", "app.example.com"],
    ["cargo", "--registry", "corp", "--index", "sparse+https://crates.example.com/index/"],
)


def test_a_healthy_set_up_is_all_ok_with_a_summary(
    env: dict[str, str], tmp_path: Path, tls_server: tuple[TokenServer, str, Path]
) -> None:
    """Every tool configured, HTTPS with ca_bundle, a cache in use: every line ✓, exit 0; the lines name the
    profile, endpoint, CA file, lifetime and scope granted; no token or secret printed, the cache untouched."""
    server, url, cert = tls_server
    full = tools_env(profile_env(env, tmp_path, url, f'ca_bundle = "{cert}"'), tmp_path / "tools")
    for setup in TOOL_SETUPS:
        assert run_cli(["configure", *setup], full).code == 0
    assert run_cli(["token"], full).code == 0
    entry, _ = entry_paths(full)
    cached = Path(entry).read_bytes()
    report = doctor(full)
    assert report.code == EXIT_OK, report
    assert report.marked(FAIL) == report.marked(INFO) == [], report
    assert report.summary == f"all {len(report.lines)} checks passed"
    assert (
        report.line("profile default:")[1]
        == f"profile default: client {CLIENT_ID}, client_auth client_secret_basic, scope read"
    )
    assert report.line("token endpoint")[1].startswith(f"token endpoint {url}: answered HTTP 200 in ")
    assert (
        report.line("TLS:")[1] == f"TLS: the certificate of 127.0.0.1:{server.port} verified against {cert} (ca_bundle)"
    )
    assert "a Bearer token valid for 3600 s, scope read; never shown" in report.line("token request")[1]
    assert report.line("client secret:")[1].startswith(
        f"client secret: read from file {tmp_path / 'secret'}, mode 0600"
    )
    for tool in ("git:", "docker:", "kubectl:", "terraform:", "cargo:"):
        assert report.line(tool)[0] == OK
    assert len(server.token_requests()) == 2  # `token`, then doctor's own request
    assert all(token not in report.stdout for token in server.issued)
    assert_no_secret(report.stdout + report.stderr, CLIENT_SECRET)
    assert Path(entry).read_bytes() == cached  # doctor bypasses the cache


def test_nothing_set_up_yet_is_information_not_failure(env: dict[str, str], token_server: TokenServer) -> None:
    """No config file, no cache directory, no tool configured: those are · lines, the rest ✓, exit 0; doctor
    creates no cache directory."""
    report = doctor(tools_env(env, Path(env["HOME"]) / "tools"))
    assert report.code == EXIT_OK, report
    assert report.marked(FAIL) == []
    notes = report.marked(INFO)
    assert any(note.startswith("config file ") and "none" in note for note in notes)
    assert any(note.startswith("cache directory ") and "not there yet" in note for note in notes)
    for tool in ("git", "docker", "kubectl", "terraform", "cargo"):
        assert f"{tool}: not set up (rightbrain-helper configure {tool} " in "\n".join(notes)
    assert report.line("TLS:") == (INFO, "TLS: not used (plain http to 127.0.0.1, a loopback host)")
    assert not os.path.exists(env["RIGHTBRAIN_CACHE_DIR"])
    assert report.summary == f"all {len(report.lines) - len(notes)} checks passed ({len(notes)} notes)"


@pytest.mark.parametrize(("mode", "words"), [(0o644, "mode 0644 lets group or others in; use chmod 600"),
                                             (None, "cannot open")])  # fmt: skip
def test_an_unreadable_secret_file_fails_and_no_request_is_made(
    env: dict[str, str], tmp_path: Path, token_server: TokenServer, mode: int | None, words: str
) -> None:
    """A secret file open to others (or missing): ✗ naming the file and the fix; the endpoint is not contacted."""
    path = tmp_path / "secret"
    if mode is not None:
        path.write_text(CLIENT_SECRET)
        path.chmod(mode)
    env.pop("RIGHTBRAIN_CLIENT_SECRET")
    report = doctor({**env, "RIGHTBRAIN_CLIENT_SECRET_FILE": str(path)})
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("client secret:")
    assert (mark, str(path) in text, words in text) == (FAIL, True, True), text
    assert report.line("token endpoint:")[0] == INFO
    assert token_server.token_requests() == []
    assert report.summary.startswith("1 of ")


def echo_everything(recorded: Recorded) -> Reply:
    """A server that refuses the client and quotes the whole request back (header and body)."""
    said = f"{recorded.headers.get('authorization', '')} {recorded.body.decode()} {CLIENT_SECRET}"
    return Reply(401, {"error": "invalid_client", "error_description": said})


def test_a_refused_client_names_the_oauth_error_and_never_the_secret(
    env: dict[str, str], token_server: TokenServer
) -> None:
    """invalid_client from a server that echoes the request: ✗ naming the code, status and the hint; no form of
    the secret in the output (raw, percent-encoded, base64 inside the Basic header)."""
    token_server.responder = echo_everything
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("token request:")
    assert mark == FAIL
    assert "token endpoint refused (invalid_client, HTTP 401)" in text
    assert "check client_id, the client secret and client_auth" in text
    assert report.line("token endpoint")[0] == OK  # it answered: the refusal is the problem, not the network
    assert_no_secret(report.stdout + report.stderr, CLIENT_SECRET)


def test_a_config_file_others_can_write_fails(env: dict[str, str]) -> None:
    """A config file writable by group or others: ✗ with the chmod fix, and no profile-dependent check runs."""
    path = write_config(env, "[profiles.default]\nmin_valid = 30\n")
    os.chmod(path, 0o666)  # noqa: S103  (the fault under test)
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    assert report.lines[0] == (
        FAIL,
        f"config: config file {path} is writable by group or others; run: chmod go-w {path}",
    )
    assert [text for _, text in report.lines if text.startswith(("profile", "token", "cache", "git"))] == []


ARRANGE: dict[str, tuple[Callable[[str, str], str], str]] = {
    "symlink": (as_symlink, "is a symlink, which the helper never follows"),
    "foreign": (foreign, "is owned by uid 12345"),
}


@pytest.mark.parametrize("kind", sorted(ARRANGE))
def test_an_unusable_cache_directory_fails_with_the_fix(
    env: dict[str, str], token_server: TokenServer, kind: str
) -> None:
    """A cache directory the token path refuses (a symlink, someone else's): ✗ with RIGHTBRAIN_CACHE_DIR's fix."""
    arrange, words = ARRANGE[kind]
    entry, _ = entry_paths(env)
    arrange(env["RIGHTBRAIN_CACHE_DIR"], os.path.basename(entry))
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line("cache:")
    assert (mark, words in text) == (FAIL, True), text
    assert "point RIGHTBRAIN_CACHE_DIR at a directory only you can enter" in text


def test_a_lock_held_by_another_process_fails(env: dict[str, str], token_server: TokenServer) -> None:
    """The profile's refresh lock held by a live process: ✗ naming the lock file and how to find the holder."""
    _, lock = entry_paths(env)
    with LockHolder(lock, env):
        report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    mark, text = report.line(f"cache lock {lock}")
    assert mark == FAIL
    assert f"fuser {lock}" in text
    assert doctor(env).line(f"cache lock {lock}") == (OK, f"cache lock {lock}: taken and released")


def test_a_malformed_host_list_is_one_failure(env: dict[str, str], token_server: TokenServer) -> None:
    """A [hosts] table with an unknown key: one ✗ line naming it (not one per tool), the rest still checked."""
    write_config(env, '[hosts."git.example.com"]\nport = "443"\n')
    report = doctor(env)
    assert report.code == EXIT_FAILURE, report
    assert len(report.marked(FAIL)) == 1, report
    assert report.line("host list:")[1].startswith('host list: [hosts."git.example.com"] in ')
    assert report.line("token request")[0] == OK


def test_verbose_shows_where_settings_come_from_never_the_secret(
    env: dict[str, str], token_server: TokenServer
) -> None:
    """doctor -v: the settings' sources on stderr (as for token -v), the request masked; no form of the secret."""
    report = doctor(env, "-v")
    assert report.code == EXIT_OK, report
    assert f"setting token_url = {token_server.url} (from environment RIGHTBRAIN_TOKEN_URL)" in report.stderr
    assert "Authorization: Basic ***" in report.stderr
    assert_no_secret(report.stdout + report.stderr, CLIENT_SECRET)
