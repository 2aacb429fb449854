"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only), and its service description.

One routing function (``endpoint``) and small named steps: ``protocol_request`` reads the
query and dataset from GET, POST form or POST ``application/sparql-query`` (no I/O), the
format is negotiated from the query form before anything runs (406 first), the store executes
it in a worker under the time limit, and the answer is streamed. A browser (HTML ranked first,
no ``format`` parameter) is sent to the query page, /query, with the same query (303). GET
answers carry an ETag (release version + request + format) and answer 304 to If-None-Match.
A complete answer to a repeatable query is marked for the answer cache (``answercache``), which
this blueprint puts in front of the app: a repeated request skips Flask and the query workers.

Row cap (``max_rows``): a cut result says so in the ``X-Lodpub-Truncated: true`` and
``X-Lodpub-Max-Rows`` headers and, in SPARQL JSON and XML, in the body with a standard
``link`` in the head (``urn:lodpub:truncated:max-rows=N``); SPARQL JSON also gets a top-level
``"lodpub": {"truncated": true, "max_rows": N}`` member, which result parsers ignore. CSV and
TSV have no place for it: the headers are the signal there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Request, Response, current_app, redirect, request
from flask.blueprints import BlueprintSetupState

from lodpub.errors import Overloaded, QueryError, QueryTimeout
from lodpub.formats import ResultFormat
from lodpub.query.scan import scan
from lodpub.query.store import (
    DatasetError,
    NotAcceptable,
    QueryResult,
    QuerySyntaxError,
    ServiceRefused,
    Unsupported,
    UpdateRefused,
)
from lodpub.web.http import negotiate
from lodpub.web.http.answercache import (
    CACHEABLE,
    AnswerCache,
    AnswerCacheMiddleware,
    answer_is_stable,
)
from lodpub.web.http.links import site_path
from lodpub.web.http.negotiate import bad_request, service_unavailable
from lodpub.web.views.servicedesc import service_description

bp = Blueprint("sparql", __name__)
QUERY_FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
READ_ONLY = ("this endpoint is read-only: SPARQL Update is not accepted here; "
             "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) to /sparql")

_RESULTS = {
    "description": "results in the negotiated format (or the service description without a "
                   "query); a row-capped SELECT says so in these headers and, in SPARQL JSON "
                   "and XML, with a head link urn:lodpub:truncated:max-rows=N",
    "headers": {
        "ETag": {"schema": {"type": "string"}, "description": "GET only"},
        "X-Lodpub-Truncated": {"schema": {"type": "string", "enum": ["true"]}},
        "X-Lodpub-Max-Rows": {"schema": {"type": "integer"}},
        "X-Lodpub-Cache": {"schema": {"type": "string", "enum": ["hit", "miss"]},
                           "description": "whether the answer came from the answer cache"},
    },
}
OPENAPI = {
    "/sparql": {
        "get": {
            "summary": "SPARQL 1.1 query (or the service description when no query is given)",
            "parameters": [
                {"name": "query", "in": "query", "schema": {"type": "string"}},
                {"name": "default-graph-uri", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "named-graph-uri", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "format", "in": "query", "schema": {"type": "string"},
                 "description": "json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, trig, "
                                "nquads (or a media type); overrides Accept"},
            ],
            "responses": {"200": _RESULTS, "304": {"description": "not modified (ETag)"},
                          "400": {"description": "malformed query or request, or an update"},
                          "406": {"description": "no acceptable format"},
                          "413": {"description": "query too large"},
                          "503": {"description": "stopped at the time limit, or busy"}},
        },
        "post": {
            "summary": "SPARQL 1.1 query by POST (form or application/sparql-query body)",
            "requestBody": {"content": {QUERY_FORM: {}, QUERY_BODY: {}}},
            "responses": {"200": _RESULTS,
                          "400": {"description": "malformed query or request, or an update"},
                          "415": {"description": "unsupported Content-Type"}},
        },
        "options": {"summary": "CORS preflight", "responses": {"204": {"description": "ok"}}},
    }
}


@dataclass
class ProtocolRequest:
    """A query and its protocol dataset, as read from the HTTP request."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


def _update_refused() -> negotiate.HttpError:
    # SPARQL 1.1 Protocol: an update sent to a query service is a bad request (400)
    return bad_request("an update was sent to the query endpoint; " + READ_ONLY)


def _single_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise bad_request(f"{len(values)} `query` parameters given; send exactly one")
    return values[0] if values else None


def _body(req: Request, limit: int) -> str:
    data = req.stream.read(limit + 1)
    if len(data) > limit:
        raise negotiate.payload_too_large(limit)
    charset = req.mimetype_params.get("charset", "utf-8")
    if charset.lower().replace("-", "") != "utf8":  # SPARQL 1.1 Protocol 2.1.3: UTF-8 only
        raise negotiate.HttpError(415, f"application/sparql-query is always UTF-8; this body "
                                       f"says charset={charset}: send the query in UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the query body is not valid UTF-8") from None


def protocol_request(req: Request, limit: int) -> ProtocolRequest:
    """Read the query and dataset of a protocol request, or raise the matching HttpError."""
    if req.content_length is not None and req.content_length > limit:
        raise negotiate.payload_too_large(limit)
    if len(req.query_string) > limit * 3:  # percent-encoding triples a byte at most
        raise negotiate.payload_too_large(limit)
    args = req.args
    if "update" in args:
        raise _update_refused()
    graphs = ("default-graph-uri", "named-graph-uri")
    if req.method != "POST":
        return ProtocolRequest(_single_query(args.getlist("query")),
                               *(args.getlist(g) for g in graphs))
    if not req.mimetype:
        raise bad_request("POST without Content-Type: use application/sparql-query or "
                          "application/x-www-form-urlencoded")
    if req.mimetype == UPDATE_BODY:
        raise _update_refused()
    if req.mimetype == QUERY_BODY:
        if "query" in args:
            raise bad_request("a query in both the URL and the body; send exactly one")
        return ProtocolRequest(_body(req, limit), *(args.getlist(g) for g in graphs))
    if req.mimetype == QUERY_FORM:
        form = req.form
        if "update" in form:
            raise _update_refused()
        query = _single_query(form.getlist("query") + args.getlist("query"))
        return ProtocolRequest(query, *(form.getlist(g) + args.getlist(g) for g in graphs))
    raise negotiate.unsupported_media_type(req.mimetype)


def _etag(version: str, req: Request, fmt: ResultFormat) -> str:
    key = f"{version}\0{req.query_string.decode('latin-1')}\0{fmt.name}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _execute(pr: ProtocolRequest, fmt: ResultFormat) -> QueryResult:
    store = current_app.extensions["lodpub"].store
    try:
        return store.execute(pr.query, result_format=fmt, default_graph_uris=pr.default_graphs,
                             named_graph_uris=pr.named_graphs)
    except (QuerySyntaxError, ServiceRefused, DatasetError, Unsupported) as exc:
        raise bad_request(str(exc)) from None
    except UpdateRefused:
        raise _update_refused() from None
    except NotAcceptable as exc:
        raise negotiate.HttpError(406, str(exc)) from None
    except QueryTimeout as exc:
        raise service_unavailable(str(exc)) from None
    except Overloaded as exc:
        raise service_unavailable(str(exc), retry_after=2) from None
    except QueryError as exc:
        raise negotiate.HttpError(500, str(exc)) from None


def _answer(pr: ProtocolRequest) -> Response:
    pub = current_app.extensions["lodpub"]
    info = scan(pr.query)
    graph = info.is_graph
    offered = ResultFormat.graphs() if graph else ResultFormat.results()
    fmt = negotiate.choose(request, offered, "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK")
    headers = {"Vary": "Accept"}
    if request.method == "GET":
        etag = _etag(pub.version, request, fmt)
        if request.if_none_match.contains(etag):
            return Response(status=304, headers={"ETag": f'"{etag}"', **headers})
        headers["ETag"] = f'"{etag}"'
    result = _execute(pr, fmt)
    if result.truncated:
        headers["X-Lodpub-Truncated"] = "true"
        headers["X-Lodpub-Max-Rows"] = str(result.max_rows)
    used = result.format or fmt
    if result.body is not None and not info.services and answer_is_stable(pr.query):
        request.environ[CACHEABLE] = True  # complete and repeatable: the answer cache may keep it
    body = result.body if result.body is not None else _noting_a_cut(result.chunks, used)
    return Response(body, headers=headers, content_type=used.content_type)


def _noting_a_cut(chunks: Iterator[bytes], fmt: ResultFormat) -> Iterator[bytes]:
    """Stream ``chunks``; if the answer is cut (time limit, worker lost), say so at its end.

    The status line went out with the first rows, so the cut itself is signalled the only way
    HTTP allows: the chunked body ends without its last chunk, which clients report as an
    incomplete read. Before that, a comment line in the format's own syntax (``#`` or an XML
    comment) says why, for whoever reads what arrived.
    """
    try:
        yield from chunks
    except QueryError as exc:
        note = f"lodpub: {exc}; this answer is incomplete"
        xml = fmt.media_type.endswith("xml")
        yield (f"\n<!-- {note} -->\n" if xml else f"\n# {note}\n").encode("utf-8")
        raise


@bp.record_once
def _install_answer_cache(state: BlueprintSetupState) -> None:
    """Put the answer cache (``answercache``) in front of the app, unless it is turned off."""
    pub = state.app.extensions["lodpub"]
    if pub.settings.result_cache_bytes > 0:
        cache = AnswerCache(pub.settings.result_cache_bytes)
        state.app.extensions["lodpub.answer_cache"] = cache
        state.app.wsgi_app = AnswerCacheMiddleware(  # type: ignore[method-assign]
            state.app.wsgi_app, cache, pub.version, pub.settings.max_query_bytes)


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    """SPARQL 1.1 Protocol: query by GET or POST; the service description when no query."""
    if request.method == "OPTIONS":
        return Response(status=204)
    pub = current_app.extensions["lodpub"]
    pr = protocol_request(request, pub.settings.max_query_bytes)
    if pr.query is None:
        if request.method == "POST":
            raise bad_request("no `query` given: POST a query as application/sparql-query "
                              "or as the `query` field of a form")
        if negotiate.prefers_html(request):
            return redirect(site_path("/query"), code=303)  # public_url's path included
        return service_description(pub, request)
    if not pr.query.strip():
        raise bad_request("the `query` parameter is empty")
    if len(pr.query.encode("utf-8")) > pub.settings.max_query_bytes:
        raise negotiate.payload_too_large(pub.settings.max_query_bytes)
    if request.method == "GET" and _browser_wants_page(request):
        return redirect(site_path("/query?" + urlencode({"query": pr.query})), code=303)
    return _answer(pr)


def _browser_wants_page(req: Request) -> bool:
    """A browser following a /sparql?query=… link (no format asked for) gets the query page."""
    return not (req.args.get("format") or req.args.get("output")) and negotiate.prefers_html(req)
