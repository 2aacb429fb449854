"""/reconcile: the W3C Entity Reconciliation API 0.2 (what OpenRefine speaks) over the entities.

GET /reconcile without parameters returns the service manifest; ``queries=`` (POST form, or
GET) carries a reconciliation query batch and ``extend=`` a data extension query (property
values of reconciled entities, ``wikidata`` among them); suggest services for entities, types
and properties, data extension property proposals and an HTML preview are declared in the
manifest. Every JSON answer is also served as JSONP
when a ``callback`` parameter names a JavaScript function. Matching lives in
``lodpub.curate.entity_index``; this module only speaks HTTP.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from markupsafe import escape

from lodpub import __version__
from lodpub.curate.entity_index import Index, load_index
from lodpub.errors import BadRequest, NotFound, PayloadTooLarge
from lodpub.namespaces import ID, LPO
from lodpub.query.store import RELEASE_QUERY_TIMEOUT
from lodpub.web.http.site import persistent_or_site
from lodpub.web.publication import publication

bp = Blueprint("reconcile", __name__)
BATCH_SIZE = 50
PREVIEW_SIZE = {"width": 430, "height": 160}
_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")  # matched whole (fullmatch)
MAX_LIMIT = 1000
_VALUE = {"anyOf": [{"type": ["string", "number", "boolean"]},
                    {"type": "object", "properties": {"id": {"type": "string"}},
                     "required": ["id"]}]}
QUERY_SCHEMA = {  # one query of a batch, as the Reconciliation API 0.2 defines it
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "type": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        "type_strict": {"enum": ["any", "all", "should"]},
        "properties": {"type": "array", "items": {
            "type": "object", "required": ["pid", "v"],
            "properties": {"pid": {"type": "string"},
                           "v": {"anyOf": [_VALUE, {"type": "array", "items": _VALUE}]}}}},
    },
}
EXTEND_SCHEMA = {  # a data extension query
    "type": "object", "required": ["ids", "properties"],
    "properties": {
        "ids": {"type": "array", "items": {"type": "string"}},
        "properties": {"type": "array", "items": {
            "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}},
    },
}

_json = {"200": {"description": "JSON (or JSONP with callback=)"},
         "400": {"description": "a malformed parameter; the error says which"}}
_callback = {"name": "callback", "in": "query", "description": "JSONP function name",
             "schema": {"type": "string", "pattern": "^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$"}}
_prefix = [{"name": "prefix", "in": "query", "required": True,
            "schema": {"type": "string", "pattern": "\\S"}},
           {"name": "cursor", "in": "query",
            "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999}}, _callback]
OPENAPI = {
    "/reconcile": {
        "get": {"summary": "service manifest, or queries=<batch JSON>, or extend=<JSON>",
                "parameters": [
                    {"name": "queries", "in": "query",
                     "content": {"application/json": {"schema": {
                         "type": "object", "additionalProperties": QUERY_SCHEMA}}}},
                    {"name": "extend", "in": "query",
                     "content": {"application/json": {"schema": EXTEND_SCHEMA}}},
                    _callback],
                "responses": {**_json, "413": {"description": "batch too large"}}},
        "post": {"summary": "a reconciliation query batch (form field queries) or a data "
                            "extension query (form field extend)",
                 "requestBody": {"content": {"application/x-www-form-urlencoded": {
                     "schema": {"type": "object",
                                "properties": {"queries": {"type": "object",
                                                           "additionalProperties": QUERY_SCHEMA},
                                               "extend": EXTEND_SCHEMA}},
                     "encoding": {"queries": {"contentType": "application/json"},
                                  "extend": {"contentType": "application/json"}}}}},
                 "responses": {**_json, "413": {"description": "batch too large"}}},
    },
    "/reconcile/suggest/entity": {"get": {"summary": "entity auto-complete",
                                          "parameters": _prefix, "responses": _json}},
    "/reconcile/suggest/type": {"get": {"summary": "type auto-complete",
                                        "parameters": _prefix, "responses": _json}},
    "/reconcile/suggest/property": {"get": {"summary": "property auto-complete",
                                            "parameters": _prefix, "responses": _json}},
    "/reconcile/properties": {"get": {
        "summary": "properties proposed for data extension of a type",
        "parameters": [{"name": "type", "in": "query", "schema": {"type": "string"}},
                       {"name": "limit", "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999}},
                       _callback],
        "responses": _json}},
    "/reconcile/preview": {"get": {
        "summary": "HTML preview of an entity",
        "parameters": [{"name": "id", "in": "query", "required": True,
                        "schema": {"type": "string", "minLength": 1}}],
        "responses": {"200": {"description": "HTML"},
                      "400": {"description": "no id given"},
                      "404": {"description": "unknown id"}}}},
}


def index() -> Index:
    """The reconciliation index of the served release, built once per version."""
    pub = publication()
    return pub.memo("reconcile-index", lambda: load_index(
        lambda q: pub.store.select(q, timeout=RELEASE_QUERY_TIMEOUT)))


def _reply(payload: Any) -> Response:
    callback = request.args.get("callback")
    if callback is None:
        return jsonify(payload)
    if not _CALLBACK.fullmatch(callback):
        raise BadRequest("callback must be a JavaScript function name (letters, digits, _ $ .)")
    body = f"/**/{callback}({json.dumps(payload)});"
    return Response(body, mimetype="application/javascript")


def _default_types(idx: Index) -> list[dict[str, str]]:
    used = {t for entry in idx.entries.values() for t in entry.types}
    tops = {a for t in used for a in idx.ancestors.get(t, {t})
            if not (idx.ancestors.get(a, {a}) - {a})}
    return [idx.type_view(t) for t in sorted(tops)]


def _service_name() -> str:
    """What OpenRefine lists the service as: the entities of this release's documents."""
    release = publication().release
    count = len(release.manifest.get("sources", [])) if release is not None else 0
    if not count:
        return "lodpub entities"
    return f"lodpub entities of {count} source document{'' if count == 1 else 's'}"


def manifest() -> dict[str, Any]:
    """The service manifest: spaces, view, preview and suggest services."""
    root = persistent_or_site("")
    idx = index()
    suggest = {kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
               for kind in ("entity", "type", "property")}
    return {
        "versions": ["0.2"],
        "name": _service_name(),
        "identifierSpace": str(ID),
        "schemaSpace": str(LPO),
        "documentation": f"{root}/openapi.json",
        "serviceVersion": __version__,
        "defaultTypes": _default_types(idx),
        "view": {"url": f"{root}/id/{{{{id}}}}"},
        "preview": {"url": f"{root}/reconcile/preview?id={{{{id}}}}", **PREVIEW_SIZE},
        "suggest": suggest,
        "extend": {"propose_properties": {"service_url": root,
                                          "service_path": "/reconcile/properties"},
                   "property_settings": []},
        "batchSize": BATCH_SIZE,
    }


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: str, what: str) -> Any:
    """JSON as the standard defines it (no NaN or Infinity), or a 400 saying what is wrong."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequest(f"{what} nests too deeply to be read") from None
    except ValueError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def _check(value: Any, schema: dict, what: str) -> None:
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
    if error is not None:
        where = "".join(f"[{json.dumps(p)}]" for p in error.absolute_path)
        raise BadRequest(f"{what}{where}: {error.message[:200]}")


def _batch(raw: str) -> dict[str, dict[str, Any]]:
    batch = parse_json(raw, "queries")
    if not isinstance(batch, dict):
        raise BadRequest('queries must be a JSON object of queries: {"q0": {"query": "…"}}')
    for key, value in batch.items():
        if not isinstance(value, dict):
            raise BadRequest(f"query {key!r} must be an object such as {{\"query\": \"…\"}}, "
                             f"not {json.dumps(value)[:80]}")
    if len(batch) > BATCH_SIZE:
        raise PayloadTooLarge(f"at most {BATCH_SIZE} queries per batch (the manifest's "
                              "batchSize); split the batch")
    for key, query in batch.items():
        _check(query, QUERY_SCHEMA, f"query {key!r}")
        if not query.get("query", "").strip() and not query.get("properties"):
            raise BadRequest(f"query {key!r} has neither a query string nor properties")
    return batch


@bp.route("/reconcile", methods=["GET", "POST"])
def reconcile() -> Response:
    """Manifest (GET without parameters) or the results of a query batch."""
    raw = request.values.get("queries")
    extension = request.values.get("extend")
    if extension is not None:
        ids, pids = _extension(extension)
        return _reply(index().extend(ids, pids))
    if raw is None:
        return _reply(manifest())
    batch = _batch(raw)
    idx = index()
    return _reply({key: {"result": idx.reconcile(query)} for key, query in batch.items()})


def _extension(raw: str) -> tuple[list[str], list[str]]:
    query = parse_json(raw, "extend")
    _check(query, EXTEND_SCHEMA, 'extend (shape: {"ids": ["<entity id>", …], "properties": '
                                 '[{"id": "<property id>"}, …]})')
    ids = list(query["ids"])
    pids = [p["id"] for p in query["properties"]]
    if len(ids) > BATCH_SIZE * 10:
        raise PayloadTooLarge(f"at most {BATCH_SIZE * 10} ids per data extension query")
    return ids, pids


@bp.get("/reconcile/properties")
def propose_properties() -> Response:
    """Properties to fetch by data extension for entities of a type (``type=``, ``limit=``)."""
    type_id = request.args.get("type", "")
    limit = _whole_number("limit", 20, low=1)
    answer = {"type": type_id, "limit": limit,
              "properties": index().propose_properties(type_id, limit)}
    return _reply(answer)


def _whole_number(name: str, default: int, *, low: int) -> int:
    """An ASCII whole-number parameter (at most 9 digits), or a 400 naming it."""
    value = request.args.get(name, str(default)).strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise BadRequest(f"{name} must be a whole number (at most 9 digits), not {value[:20]!r}")
    return max(low, int(value))


def _cursor() -> int:
    return _whole_number("cursor", 0, low=0)


def _prefix_arg() -> str:
    prefix = request.args.get("prefix", "").strip()
    if not prefix:
        raise BadRequest("give the text typed so far as prefix=…")
    return prefix


@bp.get("/reconcile/suggest/entity")
def suggest_entity() -> Response:
    """Entities by prefix of label or alias."""
    return _reply({"result": index().suggest_entities(_prefix_arg(), _cursor())})


@bp.get("/reconcile/suggest/type")
def suggest_type() -> Response:
    """Ontology classes by name."""
    idx = index()
    return _reply({"result": idx.suggest_terms(idx.type_names, _prefix_arg(), _cursor())})


@bp.get("/reconcile/suggest/property")
def suggest_property() -> Response:
    """Ontology properties (and ``wikidata``) by name."""
    idx = index()
    return _reply({"result": idx.suggest_terms(idx.property_names, _prefix_arg(), _cursor())})


@bp.get("/reconcile/preview")
def preview() -> Response:
    """A small HTML card for one entity, for OpenRefine's preview pop-up."""
    idx = index()
    if not request.args.get("id"):
        raise BadRequest("give the entity to preview as id=… (a slug under " + str(ID) + ")")
    entry = idx.entries.get(request.args["id"])
    if entry is None:
        raise NotFound("no entity with that id; ids are the slugs under " + str(ID))
    types = ", ".join(idx.type_view(t)["name"] for t in entry.types)
    aliases = "; ".join(entry.aliases)
    page = persistent_or_site(f"/id/{entry.id}")
    wikidata = (f' · <a href="https://www.wikidata.org/wiki/{escape(entry.qid)}" '
                f'target="_blank">{escape(entry.qid)}</a>') if entry.qid else ""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{escape(entry.label)}</title></head><body style="font:14px sans-serif;margin:6px">'
        f'<a href="{escape(page)}" target="_blank"><strong>{escape(entry.label)}</strong></a>'
        f'<div>{escape(types)}{wikidata}</div>'
        + (f"<div>Also: {escape(aliases)}</div>" if aliases else "")
        + (f"<p>{escape(entry.description)}</p>" if entry.description else "")
        + "</body></html>"
    )
    return Response(body, mimetype="text/html")
