"""RIGHTBRAIN_VERBOSE turns on debug lines where no flag can be passed (git and docker run the helpers)."""

from __future__ import annotations

from tests.conftest import CLIENT_SECRET, run_helper


def test_verbose_env_turns_on_masked_debug_lines(helper_env: dict[str, str]) -> None:
    """With RIGHTBRAIN_VERBOSE=1 a fetch prints debug lines, still without the secret or the token."""
    result = run_helper(["token"], {**helper_env, "RIGHTBRAIN_VERBOSE": "1"})
    assert result.returncode == 0, result.stderr
    assert "rightbrain-helper: debug: POST" in result.stderr
    assert CLIENT_SECRET not in result.stderr
    assert result.stdout.strip() not in result.stderr


def test_verbose_env_off_values_stay_quiet(helper_env: dict[str, str]) -> None:
    """RIGHTBRAIN_VERBOSE=0 (or unset) prints no debug lines."""
    result = run_helper(["token"], {**helper_env, "RIGHTBRAIN_VERBOSE": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
