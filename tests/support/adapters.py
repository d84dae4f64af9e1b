"""Every adapter built on the contract (integrations/contract.py), described for the contract tests: how its tool
asks for a host's token, and the exact bytes it must answer. Porting git, docker or kubectl adds a case here.
"""

from __future__ import annotations

import io
import json

from rightbrain_helper.integrations.cargo import CARGO
from rightbrain_helper.integrations.contract import Adapter, serve
from rightbrain_helper.integrations.terraform import TERRAFORM
from rightbrain_helper.ports import Clock, TransportFactory
from rightbrain_helper.runtime import Runtime
from rightbrain_helper.token.service import default_transport

from ..conftest import CliResult


class AdapterCase:
    """One adapter: the call its tool makes for HOST[:PORT] over https, and its exact answers.

    `found` holds TOKEN and EXPIRES (the token's usable-until, Unix seconds) where the answer carries them.
    """

    def __init__(self, name: str, adapter: Adapter, not_found: tuple[str, int], found: str) -> None:
        self.name = name
        self.adapter = adapter
        self.not_found = not_found
        self.found = found

    def call(self, host: str) -> tuple[list[str], str]:
        """argv and stdin of a `get` for `host` (HOST or HOST:PORT, https)."""
        if self.adapter is TERRAFORM:
            return ["get", host], ""
        if self.adapter is CARGO:
            return ["--cargo-plugin"], cargo_request("get", f"sparse+https://{host}/index/") + "\n"
        raise AssertionError(f"no call for {self.name}")

    def answer(self, token: str, expires: int) -> str:
        """The exact answer carrying `token`."""
        return self.found.replace("TOKEN", token).replace("EXPIRES", str(expires))


def cargo_request(kind: str, index_url: str, **fields: object) -> str:
    """One request line as cargo 1.95 writes it (serde field order), without the newline."""
    registry = {"index-url": index_url, "name": "test"}
    return json.dumps({"v": 1, "registry": registry, "kind": kind, **fields}, separators=(",", ":"))


CASES = [
    AdapterCase("terraform", TERRAFORM, ("{}\n", 0), '{"token":"TOKEN"}\n'),
    AdapterCase(
        "cargo",
        CARGO,
        ('{"v":[1]}\n{"Err":{"kind":"url-not-supported"}}\n', 0),
        '{"v":[1]}\n{"Ok":{"kind":"get","token":"Bearer TOKEN","cache":"expires","expiration":EXPIRES,'
        '"operation_independent":true}}\n',
    ),
]


def run_adapter(
    adapter: Adapter,
    argv: list[str],
    env: dict[str, str],
    stdin: str = "",
    *,
    clock: Clock | None = None,
    transport_factory: TransportFactory = default_transport,
) -> CliResult:
    """serve() one call in process with injected seams; its exit code and streams."""
    out, err = io.StringIO(), io.StringIO()
    runtime = Runtime(
        env=env, stdin=io.StringIO(stdin), stdout=out, stderr=err, clock=clock, transport_factory=transport_factory
    )
    return CliResult(serve(adapter, argv, runtime), out.getvalue(), err.getvalue())
