"""The web application: ``create_app`` builds everything; nothing is built at import time.

Surfaces are blueprints, one module each, listed in ``BLUEPRINTS`` (module names): to add one,
append a line. Each module exposes ``bp`` (a Flask Blueprint) and ``OPENAPI`` (a dict of its
paths in OpenAPI 3 form, merged into /openapi.json; tests/test_openapi.py fails when a route
is missing from it).

``app.extensions["lodpub"]`` is a ``Publication`` with this stable public shape:

- ``settings``: the frozen ``lodpub.settings.Settings``;
- ``release``: the served ``lodpub.release.Release``, or None in ``serve --data`` mode;
- ``store``: the ``lodpub.query.store.Store`` every query goes through (``execute``, ``select``,
  ``construct``, ``ask``);
- ``data_files``: the RDF files served in ``--data`` mode (empty for a release);
- ``version``: the release version, or ``data-<digest>`` for data files (used in ETags);
- ``union_default_graph``: whether the default graph is the union of the named graphs;
- ``graph_counts()``: triples per graph (``None`` key = the default graph), computed once;
- ``close()``: stops the query workers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from flask import Flask, Response, request

from lodpub.query.store import Store, open_store
from lodpub.release import Release
from lodpub.settings import Settings
from lodpub.web import downloads, openapi, pages, reconcile, resources, sparql
from lodpub.web.http.negotiate import install_error_handlers

BLUEPRINTS: tuple[ModuleType, ...] = (sparql, downloads, openapi, resources, pages, reconcile)

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


@dataclass
class Publication:
    """What the app serves: settings, release (or data files) and the store (see module doc)."""

    settings: Settings
    release: Release | None
    store: Store
    data_files: tuple[Path, ...] = field(default_factory=tuple)

    @cached_property
    def version(self) -> str:
        """The release version, or a digest of the data files' paths, sizes and times."""
        if self.release is not None:
            return self.release.version
        digest = hashlib.sha256()
        for path in self.data_files:
            stat = path.stat()
            digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return "data-" + digest.hexdigest()[:12]

    @property
    def union_default_graph(self) -> bool:
        """A release's default graph is the union of its graphs; ``--data`` files keep theirs."""
        return self.release is not None

    @cached_property
    def _counts(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        rows = self.store.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", timeout=60
        )
        for row in rows:
            counts[str(row["g"])] = int(row["n"])
        total = self.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=60)
        counts[None] = int(total[0]["n"])
        return counts

    def graph_counts(self) -> dict[str | None, int]:
        """Triples per named graph IRI, and under ``None`` the default graph's count."""
        return dict(self._counts)

    def close(self) -> None:
        """Stop the store's workers."""
        self.store.close()


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

    ``store`` overrides the query backend (e.g. a ``RemoteStore``); otherwise an
    ``OxigraphStore`` is opened, which starts ``settings.workers`` query processes.
    """
    files = tuple(Path(f) for f in data_files)
    if not files and release is None:
        release = Release.latest(settings)
    if store is None:
        store = open_store(settings, release=release, data_files=files)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["lodpub"] = Publication(settings, None if files else release, store, files)
    install_error_handlers(app)
    app.after_request(_cors)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    return app
