"""Content negotiation and error rendering for every machine-facing route.

Formats are the ``ResultFormat`` enum (``lodpub.formats``). ``choose`` picks one from the
``Accept`` header (q-values honoured; among equal qualities the default comes first) or from a
``format``/``output`` parameter, which wins over Accept. Each HTTP error has a small named
function (``bad_request``, ``forbidden``, …) returning an ``HttpError``; raising it from a view
renders it as JSON for clients (``{"ok": false, "status", "title", "error"}``, Datasette style),
as HTML (``templates/error.html``) for browsers, or as plain text for clients that prefer it.
Nothing here reads the store.
"""

from __future__ import annotations

import logging

from flask import Flask, Request, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from lodpub.errors import LodpubError
from lodpub.formats import ResultFormat

log = logging.getLogger(__name__)
ERROR_TYPES = (  # how an error can be rendered, the default first
    "application/json", "text/html", "text/plain")


class HttpError(LodpubError):
    """An HTTP error with a message that is safe to show to the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> HttpError:
    """400: the request or the query is malformed."""
    return HttpError(400, message)


def forbidden(message: str) -> HttpError:
    """403: understood but not allowed (SPARQL Update on this read-only endpoint)."""
    return HttpError(403, message)


def not_found(message: str) -> HttpError:
    """404: nothing here."""
    return HttpError(404, message)


def not_acceptable(offered: list[ResultFormat], what: str) -> HttpError:
    """406: no format the client accepts can carry the answer."""
    types = ", ".join(f.media_type for f in offered)
    return HttpError(406, f"cannot answer {what} in any format your Accept header allows; "
                          f"available: {types} (or pass format=…)")


def payload_too_large(limit: int) -> HttpError:
    """413: the query or request body is larger than max_query_bytes."""
    return HttpError(413, f"request too large: queries are limited to {limit} bytes "
                          "(setting max_query_bytes)")


def unsupported_media_type(content_type: str) -> HttpError:
    """415: a POST body in a content type the protocol does not define for queries."""
    return HttpError(415, f"unsupported Content-Type {content_type!r}: POST a query as "
                          "application/sparql-query or application/x-www-form-urlencoded")


def service_unavailable(message: str, retry_after: int | None = None) -> HttpError:
    """503: the query was stopped at the time limit, or every worker is busy."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return HttpError(503, message, headers)


def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """The media ranges of an Accept header as (type, subtype, q), in header order."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q))
    return ranges


def quality(ranges: list[tuple[str, str, float]], media_type: str) -> float:
    """The q the client gives ``media_type``: that of the most specific matching range."""
    kind, _, sub = media_type.lower().partition("/")
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in ranges:
        if (r_kind, r_sub) == (kind, sub):
            level = 2
        elif r_kind == kind and r_sub == "*":
            level = 1
        elif (r_kind, r_sub) == ("*", "*"):
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def best_match(header: str | None, candidates: list[str]) -> str | None:
    """The candidate with the highest q (the earliest among equals), or None if all are 0."""
    ranges = parse_accept(header)
    if not ranges:
        return candidates[0] if candidates else None
    scored = [(quality(ranges, c), -i, c) for i, c in enumerate(candidates)]
    q, _, best = max(scored)
    return best if q > 0 else None


def choose(req: Request, offered: list[ResultFormat], what: str,
           *, param_names: tuple[str, ...] = ("format", "output")) -> ResultFormat:
    """The format to answer in: a ``format`` parameter first, then Accept, then the default."""
    for name in param_names:
        value = req.values.get(name)
        if value:
            for fmt in offered:
                if value.strip().lower() in fmt.names + fmt.media_types:
                    return fmt
            raise not_acceptable(offered, f"{what} as format={value!r}")
    ranges = parse_accept(req.headers.get("Accept"))
    if not ranges:
        return offered[0]
    scored = [(_format_quality(ranges, f), -i, f) for i, f in enumerate(offered)]
    q, _, best = max(scored, key=lambda t: (t[0], t[1]))
    if q <= 0:
        raise not_acceptable(offered, what)
    return best


def _format_quality(ranges: list[tuple[str, str, float]], fmt: ResultFormat) -> float:
    """A format's q: its canonical type by any range; an alias only when named exactly."""
    q = quality(ranges, fmt.media_type)
    for alias in fmt.other_types:
        kind, _, sub = alias.partition("/")
        exact = [rq for r_kind, r_sub, rq in ranges if (r_kind, r_sub) == (kind, sub)]
        if exact:
            q = max(q, exact[0])
    return q


def prefers_html(req: Request) -> bool:
    """Whether the client (a browser) ranks HTML above JSON and RDF."""
    header = req.headers.get("Accept")
    return bool(header) and best_match(header, ["application/json", "text/turtle",
                                                 "text/html"]) == "text/html"


def render_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON, HTML or text, by the request's Accept header."""
    title = _title(status)
    best = best_match(request.headers.get("Accept"), list(ERROR_TYPES)) or "application/json"
    if best == "text/html":
        response = Response(render_template("error.html", status=status, title=title,
                                            message=message), mimetype="text/html")
    elif best == "text/plain":
        response = Response(f"{status} {title}: {message}\n", mimetype="text/plain")
    else:
        response = jsonify(ok=False, status=status, title=title, error=message)
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["Vary"] = "Accept"
    return response


def _title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def install_error_handlers(app: Flask) -> None:
    """Render ``HttpError``, routing errors (404, 405, …) and crashes the same way."""

    @app.errorhandler(HttpError)
    def _http_error(exc: HttpError) -> Response:
        return render_error(exc.status, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(exc: HTTPException) -> Response:
        headers = dict(exc.get_response().headers)
        keep = {k: v for k, v in headers.items()
                if k in ("Allow", "Location", "Retry-After", "Content-Range")}  # 416: the length
        return render_error(exc.code or 500, exc.description or _title(exc.code or 500), keep)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:  # the one broad handler: log it, show no trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal error; it has been logged on the server")
