"""/openapi.json: the OpenAPI 3 description of the HTTP API, assembled from the blueprints.

Each blueprint module in ``web.BLUEPRINTS`` declares its own paths in ``OPENAPI``; this module
only merges them, so the description lives next to the routes it describes.
tests/test_openapi.py compares the result with ``app.url_map``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from lodpub import __version__

bp = Blueprint("api", __name__)

OPENAPI = {
    "/openapi.json": {"get": {"summary": "this OpenAPI description",
                              "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
}


def spec(blueprints, version: str, server_url: str = "/") -> dict:
    """The OpenAPI document for the given blueprint modules, served at ``server_url``."""
    paths: dict = {}
    for module in blueprints:
        paths.update(getattr(module, "OPENAPI", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": "lodpub", "version": __version__,
                 "description": f"Linked open data publication, release {version}: SPARQL 1.1 "
                                "endpoint, Linked Data pages and downloads."},
        "servers": [{"url": server_url}],
        "paths": dict(sorted(paths.items())),
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI description of every route this app serves."""
    from lodpub.web import BLUEPRINTS

    pub = current_app.extensions["lodpub"]
    root = pub.settings.public_url.rstrip("/") if pub.settings.public_url else request.url_root
    return jsonify(spec(BLUEPRINTS, pub.version, root.rstrip("/") + "/"))
