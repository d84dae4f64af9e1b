"""The real transport: the only module that imports requests, and only when a token must be fetched.

requests' timeouts bound each socket operation, not the exchange: a server that sends a byte a second never trips
them. So each exchange runs in a worker thread and post_form waits for it at most `total_timeout` seconds of wall
time. An exchange still running then is abandoned: once its answer's headers are in, its socket is shut down so
the worker's read ends at once; before that, the (daemon) worker ends with its own socket timeouts, with the
server, or with the process, and the transport takes a new session so nothing is shared with it.
"""

from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit

import requests

from rightbrain_helper.errors import ConfigError, TransportFailure

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

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


def _new_session() -> requests.Session:
    """A session that adds no credentials of its own."""
    session = requests.Session()
    session.auth = _no_auth
    return session


class RequestsTransport:
    """POSTs (and the GETs of discovery) with TLS verification always on (system CAs, REQUESTS_CA_BUNDLE, or
    `ca_bundle`), proxies from the standard environment variables, no redirects (a redirected POST would carry the
    secret elsewhere).
    `client_cert` (certificate path, key path) is presented in every TLS handshake (RFC 8705 mutual TLS); the
    caller has checked the key (token/tls_identity.py), and it is unencrypted, so OpenSSL never prompts."""

    def __init__(self, ca_bundle: str = "", *, client_cert: tuple[str, str] | None = None) -> None:
        ca_bundle = os.path.expanduser(ca_bundle)
        if ca_bundle and not os.path.exists(ca_bundle):
            raise ConfigError(f"ca_bundle {ca_bundle!r} does not exist; name a PEM file (or c_rehash directory) of CAs")
        self.session = _new_session()
        self.verify: str | bool = ca_bundle or True
        self.client_cert = client_cert

    def post_form(
        self,
        url: str,
        form: list[tuple[str, str]],
        headers: dict[str, str],
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> Response:
        """Send one POST and return whatever status came back within `total_timeout` seconds of wall time;
        TransportFailure when nothing (or nothing whole) did."""
        return self._exchange("POST", url, headers, form=form, timeout=timeout, total_timeout=total_timeout)

    def get(self, url: str, headers: dict[str, str], timeout: tuple[float, float], total_timeout: float) -> Response:
        """Send one GET (a discovery document), bounded and answered as post_form's POST."""
        return self._exchange("GET", url, headers, form=None, timeout=timeout, total_timeout=total_timeout)

    def _exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        *,
        form: list[tuple[str, str]] | None,
        timeout: tuple[float, float],
        total_timeout: float,
    ) -> Response:
        """One request in a worker, waited for at most `total_timeout` seconds."""
        session = self.session
        exchange = _Exchange(
            lambda answered: self._send(method, url, form, headers, timeout, session=session, answered=answered)
        )
        if exchange.finished_within(total_timeout):
            return exchange.outcome()
        exchange.abandon()
        self.session = _new_session()
        raise TransportFailure(
            f"timed out: no complete answer within {total_timeout:.1f} s (the deadline)", retryable=True, kind="timeout"
        )

    def _send(
        self,
        method: str,
        url: str,
        form: list[tuple[str, str]] | None,
        headers: dict[str, str],
        timeout: tuple[float, float],
        *,
        session: requests.Session,
        answered: Callable[[requests.Response], None],
    ) -> Response:
        """The exchange itself, run by the worker; `answered` is told of the answer once its headers are in."""
        try:
            with session.request(
                method,
                url,
                data=form,
                headers=headers,
                timeout=timeout,
                verify=self.verify,
                cert=self.client_cert,
                allow_redirects=False,
                stream=True,
            ) as answer:
                answered(answer)
                body = _read_capped(answer)
                lowered = {name.lower(): value for name, value in answer.headers.items()}
                return Response(answer.status_code, lowered, body)
        except requests.exceptions.SSLError as exc:
            raise TransportFailure(self._tls_failure(_reason(exc)), retryable=False, kind="tls") from None
        except requests.exceptions.Timeout:
            raise TransportFailure("timed out", retryable=True, kind="timeout") from None
        except requests.exceptions.ConnectionError as exc:
            raise TransportFailure(
                f"connection failed ({_reason(exc)}){self._cert_hint()}", retryable=True, kind="connect"
            ) from None
        except (requests.exceptions.RequestException, OSError) as exc:
            raise TransportFailure(f"request failed ({_reason(exc)})", retryable=False) from None

    def _tls_failure(self, reason: str) -> str:
        """The message for a TLS failure: the issuer's certificate not trusted (set ca_bundle), or a handshake the
        issuer broke off, most often for want of a client certificate it accepts."""
        if "certificate verify failed" in reason.lower():
            return f"TLS verification failed ({reason}); set ca_bundle if the issuer uses a private CA"
        if self.client_cert:
            return f"TLS handshake failed ({reason}); check that the issuer accepts tls_client_cert"
        return f"TLS handshake failed ({reason}); the issuer may require a client certificate (tls_client_cert)"

    def _cert_hint(self) -> str:
        """A server that refuses a client certificate may just drop the connection (TLS 1.3 alerts come late)."""
        return "; the issuer may have refused tls_client_cert" if self.client_cert else ""


class _Exchange:
    """One exchange running in a daemon thread: its outcome, and its answer once the headers are in."""

    def __init__(self, work: Callable[[Callable[[requests.Response], None]], Response]) -> None:
        self._work = work
        self._answer: requests.Response | None = None
        self._result: Response | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        threading.Thread(target=self._run, name="rightbrain-token-request", daemon=True).start()

    def finished_within(self, seconds: float) -> bool:
        """Wait up to `seconds` for the exchange; whether it finished."""
        return self._done.wait(max(seconds, 0.0))

    def outcome(self) -> Response:
        """The response, or the exception the exchange raised (TransportFailure for any network trouble)."""
        if self._error is not None:
            raise self._error
        if self._result is None:  # pragma: no cover  (_run sets one of the two before _done)
            raise AssertionError("exchange finished without an outcome")
        return self._result

    def abandon(self) -> None:
        """Shut down the answer's socket, if the headers are in, so the worker stops reading now."""
        connection = getattr(getattr(self._answer, "raw", None), "connection", None)
        sock = getattr(connection, "sock", None)
        if isinstance(sock, socket.socket):
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the fd itself, also under a TLS socket
            except OSError:
                pass

    def _run(self) -> None:
        """The worker thread."""
        try:
            self._result = self._work(self._answered)
        except BaseException as exc:  # handed to the waiting thread, which raises it
            self._error = exc
        finally:
            self._done.set()

    def _answered(self, answer: requests.Response) -> None:
        """Note the answer whose body is now being read."""
        self._answer = answer


def _read_capped(answer: requests.Response) -> bytes:
    """At most MAX_BODY_BYTES of the body. iter_content, not raw.read: it turns urllib3's read timeouts and
    broken connections into requests exceptions, which post_form reports; raw.read lets them escape."""
    body = bytearray()
    for chunk in answer.iter_content(chunk_size=65536):
        body += chunk
        if len(body) >= MAX_BODY_BYTES:
            break
    return bytes(body[:MAX_BODY_BYTES])


def trusted_cas(ca_bundle: str = "") -> tuple[str, str]:
    """(file or directory, where it comes from) of the CAs a RequestsTransport for `ca_bundle` checks servers
    against, picked as requests picks them: `ca_bundle`; else REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE (which
    requests reads from the process environment); else certifi's bundle, requests' default. For `doctor`."""
    if ca_bundle:
        return os.path.expanduser(ca_bundle), "ca_bundle"
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(variable):
            return os.environ[variable], f"environment {variable}"
    return requests.utils.DEFAULT_CA_BUNDLE_PATH, "certifi's bundle, requests' default"


def proxy_for(url: str) -> str:
    """The proxy requests sends a request for `url` through (HTTPS_PROXY, ALL_PROXY, NO_PROXY... from the process
    environment), scheme, host and port only (never a user or password in it); "" for none. For `doctor`."""
    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url)) or ""
    if not proxy:
        return ""
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{parts.port}" if parts.port else "")


def _reason(exc: BaseException) -> str:
    """The innermost cause's message, short."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__
