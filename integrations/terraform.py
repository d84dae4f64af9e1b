"""`terraform-credentials-rightbrain`: terraform's credentials-helper protocol over the adapter contract.

terraform runs `terraform-credentials-rightbrain [ARGS...] VERB HOST` from its plugin directory, where HOST is
the service host as terraform normalised it (lower case, punycode, `:PORT` only when not 443):

    get HOST      stdout `{"token":"<token>"}` for a configured host, `{}` for any other; exit 0
    store HOST    stdin `{"token": ...}` read to EOF and dropped (tokens are fetched, never stored); exit 0
    forget HOST   the cached token dropped (`terraform logout`); exit 0

Failures: one line on stderr and the documented exit code; terraform shows that line only with TF_LOG set and
otherwise goes on unauthenticated. Sources: terraform `website/docs/internals/credentials-helpers.mdx`.
"""

from __future__ import annotations

from rightbrain_helper import PROJECT, __version__
from rightbrain_helper.errors import EXIT_OK, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.netaddr import split_authority

from .contract import ACCEPT, FORGET, GET, OTHER, Adapter, Dialect, Request
from .serve import serve
from .tool_input import drain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

NAME = "terraform-credentials-rightbrain"
TOOL = "terraform"  # the name host entries use for this adapter (tools = [...], configured_by = [...])
NO_CREDENTIALS = "{}\n"  # terraform's "definitely no credentials for this host"
USAGE = f"""\
usage: {NAME} [-v] get|store|forget HOST
       {NAME} --version | --help

terraform's credentials helper: terraform runs it from ~/.terraform.d/plugins/. For `get HOST` it prints
{{"token":"<token>"}}, an OAuth 2.0 access token from the helper's shared cache (fetched when needed), for a host
configured for terraform, and {{}} for any other; `store` keeps nothing; `forget` (terraform logout) drops the
cached token. Set it up with:
  rightbrain-helper configure terraform --host HOST [--profile NAME]
"""
ABOUT = ("-h", "--help", "--version")


class Terraform(Adapter):
    """`get` answers `{"token": ...}` or `{}`; `store` is drained; `forget` drops the cached token."""

    name = NAME
    tool = TOOL
    verbs = {"get": GET, "store": ACCEPT, "forget": FORGET, **dict.fromkeys(ABOUT, OTHER)}  # noqa: RUF012
    dialect = Dialect()

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """`[-v] VERB HOST` (a lone -h, --help or --version prints the usage or the version); `store` reads stdin
        to its end."""
        if len(argv) == 1 and argv[0] in ABOUT:
            request.verb = argv[0]
            return
        if len(argv) < 2:
            raise UsageError(f"expected VERB HOST; usage: {NAME} [-v] get|store|forget HOST")
        *options, request.verb, name = argv
        if request.verb == "store":
            drain(runtime.stdin)  # terraform writes the token to store and expects it read, even by a failing call
        for option in options:
            if option not in ("-v", "--verbose"):
                raise UsageError(f"unknown option {option!r}; usage: {NAME} [-v] get|store|forget HOST")
            runtime.log.verbose = True
        authority = split_authority(name)
        if authority is None:
            raise UsageError(f"{name!r} is not a HOST[:PORT] as terraform sends it")
        request.host, request.port = authority
        request.scheme = "https"  # terraform talks to services over https only

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """`{"token":"<token>"}`; terraform sends it as `Authorization: Bearer <token>`."""
        return dumps({"token": token.access_token}) + "\n"

    def missing(self, request: Request) -> Reply:
        """`{}`: terraform goes on without credentials for this host."""
        return NO_CREDENTIALS, EXIT_OK

    def other(self, request: Request, runtime: Runtime) -> Reply:
        """The usage text, or the version."""
        return (f"{NAME} ({PROJECT}) {__version__}\n" if request.verb == "--version" else USAGE), EXIT_OK


TERRAFORM = Terraform()


def main() -> int:
    """The console script."""
    return serve(TERRAFORM)
