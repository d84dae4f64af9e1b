"""`rightbrain-helper kubectl`: a client-go exec credential plugin (kubectl and anything built on client-go).

kubectl runs the command named in the kubeconfig's `users[].user.exec`, with `KUBERNETES_EXEC_INFO` (an
ExecCredential JSON object) in the environment, and reads an ExecCredential from stdout:

    {"apiVersion":"<as asked>","kind":"ExecCredential",
     "status":{"token":"<token>","expirationTimestamp":"<RFC 3339, UTC>"}}

The apiVersion is echoed exactly (client-go refuses any other); the expiry is the token's expiry minus the safety
margin, because client-go re-runs the plugin only once that moment has passed (a token served after a failed
refresh, already inside its margin, gets its true expiry instead: still in the future). stdin is never read (the plugin
never prompts), and every failure is one line on stderr with exit code 1, which kubectl shows as
`getting credentials: exec: executable ... failed with exit code 1` under the helper's line.
"""

from __future__ import annotations

from rightbrain_helper.clock import rfc3339
from rightbrain_helper.errors import EXIT_FAILURE, UsageError, one_line
from rightbrain_helper.jsonout import dumps

from .contract import GET, Adapter, Dialect, Request
from .serve import serve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.hosts import HostEntry
    from rightbrain_helper.settings.load import Overrides
    from rightbrain_helper.settings.model import Settings
    from rightbrain_helper.token.entry import Token

    from .contract import Reply

TOOL = "kubectl"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
API_VERSIONS = (V1, V1BETA1)
# client-go marshals kind, then apiVersion, then spec: this prefix is read without importing json (and re).
_GO_PREFIX = '{"kind":"ExecCredential","apiVersion":"'
MAX_EXEC_INFO = 1024 * 1024  # characters; Linux caps one environment string at 128 KiB anyway


class Kubectl(Adapter):
    """No verb and no host: the settings come from the command line (`overrides`); the request is the apiVersion
    in KUBERNETES_EXEC_INFO; every failure is one stderr line and exit 1."""

    name = "rightbrain-helper kubectl"
    tool = TOOL
    verbs = {"get": GET}  # noqa: RUF012
    dialect = Dialect(failure_exit=EXIT_FAILURE)

    def parse(self, request: Request, argv: list[str], runtime: Runtime) -> None:
        """The apiVersion asked for, checked before anything else (no token is fetched for a request we cannot
        answer). stdin is never read: kubectl may hand the plugin a terminal."""
        request.answering = True  # kubectl reads stdout for an ExecCredential from the start
        request.verb = "get"
        request.values["apiVersion"] = requested_api_version(runtime.env.get("KUBERNETES_EXEC_INFO", ""))

    def found(self, request: Request, token: Token, settings: Settings, entry: HostEntry | None, now: float) -> str:
        """The ExecCredential, expiring at the token's reported expiry (client-go re-runs the plugin after it)."""
        expiry = rfc3339(token.reported_expiry(settings.min_valid, now))
        return exec_credential(request.values["apiVersion"], token.access_token, expiry) + "\n"

    def missing(self, request: Request) -> Reply:
        """Never reached: kubectl's settings come from the command line, not the host list."""
        raise UsageError("rightbrain-helper kubectl has no settings to use")


KUBECTL = Kubectl()


def handle(overrides: Overrides, runtime: Runtime) -> int:
    """Print an ExecCredential for the profile the flags select; exit 1 on any failure, as exec plugins do."""
    return serve(KUBECTL, [], runtime, overrides=overrides)


def exec_credential(api_version: str, token: str, expiration: str) -> str:
    """The ExecCredential JSON text client-go decodes."""
    status = {"token": token, "expirationTimestamp": expiration}
    return dumps({"apiVersion": api_version, "kind": "ExecCredential", "status": status})


def requested_api_version(info: str) -> str:
    """The apiVersion KUBERNETES_EXEC_INFO asks for: v1 when the variable (or its apiVersion) is absent."""
    if not info.strip():
        return V1
    if info.startswith(_GO_PREFIX):
        version = info[len(_GO_PREFIX) :].partition('"')[0]
        if version in API_VERSIONS:
            return version
    asked = _parsed_api_version(info)
    if isinstance(asked, str) and asked in API_VERSIONS:
        return asked
    raise UsageError(
        f"kubectl asked for an ExecCredential of apiVersion {one_line(repr(asked)[:200], 80)}; "
        f"this helper speaks {V1} and {V1BETA1}: "
        f"set exec.apiVersion to {V1} in the kubeconfig (or run: rightbrain-helper configure kubectl ...)"
    )


def _parsed_api_version(info: str) -> object:
    """The apiVersion field of KUBERNETES_EXEC_INFO parsed as JSON, bounded in size and depth (json is imported
    only here)."""
    # not on the usual path: kubectl's own encoding matches _GO_PREFIX
    from rightbrain_helper.jsonin import JsonInputError, loads_bounded  # noqa: PLC0415

    try:
        request = loads_bounded(info, max_chars=MAX_EXEC_INFO)
    except JsonInputError as exc:
        raise UsageError(
            f"KUBERNETES_EXEC_INFO {exc}; it is set by kubectl for exec credential plugins "
            "(unset it when running the helper by hand)"
        ) from None
    if not isinstance(request, dict):
        raise UsageError("KUBERNETES_EXEC_INFO is not a JSON object (an ExecCredential); it is set by kubectl")
    return request.get("apiVersion") or V1
