"""configure's check of the profile a tool will use: it exists, names a client and a secret source that can be
read, so a mistake shows up now and not later inside git, docker or kubectl."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.client_secret import read_secret

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.model import SecretSource

NOTHING_CHANGED = "nothing was changed"


def check_profile(runtime: Runtime, profile: str) -> None:
    """Raise ConfigError (ending "nothing was changed") unless the profile resolves as the tool will resolve it
    (an explicit one, or the default profile with the environment when `profile` is "") and its secret source
    is readable. A secret command is looked up, not run (it may prompt or cost a round trip)."""
    try:
        settings = runtime.settings(Overrides(profile=profile, origin="--profile"))
        _check_secret_source(settings.secret, runtime.env)
    except ConfigError as exc:
        raise ConfigError(f"{exc}; {NOTHING_CHANGED}") from None


def _check_secret_source(source: SecretSource, env: Mapping[str, str]) -> None:
    """A secret file is read (and checked as at token time); a secret command must be an executable."""
    if source.kind == "file":
        read_secret(source)
    elif source.kind == "command" and not _executable(source.origin, env):
        raise ConfigError(f"client_secret_command {source.origin!r} is not an executable file or on PATH")


def _executable(program: str, env: Mapping[str, str]) -> bool:
    """Whether `program` names an executable file, directly or on the environment's PATH."""
    path = env.get("PATH")
    if os.sep in program:
        return os.path.isfile(program) and os.access(program, os.X_OK)
    return shutil.which(program, path=path) is not None
