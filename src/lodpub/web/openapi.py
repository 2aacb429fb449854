"""/openapi.json: the OpenAPI 3 description of the HTTP API, assembled from the blueprints.

Each blueprint module in ``web.BLUEPRINTS`` declares its own paths in ``OPENAPI``; this module
only merges them, so the description lives next to the routes it describes.
tests/test_openapi.py compares the result with ``app.url_map``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from lodpub import __version__
from lodpub.web.http.site import site_root
from lodpub.web.publication import publication

bp = Blueprint("api", __name__)

OPENAPI = {
    "/openapi.json": {"get": {"summary": "this OpenAPI description",
                              "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
}
# Answers any operation can give: the query workers busy, or a query past its time or memory
# limit (pages query the store too), always with Retry-After.
UNAVAILABLE = {"description": "busy, or a query stopped at its time or memory limit; retry "
                              "after the Retry-After seconds",
               "headers": {"Retry-After": {"schema": {"type": "integer"}}}}
WHOLE_NUMBER = {"type": "integer", "minimum": 0, "maximum": 999_999_999}


def spec(blueprints, version: str, server_url: str = "/") -> dict:
    """The OpenAPI document for the given blueprint modules, served at ``server_url``."""
    paths: dict = {}
    for module in blueprints:
        paths.update(getattr(module, "OPENAPI", {}))
    for operations in paths.values():
        for method, operation in operations.items():
            if method != "options":
                operation["responses"] = {"503": UNAVAILABLE, **operation["responses"]}
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

    return jsonify(spec(BLUEPRINTS, publication().version, site_root() + "/"))
