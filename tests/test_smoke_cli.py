"""The CLI end to end against the real token endpoint: fetch, then hit."""

from __future__ import annotations

from .conftest import run_cli, run_helper
from .support.tokenserver import TokenServer


def test_token_fetches_once_then_serves_from_cache(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Two `token` runs in separate processes make one request and print the same token."""
    first = run_helper(["token"], helper_env)
    second = run_helper(["token"], helper_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout == token_server.issued[0] + "\n"
    assert len(token_server.token_requests()) == 1


def test_in_process_cli_prints_header(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`header` prints the Authorization header line."""
    result = run_cli(["header"], helper_env)
    assert result.code == 0, result.stderr
    assert result.stdout == f"Authorization: Bearer {token_server.issued[0]}\n"
