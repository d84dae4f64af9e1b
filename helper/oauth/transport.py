"""The real transport: the only module that imports requests, and only when a token must be fetched."""

from __future__ import annotations

import os

import requests

from rightbrain_helper.errors import ConfigError, TransportFailure

MAX_BODY_BYTES = 1024 * 1024


class Response:
    """Status, lower-cased headers and body of one HTTP answer."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An explicit no-op auth, so requests never adds ~/.netrc credentials on top of ours."""
    return request


class RequestsTransport:
    """POSTs with TLS verification always on (system CAs, REQUESTS_CA_BUNDLE, or `ca_bundle`), proxies from
    the standard environment variables, no redirects (a redirected POST would carry the secret elsewhere)."""

    def __init__(self, ca_bundle: str = "") -> None:
        ca_bundle = os.path.expanduser(ca_bundle)
        if ca_bundle and not os.path.exists(ca_bundle):
            raise ConfigError(f"ca_bundle {ca_bundle!r} does not exist; name a PEM file (or c_rehash directory) of CAs")
        self.session = requests.Session()
        self.session.auth = _no_auth
        self.verify: str | bool = ca_bundle or True

    def post_form(
        self, url: str, form: list[tuple[str, str]], headers: dict[str, str], timeout: tuple[float, float]
    ) -> Response:
        """Send one POST and return whatever status came back; TransportFailure when nothing did."""
        try:
            with self.session.post(
                url,
                data=form,
                headers=headers,
                timeout=timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            ) as answer:
                body = _read_capped(answer)
                lowered = {name.lower(): value for name, value in answer.headers.items()}
                return Response(answer.status_code, lowered, body)
        except requests.exceptions.SSLError as exc:
            raise TransportFailure(
                f"TLS verification failed ({_reason(exc)}); set ca_bundle if the issuer uses a private CA",
                retryable=False,
            ) from None
        except requests.exceptions.Timeout:
            raise TransportFailure("timed out", retryable=True) from None
        except requests.exceptions.ConnectionError as exc:
            raise TransportFailure(f"connection failed ({_reason(exc)})", retryable=True) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            raise TransportFailure(f"request failed ({_reason(exc)})", retryable=False) from None


def _read_capped(answer: requests.Response) -> bytes:
    """At most MAX_BODY_BYTES of the body. iter_content, not raw.read: it turns urllib3's read timeouts and
    broken connections into requests exceptions, which post_form reports; raw.read lets them escape."""
    body = bytearray()
    for chunk in answer.iter_content(chunk_size=65536):
        body += chunk
        if len(body) >= MAX_BODY_BYTES:
            break
    return bytes(body[:MAX_BODY_BYTES])


def _reason(exc: BaseException) -> str:
    """The innermost cause's message, short."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__
