"""/health: whether the service can answer, and the state of its query engine.

A load balancer or a person checks it: 200 when every query worker is live (or the remote
engine answers and holds the release this server serves), 503 with Retry-After while the pool
is below strength (a replacement still starting or failing to start) or the remote engine is
away or holds another release, with the engine's state either way. It runs no query of the
data (over a remote engine, one read of the engine's record of what it holds).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from lodpub.web.publication import publication

bp = Blueprint("health", __name__)
OPENAPI = {
    "/health": {"get": {"summary": "the service's health and its query engine's state (JSON)",
                        "responses": {"200": {"description": "every query worker is live"},
                                      "503": {"description": "below strength; Retry-After"}}}},
}


@bp.get("/health")
def health() -> Response:
    """The engine's state as JSON; 503 while it is below strength."""
    pub = publication()
    state = pub.store.health()
    ok = state.get("full_strength", True)
    response = jsonify(ok=ok, version=pub.version, engine=state)
    response.headers["Cache-Control"] = "no-store"
    if not ok:
        response.status_code = 503
        response.headers["Retry-After"] = "2"
    return response
