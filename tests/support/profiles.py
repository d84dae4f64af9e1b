"""Complete profiles for tests: an explicitly chosen profile ignores RIGHTBRAIN_TOKEN_URL, _CLIENT_ID and the
secret variables, so it must name its own token URL, client and secret file."""

from __future__ import annotations

from pathlib import Path


def secret_file(env: dict[str, str], secret: str = "", name: str = "test.secret") -> Path:
    """A 0600 file `name` holding `secret` (default: the environment's RIGHTBRAIN_CLIENT_SECRET), beside the
    config file."""
    value = secret or env["RIGHTBRAIN_CLIENT_SECRET"]
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def full_profile(env: dict[str, str], name: str, extra: str = "") -> str:
    """`[profiles.NAME]` with the environment's token URL, client id and secret (as a file), plus `extra` lines."""
    return (
        f'[profiles.{name}]\ntoken_url = "{env["RIGHTBRAIN_TOKEN_URL"]}"\nclient_id = "{env["RIGHTBRAIN_CLIENT_ID"]}"\n'
        f'client_secret_file = "{secret_file(env)}"\n' + (extra.rstrip("\n") + "\n" if extra else "")
    )
