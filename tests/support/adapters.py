"""Every adapter built on the contract (integrations/contract.py), described for the contract tests: how its tool
asks for a host's token, where its input lives (for random input), and the exact bytes it must answer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from rightbrain_helper.clock import rfc3339
from rightbrain_helper.integrations.bazel import BAZEL
from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.contract import Adapter
from rightbrain_helper.integrations.docker import DOCKER
from rightbrain_helper.integrations.git import GIT
from rightbrain_helper.integrations.goauth import GOAUTH
from rightbrain_helper.integrations.kubectl import KUBECTL, V1
from rightbrain_helper.integrations.serve import serve
from rightbrain_helper.integrations.terraform import TERRAFORM
from rightbrain_helper.ports import Clock, TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.settings.load import Overrides
from rightbrain_helper.token.cache import TokenCache, entry_key
from rightbrain_helper.token.entry import Token
from rightbrain_helper.token.service import default_transport

from ..conftest import CliResult

Call = tuple[list[str], str, dict[str, str]]  # argv, stdin and environment additions of one tool call
# What kubectl 1.32 puts in KUBERNETES_EXEC_INFO (real-clients.md §4).
KUBECTL_INFO = '{"kind":"ExecCredential","apiVersion":"' + V1 + '","spec":{"interactive":false}}'


class AdapterCase:
    """One adapter: the `get` its tool makes for SCHEME://HOST[:PORT] (`call`), the same call with the tool's own
    input replaced by any text (`inject`), and its exact answers.

    `found` holds TOKEN, EXPIRES (the token's usable-until, Unix seconds) and RFC3339 (the same instant) where
    the answer carries them. `schemes` are those the tool asks about; `hosts` is False (and `not_found` None) for
    a tool that is not asked about hosts at all (kubectl: the command line picks its profile).
    """

    def __init__(
        self,
        adapter: Adapter,
        call: Callable[[str, str], Call],
        inject: Callable[[str], Call],
        *,
        not_found: tuple[str, int] | None,
        found: str,
        schemes: tuple[str, ...] = ("https",),
        hosts: bool = True,
    ) -> None:
        self.name = adapter.tool
        self.adapter = adapter
        self.call = call
        self.inject = inject
        self.not_found = not_found
        self.found = found
        self.schemes = schemes
        self.hosts = hosts

    def answer(self, token: str, usable_until: float) -> str:
        """The exact answer carrying `token`, for a `call` of https://tools.example.com."""
        text = self.found.replace("TOKEN", token).replace("RFC3339", rfc3339(usable_until))
        return text.replace("EXPIRES", str(int(usable_until)))

    def run(
        self,
        call: Call,
        env: dict[str, str],
        *,
        clock: Clock | None = None,
        transport_factory: TransportFactory = default_transport,
    ) -> CliResult:
        """One call in process, as the tool makes it."""
        argv, stdin, extra = call
        overrides = Overrides() if self.adapter is KUBECTL else None
        return run_adapter(
            self.adapter,
            argv,
            {**env, **extra},
            stdin,
            clock=clock,
            transport_factory=transport_factory,
            overrides=overrides,
        )


def cargo_request(kind: str, index_url: str, **fields: object) -> str:
    """One request line as cargo 1.95 writes it (serde field order), without the newline."""
    registry = {"index-url": index_url, "name": "test"}
    return json.dumps({"v": 1, "registry": registry, "kind": kind, **fields}, separators=(",", ":"))


CARGO_HELLO = '{"v":[1]}\n'
CASES = [
    AdapterCase(
        TERRAFORM,
        lambda scheme, authority: (["get", authority], "", {}),
        lambda text: (["get", text], "", {}),
        not_found=("{}\n", 0),
        found='{"token":"TOKEN"}\n',
    ),
    AdapterCase(
        CARGO,
        lambda scheme, authority: (
            ["--cargo-plugin"],
            cargo_request("get", f"sparse+{scheme}://{authority}/i/") + "\n",
            {},
        ),
        lambda text: (["--cargo-plugin"], text, {}),
        not_found=(CARGO_HELLO + '{"Err":{"kind":"url-not-supported"}}\n', 0),
        found=CARGO_HELLO + '{"Ok":{"kind":"get","token":"Bearer TOKEN","cache":"expires","expiration":EXPIRES,'
        '"operation_independent":true}}\n',
        schemes=("https", "http"),
    ),
    AdapterCase(
        GIT,
        lambda scheme, authority: (["get"], f"protocol={scheme}\nhost={authority}\n", {}),
        lambda text: (["get"], text, {}),
        not_found=("", 0),
        found="username=x-access-token\npassword=TOKEN\npassword_expiry_utc=EXPIRES\n",
        schemes=("https", "http"),
    ),
    AdapterCase(
        DOCKER,
        lambda scheme, authority: (["get"], authority if scheme == "https" else f"{scheme}://{authority}", {}),
        lambda text: (["get"], text, {}),
        not_found=("credentials not found in native keychain\n", 1),
        found='{"ServerURL":"tools.example.com","Username":"oauth2","Secret":"TOKEN"}\n',
        schemes=("https", "http"),
    ),
    AdapterCase(
        KUBECTL,
        lambda scheme, authority: ([], "", {"KUBERNETES_EXEC_INFO": KUBECTL_INFO}),
        lambda text: ([], "", {"KUBERNETES_EXEC_INFO": text}),
        not_found=None,
        found=f'{{"apiVersion":"{V1}","kind":"ExecCredential","status":{{"token":"TOKEN","expirationTimestamp":'
        '"RFC3339"}}\n',
        hosts=False,
    ),
    AdapterCase(
        BAZEL,
        lambda scheme, authority: (["get"], json.dumps({"uri": f"{scheme}://{authority}/cas/1"}), {}),
        lambda text: (["get"], text, {}),
        not_found=("{}\n", 0),
        found='{"headers":{"Authorization":["Bearer TOKEN"]},"expires":"RFC3339"}\n',
        schemes=("https", "http"),
    ),
    AdapterCase(
        GOAUTH,
        lambda scheme, authority: ([f"{scheme}://{authority}/mod/@v/list"], "", {}),
        lambda text: ([text], "", {}),
        not_found=("", 0),
        found="https://tools.example.com\n\nAuthorization: Bearer TOKEN\n\n",
    ),
]
HOST_CASES = [case for case in CASES if case.hosts]


def run_adapter(
    adapter: Adapter,
    argv: list[str],
    env: dict[str, str],
    stdin: str = "",
    *,
    clock: Clock | None = None,
    transport_factory: TransportFactory = default_transport,
    overrides: Overrides | None = None,
) -> CliResult:
    """serve() one call in process with injected seams; its exit code and streams."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        env=env, stdin=io.StringIO(stdin), stdout=out, stderr=err, clock=clock, transport_factory=transport_factory
    )
    return CliResult(serve(adapter, argv, runtime, overrides=overrides), out.getvalue(), err.getvalue())


def seed_cache(env: dict[str, str], token: Token) -> None:
    """Put `token` in the cache entry of the default profile, as an earlier fetch would have."""
    current = Runtime(env=env).settings(Overrides())
    TokenCache(current.cache_dir).write(entry_key(current), token)
