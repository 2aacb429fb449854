"""A cache of complete answers in memory, in front of the app: a release never changes.

An answer depends only on the data (one version per running app) and on the request: method,
path, query string, Content-Type, body, Accept, and the host and mount path its links were
built for. ``AnswerCacheMiddleware`` wraps the Flask app's WSGI callable and keys on exactly
those, plus the version, so a repeated request is answered with the bytes and headers the app
gave the first time, without Flask, the protocol code or the query engine. The app decides what
may be kept (``CACHEABLE``): the /sparql view marks a complete answer (one that was not
streamed) to a repeatable query (``PreparedQuery.repeatable``: no SERVICE, no function that
gives a new value each time); pages and documents mark their 200 answers. Errors, timeouts,
redirects, 304s and streamed answers are never marked, so never kept. A request whose
``If-None-Match`` names the kept answer's ETag gets 304 from the cache. ``create_app`` installs
it.

Requests without a Content-Length on POST, or larger than ``max_query_bytes``, go straight to
the app. Answers carry ``X-Lodpub-Cache: hit`` or ``miss``; every other header is the app's own
(ETag included). ``AnswerCache`` is an LRU bounded in bytes (setting ``result_cache_bytes``; 0
turns it off).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

CACHEABLE = "lodpub.answer_cacheable"  # environ flag a view sets on an answer that may be kept
HEADER = "X-Lodpub-Cache"
POSTED = "/sparql"  # the one path whose POST answers may be kept (queries by POST)
KEPT_ON_304 = ("ETag", "Vary", "Cache-Control", "Link")
ENTRY_OVERHEAD = 200  # bytes counted per entry beyond its key and body (objects, headers)
@dataclass(frozen=True)
class Answer:
    """A complete answer as the app gave it: status line, headers and body."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class AnswerCache:
    """A thread-safe LRU of ``Answer``s bounded by ``max_bytes`` (keys and bodies counted)."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 4 if max_entry_bytes is None else max_entry_bytes
        self._entries: OrderedDict[tuple, tuple[Answer, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        """Bytes currently counted against ``max_bytes``."""
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> Answer | None:
        """The answer kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, answer: Answer) -> bool:
        """Keep ``answer``, evicting the least recently used; False if it is too large."""
        cost = _cost(key, answer)
        if cost > self.max_entry_bytes or cost > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (answer, cost)
            self._size += cost
            while self._size > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self._size -= freed
        return True


def _cost(key: tuple, answer: Answer) -> int:
    size = ENTRY_OVERHEAD + len(answer.body) + sum(len(h) + len(v) for h, v in answer.headers)
    return size + sum(len(part) for part in key if isinstance(part, (str, bytes)))


def _not_modified(if_none_match: str, answer: Answer) -> bool:
    tag = next((v for k, v in answer.headers if k == "ETag"), None)
    if not tag or not if_none_match:
        return False
    wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in wanted or tag.removeprefix("W/") in wanted


class AnswerCacheMiddleware:
    """WSGI middleware answering repeated requests from an ``AnswerCache``."""

    def __init__(self, app: Callable, cache: AnswerCache, version: str, max_body: int):
        self.app, self.cache, self.version, self.max_body = app, cache, version, max_body

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Answer from the cache, or pass the request on and keep the answer if marked."""
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        found = self.cache.get(key)
        if found is not None:
            if _not_modified(environ.get("HTTP_IF_NONE_MATCH", ""), found):
                kept = [(k, v) for k, v in found.headers if k in KEPT_ON_304]
                start_response("304 NOT MODIFIED", [*kept, (HEADER, "hit")])
                return [b""]
            start_response(found.status, [*found.headers, (HEADER, "hit")])
            return [found.body]
        if "HTTP_IF_NONE_MATCH" in environ:
            return self.app(environ, start_response)  # the app answers 304 itself
        return self._miss(environ, start_response, key)

    def _key(self, environ: dict) -> tuple | None:
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if method != "GET" and not (method == "POST" and path == POSTED):
            return None
        if "HTTP_TRANSFER_ENCODING" in environ:
            return None
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or "")
            except ValueError:
                return None
            if not 0 <= length <= self.max_body:
                return None
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)  # the app reads the same bytes again
        return (self.version, method, environ.get("wsgi.url_scheme", ""),
                environ.get("HTTP_HOST", ""), environ.get("SCRIPT_NAME", ""), path,
                environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""), body,
                environ.get("HTTP_ACCEPT", ""))

    def _miss(self, environ: dict, start_response: Callable, key: tuple) -> Iterable[bytes]:
        seen: dict = {}

        def capture(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, [*headers, (HEADER, "miss")], exc_info)

        result = self.app(environ, capture)
        if not (environ.get(CACHEABLE) and seen.get("status", "").startswith("200")):
            return result
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        self.cache.put(key, Answer(seen["status"], tuple(seen["headers"]), body))
        return [body]
