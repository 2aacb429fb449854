"""HTTP to a remote SPARQL engine: its URL and credentials, kept-alive connections, deadlines.

Queries travel on the standard library's ``http.client`` rather than ``requests``: it costs a
fraction of the CPU per request, and its socket is at hand, so that every read of an answer
waits only for what is left of the query's deadline (a whole answer, not each read, is held
to the time limit). An engine that cannot be reached is ``EngineUnavailable`` (503 with
Retry-After); one that answers with an error status gets the lodpub error for it
(``status_error``).
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from lodpub.errors import (
    ConfigError,
    EngineFailure,
    EngineUnavailable,
    LodpubError,
    QuerySyntaxError,
    QueryTimeout,
)

CHUNK = 64 * 1024
CONNECT_WAIT = 5.0  # seconds for a TCP connection: longer means unreachable, not slow
DOWN_RETRY = 5  # Retry-After when the engine cannot be reached, in seconds
TIMEOUT_SIGNS = ("SR171", "Transaction timed out", "exceeds the limit of")  # Virtuoso's 500s


@dataclass(frozen=True)
class Endpoint:
    """An engine's URL without its credentials, and the credentials (URL userinfo) apart."""

    url: str
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``http://user:password@host:port/path`` -> the URL and the credentials."""
        parts = urlsplit(url.strip())
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            raise ConfigError(f"{url!r} is not the http(s) URL of a SPARQL endpoint")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host + (f":{port}" if port else "")
        bare = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(bare, user, password)

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(user, password) if the URL carried them."""
        return (self.user, self.password or "") if self.user is not None else None

    def basic_auth(self) -> dict[str, str]:
        """An Authorization header for HTTP Basic, if there are credentials."""
        if self.user is None:
            return {}
        pair = f"{self.user}:{self.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


class Connections:
    """Kept-alive HTTP connections to one endpoint; each carries one exchange at a time."""

    def __init__(self, endpoint: Endpoint, idle: int = 16):
        parts = urlsplit(endpoint.url)
        self.endpoint = endpoint
        self.kind = http.client.HTTPSConnection if parts.scheme == "https" \
            else http.client.HTTPConnection
        self.host, self.port = parts.hostname or "", parts.port
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.idle: list[http.client.HTTPConnection] = []
        self.most_idle = idle
        self.lock = threading.Lock()

    def post(self, body: bytes, accept: str, deadline: float) -> Exchange:
        """POST a form to the endpoint; the exchange once the status line and headers are in.

        Raises ``TimeoutError`` past the deadline and ``EngineUnavailable`` when the engine
        cannot be reached. A kept-alive connection the engine closed meanwhile is retried once.
        """
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
                   **self.endpoint.basic_auth()}
        for attempt in (1, 2):
            connection, reused = self._take()
            try:
                response = _send(connection, self.path, body, headers, deadline)
            except TimeoutError:
                connection.close()
                raise
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                if reused and attempt == 1:
                    continue
                raise EngineUnavailable(f"the SPARQL engine at {self.endpoint.url} cannot be "
                                        f"reached ({type(exc).__name__}: {exc})",
                                        retry_after=DOWN_RETRY) from None
            return Exchange(self, connection, response, deadline)
        raise AssertionError("unreachable")  # the second attempt returns or raises

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        with self.lock:
            if self.idle:
                return self.idle.pop(), True
        return self.kind(self.host, self.port), False

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        """Keep ``connection`` for another exchange (its last answer was read to the end)."""
        with self.lock:
            if len(self.idle) < self.most_idle:
                self.idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self.lock:
            idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()


def _send(connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict,
          deadline: float) -> http.client.HTTPResponse:
    if connection.sock is None:
        connection.timeout = max(0.001, min(deadline - time.monotonic(), CONNECT_WAIT))
        try:
            connection.connect()
        except TimeoutError as exc:  # no answer to connect: unreachable, not slow
            raise ConnectionError(f"no connection within {connection.timeout:.3g} s") from exc
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    connection.sock.settimeout(remaining)
    connection.request("POST", path, body, headers)
    return connection.getresponse()


@dataclass
class Exchange:
    """One answer being read from the engine, against the deadline."""

    connections: Connections
    connection: http.client.HTTPConnection
    response: http.client.HTTPResponse
    deadline: float
    done: bool = False

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return self.response.status

    def header(self, name: str) -> str | None:
        """A header of the answer."""
        return self.response.getheader(name)

    def read(self, size: int = CHUNK) -> bytes:
        """Up to ``size`` more bytes of the body (b"" at its end); ``TimeoutError`` past the
        deadline."""
        if self.done:
            return b""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        if self.connection.sock is not None:
            self.connection.sock.settimeout(remaining)
        data = self.response.read1(size)
        if not data:
            self.finish()
        return data

    def read_all(self) -> bytes:
        """The whole body."""
        parts = []
        while data := self.read():
            parts.append(data)
        return b"".join(parts)

    def finish(self) -> None:
        """The body was read to its end: the connection may carry another exchange."""
        if self.done:
            return
        self.done = True
        self.response.close()
        if self.response.will_close or self.connection.sock is None:
            self.connection.close()
        else:
            self.connections.give_back(self.connection)

    def abandon(self) -> None:
        """Stop reading; close the connection (the engine notices when it next writes)."""
        if self.done:
            return
        self.done = True
        sock = self.connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread
            except OSError:
                pass
        self.connection.close()


def read_json(exchange: Exchange, limit: float) -> dict:
    """A small JSON answer, read whole (lodpub's own queries: the record, counts)."""
    try:
        return json.loads(exchange.read_all())
    except TimeoutError:
        exchange.abandon()
        raise QueryTimeout(f"query stopped after {limit:g} s (the time limit)") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        exchange.abandon()
        raise EngineFailure(f"the SPARQL engine at {exchange.connections.endpoint.url} sent "
                            f"an unreadable answer ({exc})") from None


def status_error(exchange: Exchange, limit: float) -> LodpubError:
    """The lodpub error for an answer whose status is not 200 (its body read, up to 4 KB)."""
    url = exchange.connections.endpoint.url
    try:
        text = exchange.read(4096).decode("utf-8", "replace")
    except (TimeoutError, OSError, http.client.HTTPException):
        text = ""
    exchange.abandon()
    message = text.split("\nSPARQL query:")[0].strip()[:1000]  # Virtuoso repeats the query
    status = exchange.status
    if status == 400:
        return QuerySyntaxError(f"the SPARQL engine refused the query: {message}")
    if any(sign in message for sign in TIMEOUT_SIGNS):
        return QueryTimeout(f"query stopped after {limit:g} s (the engine's time limit: "
                            f"{message[:200]})")
    if status == 503:
        retry = exchange.header("Retry-After") or ""
        return EngineUnavailable(f"the SPARQL engine at {url} is unavailable ({message[:200]})",
                                 retry_after=int(retry) if retry.isdigit() else DOWN_RETRY)
    if status in (401, 403, 404):
        return EngineFailure(f"the SPARQL engine at {url} answered {status} ({message[:200]}): "
                             "check the store URL and its credentials")
    return EngineFailure(f"the SPARQL engine at {url} answered {status}: {message}")
