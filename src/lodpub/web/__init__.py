"""The web application: ``create_app`` builds everything; nothing is built at import time.

Surfaces are blueprints, one module each, listed in ``BLUEPRINTS``: to add one, write the module
and add it there. Each module exposes ``bp`` (a Flask Blueprint) and ``OPENAPI`` (a dict of its
paths in OpenAPI 3 form, merged into /openapi.json; tests/test_openapi.py fails when a route
is missing from it). The app's ``Publication`` (settings, release, store) is reached with
``lodpub.web.publication.publication()``; errors are rendered by ``web.http.errors``; the
answer cache (``web.http.answercache``) sits in front of the app when it is turned on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from flask import Flask, Response, request

from lodpub.errors import LodpubError
from lodpub.query.remote import store_for
from lodpub.query.store import Store
from lodpub.release import Release
from lodpub.settings import Settings
from lodpub.web import downloads, health, openapi, pages, reconcile, resources, sparql
from lodpub.web.http.answercache import AnswerCache, AnswerCacheMiddleware
from lodpub.web.http.errors import install_error_handlers
from lodpub.web.http.site import label_table
from lodpub.web.publication import EXTENSION, Publication, publication

log = logging.getLogger(__name__)

BLUEPRINTS = (sparql, downloads, openapi, resources, pages, reconcile, health)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Content-Length, Link, Retry-After, "
                                     "X-Lodpub-Truncated, X-Lodpub-Max-Rows, X-Lodpub-Cache",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match, If-Modified-Since, "
                                    "Range",
    "Access-Control-Max-Age": "86400",
}


def _cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    # results echo user data (CSV, TSV, …): never let a browser sniff them into HTML
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


def create_app(settings: Settings, *, release: Release | None = None,
               data_files: Sequence[Path | str] = (), store: Store | None = None) -> Flask:
    """Build the Flask app serving ``data_files`` if given, else ``release`` (default: latest).

    ``store`` overrides the query backend; otherwise the settings choose it: the remote engine
    of the ``store`` setting (a ``RemoteStore`` serving ``release``, see docs/deploying.md),
    else an embedded store, which starts ``settings.workers`` query processes. A release is
    checked against its SHA256SUMS first (``Release.verify``): a damaged one is refused.
    """
    files = tuple(Path(f) for f in data_files)
    if not files and release is None:
        release = Release.latest(settings)
    verified = release.verify() if release is not None and not files else {}
    if store is None:
        store = store_for(settings, release=release, data_files=files)
    app = Flask(__name__)
    app.json.sort_keys = False
    pub = Publication(settings, None if files else release, store, files, verified)
    app.extensions[EXTENSION] = pub
    install_error_handlers(app)
    app.after_request(_cors)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    if settings.result_cache_bytes > 0:
        cache = AnswerCache(settings.result_cache_bytes)
        app.extensions["lodpub.answer_cache"] = cache
        app.wsgi_app = AnswerCacheMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, cache, pub.version, settings.max_query_bytes)
    return app


def warm_up(app: Flask) -> None:
    """Read what every page shares (the labels, the triples per graph) before a visitor needs it.

    On a large release this takes seconds; ``lodpub serve`` runs it in each worker as it starts,
    so the first visitors do not all wait for it (and build it side by side). An error here is
    left for the first page to meet and report.
    """
    started = time.monotonic()
    with app.app_context():
        try:
            found = len(label_table())
            publication().graph_counts()
        except LodpubError as exc:
            log.info("process %s: reading the pages' shared data stopped: %s", os.getpid(), exc)
            return
    log.info("process %s: the pages' shared data is ready (%d labels, %.1f s)", os.getpid(),
             found, time.monotonic() - started)
