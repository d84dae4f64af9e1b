"""RIGHTBRAIN_VERBOSE turns on debug lines where no flag can be passed (git and docker run the helpers)."""

from __future__ import annotations

import pytest

from tests.conftest import run_helper
from tests.support.procs import write_config
from tests.support.tokenserver import TokenServer

from .test_masking import leaks


@pytest.mark.parametrize(
    ("client_auth", "masked"),
    [("basic", "Authorization: Basic ***"), ("basic-raw", "Authorization: Basic ***"), ("post", "client_secret=***")],
)
def test_verbose_env_turns_on_masked_debug_lines(
    helper_env: dict[str, str], token_server: TokenServer, client_auth: str, masked: str
) -> None:
    """With RIGHTBRAIN_VERBOSE=1 a fetch prints the request as sent, credentials and all, in debug lines: the
    log's mask shows them as ***, and no piece of the secret (in any encoding) nor the token gets through."""
    write_config(helper_env, f'[profiles.default]\nclient_auth = "{client_auth}"\n')
    token_server.decode_basic = client_auth != "basic-raw"  # curl-style Basic: the server takes it as sent
    result = run_helper(["token"], {**helper_env, "RIGHTBRAIN_VERBOSE": "1"})
    assert result.returncode == 0, result.stderr
    assert "rightbrain-helper: debug: POST" in result.stderr
    assert "rightbrain-helper: debug: request body: grant_type=client_credentials" in result.stderr
    assert masked in result.stderr
    assert leaks(result.stderr) == []
    assert result.stdout.strip()[:8] not in result.stderr


def test_verbose_env_off_values_stay_quiet(helper_env: dict[str, str]) -> None:
    """RIGHTBRAIN_VERBOSE=0 (or unset) prints no debug lines."""
    result = run_helper(["token"], {**helper_env, "RIGHTBRAIN_VERBOSE": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
