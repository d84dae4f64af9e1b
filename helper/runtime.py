"""The composition root: real or test parts wired into one Runtime, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys

from rightbrain_helper.clock import SystemClock
from rightbrain_helper.errors import EXIT_FAILURE, HelperError, exit_code_for, one_line
from rightbrain_helper.log import Log
from rightbrain_helper.settings.load import ConfigContext, Overrides, load_context, resolve_settings
from rightbrain_helper.token.service import TokenService, default_transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import TextIO

    from rightbrain_helper.ports import Clock, TransportFactory
    from rightbrain_helper.settings.model import Settings


class Runtime:
    """What a command runs with: environment, streams, clock, transport and the token service built on them."""

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        clock: Clock | None = None,
        transport_factory: TransportFactory = default_transport,
        verbose: bool = False,
    ) -> None:
        self.env = os.environ if env is None else env
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        # RIGHTBRAIN_VERBOSE: for adapters run by git or docker, which pass no flags through
        verbose = verbose or self.env.get("RIGHTBRAIN_VERBOSE", "").lower() not in ("", "0", "false", "no")
        self.log = Log(verbose=verbose, stream=stderr)
        self.clock = clock or SystemClock()
        self.service = TokenService(clock=self.clock, log=self.log, transport_factory=transport_factory)
        self._context: ConfigContext | None = None

    def context(self) -> ConfigContext:
        """The config file and cache dir, loaded once per process."""
        if self._context is None:
            self._context = load_context(self.env)
        return self._context

    def settings(self, overrides: Overrides) -> Settings:
        """Settings for the profile the overrides (or the environment, or the config) select; with --verbose,
        where each of them came from."""
        context = self.context()
        settings, origins = resolve_settings(context, overrides)
        if self.log.verbose:
            for line in origins.report(settings, context.path):
                self.log.debug(line)
        return settings


def run_guarded(command: Callable[[], int], runtime: Runtime) -> int:
    """Run `command`; report any error as one line on stderr and return its documented exit code. Never a
    traceback: an unexpected exception is named, not dumped (a traceback could carry a secret's context)."""
    try:
        return command()
    except HelperError as exc:
        runtime.log.error(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        runtime.log.error(
            f"internal error: {type(exc).__name__}: {one_line(str(exc), 200)}; "
            "please report it with the output of --verbose"
        )
        return EXIT_FAILURE
