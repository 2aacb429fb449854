"""/openapi.json stays in step with the routes the app actually serves."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture(scope="module")
def app(tiny_app):
    return tiny_app


def openapi_path(rule: str) -> str:
    """``/downloads/<path:name>`` -> ``/downloads/{name}`` (any converter, e.g. ``any(...)``)."""
    return re.sub(r"<(?:[^<>]*:)?([A-Za-z_]\w*)>", r"{\1}", rule)


def api_rules(app):
    """Every routed rule except static files (stylesheets and scripts are not API)."""
    return [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[-1] != "static"]


def served_paths(app) -> set[str]:
    return {openapi_path(rule.rule) for rule in api_rules(app)}


def test_openapi_paths_match_routes(app):
    spec = json.loads(app.test_client().get("/openapi.json").data)
    assert set(spec["paths"]) == served_paths(app)


def test_openapi_methods_match_routes(app):
    spec = json.loads(app.test_client().get("/openapi.json").data)
    for rule in api_rules(app):
        path = openapi_path(rule.rule)
        documented = {m.upper() for m in spec["paths"][path]}
        assert (rule.methods - {"HEAD", "OPTIONS"}) <= documented, path


def test_openapi_path_conversion():
    assert openapi_path("/downloads/<path:name>") == "/downloads/{name}"
    assert openapi_path("/<any(id, claim):kind>/<path:rest>") == "/{kind}/{rest}"
    assert openapi_path("/ontology.<ext>") == "/ontology.{ext}"


def test_openapi_document_shape(app):
    spec = json.loads(app.test_client().get("/openapi.json", base_url="http://x.test:81").data)
    assert spec["openapi"].startswith("3.")
    assert spec["servers"] == [{"url": "/"}]  # x.test is not a trusted host: relative
    trusted = app.test_client().get("/openapi.json", base_url="http://localhost:81")
    assert json.loads(trusted.data)["servers"] == [{"url": "http://localhost:81/"}]
    truncation = spec["paths"]["/sparql"]["get"]["responses"]["200"]["headers"]
    assert "X-Lodpub-Truncated" in truncation
    for path, item in spec["paths"].items():
        assert path.startswith("/")
        for operation in item.values():
            assert operation["summary"] and operation["responses"], path
