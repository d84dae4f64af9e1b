"""One size rule for cache entries, on both sides: what the helper writes it reads back. Tokens of 256 KiB are
cached and served; a token too large for an entry is used uncached with one warning, never written and then
refused; and the token response may be larger than an entry, so such a token still arrives.
"""

from __future__ import annotations

import os

import pytest

from rightbrain_helper.oauth.transport import MAX_BODY_BYTES
from rightbrain_helper.token.cache import MAX_ENTRY_BYTES

from .conftest import run_helper
from .support.procs import entry_paths
from .support.tokenserver import Reply, TokenServer

KIB = 1024


def big_token(size: int) -> str:
    """A visible-ASCII token of `size` characters."""
    return ("tok-" + "x" * size)[:size]


def test_response_cap_is_above_the_entry_cap() -> None:
    """The token response the transport accepts is larger than an entry, so an uncacheable token still arrives
    and the rule below decides; both caps are above 256 KiB."""
    assert 256 * KIB < MAX_ENTRY_BYTES < MAX_BODY_BYTES


@pytest.mark.parametrize("size", [100 * KIB, 256 * KIB])
def test_large_token_is_cached_and_served(size: int, helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A 100 KiB or 256 KiB token is written, read back and served from the cache: one request, no warning."""
    token = big_token(size)
    token_server.queue(Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}))
    for _ in range(2):
        result = run_helper(["token"], helper_env)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout == token + "\n"
    assert len(token_server.token_requests()) == 1
    token_path, _ = entry_paths(helper_env)
    assert os.path.getsize(token_path) <= MAX_ENTRY_BYTES


def test_token_too_large_for_an_entry_is_used_uncached(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A token larger than an entry may be is printed with one warning saying it is not cached; no entry and no
    temp file are written, and the next call fetches again (never a write followed by a refusal)."""
    token = big_token(MAX_ENTRY_BYTES + KIB)
    reply = Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
    token_server.queue(reply, reply)
    for call in range(2):
        result = run_helper(["token"], helper_env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == token + "\n"
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("rightbrain-helper: warning: the token is too large to cache")
        assert "the token is used uncached" in lines[0]
        assert len(token_server.token_requests()) == call + 1
    token_path, _ = entry_paths(helper_env)
    assert not os.path.exists(token_path)
    assert [name for name in os.listdir(os.path.dirname(token_path)) if name.endswith(".tmp")] == []
