"""A terraform module registry on 127.0.0.1 over HTTPS that demands `Authorization: Bearer <token>`.

Service discovery (`/.well-known/terraform.json`) and the modules.v1 protocol (`versions`, `download` answering
204 with `X-Terraform-Get`) demand the token; the module archive, a .tar.gz served by the same server, does not:
terraform 1.11 fetches the `X-Terraform-Get` URL without credentials (a 401 there fails `terraform init`). Each
request is recorded with its path and Authorization header: that record proves which token terraform sent.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable

from .localserver import LocalServer, get_handler
from .tls import Certificate

MODULE = "acme/greeting/null"
VERSION = "1.0.0"
MAIN_TF = b'output "greeting" {\n  value = "hello"\n}\n'
ARCHIVE_PATH = "/archive/greeting.tar.gz"


class Seen:
    """One request as the registry saw it."""

    def __init__(self, path: str, authorization: str) -> None:
        self.path = path
        self.authorization = authorization

    def __repr__(self) -> str:
        """For assertion messages."""
        return f"Seen({self.path!r})"


class ModuleRegistry(LocalServer[Seen]):
    """The registry; `accepts(token)` decides whether a Bearer token is valid (e.g. one the test issuer issued)."""

    def __init__(self, certificate: Certificate, accepts: Callable[[str], bool]) -> None:
        self.accepts = accepts
        self.archive = module_archive()
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/.well-known/terraform.json": (200, {}, b'{"modules.v1": "/v1/modules/"}'),
            f"/v1/modules/{MODULE}/versions": (200, {}, _versions()),
            f"/v1/modules/{MODULE}/{VERSION}/download": (204, {"X-Terraform-Get": ARCHIVE_PATH}, b""),
            ARCHIVE_PATH: (200, {"Content-Type": "application/x-gzip"}, self.archive),
        }
        super().__init__(get_handler(self), certificate.server_context())

    @property
    def host(self) -> str:
        """127.0.0.1:PORT, the registry host in module sources."""
        return f"127.0.0.1:{self.port}"

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, str], bytes]:
        """Record the request; 401 without a valid Bearer token (but for the archive), else the route or 404."""
        self.record(Seen(path, authorization))
        scheme, _, token = authorization.partition(" ")
        if path != ARCHIVE_PATH and (scheme != "Bearer" or not self.accepts(token)):
            return 401, {"WWW-Authenticate": 'Bearer realm="modules"'}, b'{"errors":["unauthorized"]}'
        return self.routes.get(path.split("?", 1)[0], (404, {}, b'{"errors":["not found"]}'))


def module_archive() -> bytes:
    """A gzip tar holding main.tf."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("main.tf")
        info.size = len(MAIN_TF)
        archive.addfile(info, io.BytesIO(MAIN_TF))
    return buffer.getvalue()


def _versions() -> bytes:
    """The modules.v1 versions document."""
    return json.dumps({"modules": [{"versions": [{"version": VERSION}]}]}).encode()
