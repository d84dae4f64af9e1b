"""`rightbrain_helper.httpx_auth.BearerAuth`: the httpx twin of rightbrain_helper.BearerAuth.

    client = httpx.Client(auth=BearerAuth("prod"))

Only this module imports httpx (not a dependency of the package: install it yourself). Same behaviour as the
requests auth: `Authorization: Bearer <token>` from the shared TokenSource; on a 401 the token is dropped and the
request is sent once more with a fresh one. Works with httpx.Client and httpx.AsyncClient; in an AsyncClient the
token is read (or, on a cache miss, fetched) synchronously, which blocks the event loop for that moment.
Errors getting a token are raised from the request call (rightbrain_helper.errors.HelperError subclasses).
"""

from __future__ import annotations

import httpx

from rightbrain_helper.api import token_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator, Iterable

    from rightbrain_helper.api import TokenSource

HTTP_UNAUTHORIZED = 401


class BearerAuth(httpx.Auth):
    """httpx auth for (profile, scope, audience), with the same meaning as in get_token; safe in threads."""

    requires_request_body = True  # so a streamed body can be sent again for the retry

    def __init__(
        self, profile: str | None = None, *, scope: str | Iterable[str] | None = None, audience: str | None = None
    ) -> None:
        self.source: TokenSource = token_source(profile, scope=scope, audience=audience)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the token; after a 401, once more with a fresh one."""
        token = self.source.token().access_token
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == HTTP_UNAUTHORIZED:
            self.source.reject(token)
            request.headers["Authorization"] = f"Bearer {self.source.token().access_token}"
            yield request
