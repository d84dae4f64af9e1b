"""`rightbrain_helper.BearerAuth`: a requests auth that sends the access token and survives one revoked token.

    session.auth = BearerAuth("prod", scope="registry:read")

Each request gets `Authorization: Bearer <token>` from the shared TokenSource (helper/api.py). When the answer is
401, the token is dropped (in memory and from the shared cache, if it still holds it) and the request is sent once
more with a fresh token; the 401 response is kept in `response.history`. A second 401 is returned as it is. No
retry happens for a request that did not carry our header (a redirect to another host, where requests strips it)
or whose body cannot be sent twice (a generator). Errors getting a token are raised from the request call
(rightbrain_helper.errors.HelperError subclasses; see helper/api.py).
"""

from __future__ import annotations

from requests.auth import AuthBase

from rightbrain_helper.api import token_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from requests import PreparedRequest, Response

    from rightbrain_helper.api import TokenSource

HTTP_UNAUTHORIZED = 401
BEARER = "Bearer "


class BearerAuth(AuthBase):
    """requests auth for (profile, scope, audience), with the same meaning as in get_token; safe in threads."""

    def __init__(
        self, profile: str | None = None, *, scope: str | Iterable[str] | None = None, audience: str | None = None
    ) -> None:
        self.source: TokenSource = token_source(profile, scope=scope, audience=audience)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        """Attach the token and the one-retry 401 hook."""
        request.headers["Authorization"] = BEARER + self.source.token().access_token
        request.hooks["response"].append(_RetryOn401(self.source, _body_position(request)))
        return request


class _RetryOn401:
    """The response hook of one request: on a 401 to our token, re-send a copy once with a fresh token."""

    def __init__(self, source: TokenSource, body_position: int | None) -> None:
        self.source = source
        self.body_position = body_position

    def __call__(self, response: Response, **send_options: Any) -> Response:
        """The response, or the answer to the retried request (whose history holds the 401)."""
        request = response.request
        sent = request.headers.get("Authorization", "")
        if response.status_code != HTTP_UNAUTHORIZED or not sent.startswith(BEARER) or not self._rewind(request):
            return response
        self.source.reject(sent[len(BEARER) :])
        retry = request.copy()
        retry.headers["Authorization"] = BEARER + self.source.token().access_token
        response.content  # noqa: B018  (read the body, so the connection can go back to the pool)
        response.close()
        answer = response.connection.send(retry, **send_options)
        answer.history.append(response)
        answer.request = retry
        return answer

    def _rewind(self, request: PreparedRequest) -> bool:
        """Whether the body can be sent again: none, bytes or text, or a file rewound to where it started."""
        body = request.body
        if body is None or isinstance(body, (bytes, str)):
            return True
        seek = getattr(body, "seek", None)
        if seek is None or self.body_position is None:
            return False
        seek(self.body_position)
        return True


def _body_position(request: PreparedRequest) -> int | None:
    """Where a file body starts (to rewind it for the retry); None for anything else."""
    tell = getattr(request.body, "tell", None)
    if tell is None:
        return None
    try:
        position = tell()
    except OSError:
        return None
    return position if isinstance(position, int) else None
