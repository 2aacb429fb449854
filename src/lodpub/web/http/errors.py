"""Every error as the client asked for it: JSON for programs, HTML for browsers, or plain text.

One place maps errors to HTTP answers. A ``lodpub.errors.LodpubError`` carries its status (and
headers such as ``Retry-After``); a client's mistake (4xx) or an overload (503) shows its own
message, a server fault (5xx otherwise) shows a generic one and is logged with its traceback.
Routing errors from Werkzeug (404, 405, …) are rendered the same way. The JSON shape is
Datasette's: ``{"ok": false, "status", "title", "error"}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from lodpub.errors import SERVER_FAULT, LodpubError
from lodpub.web.http.negotiate import best_media_type

log = logging.getLogger(__name__)
ERROR_TYPES = ("application/json", "text/html", "text/plain")  # the default first
KEPT_HEADERS = ("Allow", "Location", "Retry-After", "Content-Range")  # 405, 416 and the like


def title(status: int) -> str:
    """The reason phrase of ``status``."""
    return HTTP_STATUS_CODES.get(status, "Error")


def render_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON, HTML or text, by the request's Accept header."""
    best = best_media_type(request.headers.get("Accept"), ERROR_TYPES) or ERROR_TYPES[0]
    if best == "text/html":
        response = Response(render_template("error.html", status=status, title=title(status),
                                            message=message), mimetype="text/html")
    elif best == "text/plain":
        response = Response(f"{status} {title(status)}: {message}\n", mimetype="text/plain")
    else:
        response = jsonify(ok=False, status=status, title=title(status), error=message)
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["Vary"] = "Accept"
    return response


def install_error_handlers(app: Flask) -> None:
    """Render lodpub's errors, routing errors and crashes the same way."""

    @app.errorhandler(LodpubError)
    def _lodpub_error(exc: LodpubError) -> Response:
        if exc.status >= 500 and exc.status != 503:
            log.error("%s on %s %s", exc, request.method, request.path, exc_info=exc)
        return render_error(exc.status, exc.public_message, exc.headers)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(exc: HTTPException) -> Response:
        headers = dict(exc.get_response().headers)
        kept = {k: v for k, v in headers.items() if k in KEPT_HEADERS}
        status = exc.code or 500
        return render_error(status, exc.description or title(status), kept)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:  # the one broad handler: log it, show no trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, SERVER_FAULT)
