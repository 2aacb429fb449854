"""The SPARQL 1.1 Protocol endpoint at /sparql (read-only), and its service description.

The path of a query is straight: ``protocol_request`` reads the query text and dataset from
GET, POST form or POST ``application/sparql-query`` (the size checked once, here), the store
prepares it once (``Store.prepare``: nesting, updates, SERVICE), the format is negotiated from
its form before anything runs (406 first), and the store executes the prepared query and
streams the answer. Every error is a ``lodpub.errors`` exception that knows its status
(``web.http.errors`` renders it). A browser (HTML ranked first, no ``format``) is sent to the
query page with the same query (303). GET answers carry an ETag (release, request, format) and
answer 304 to If-None-Match; a complete answer to a repeatable query is marked for the answer
cache that ``create_app`` puts in front of the app.

Row cap (``max_rows``): a cut result says so in the ``X-Lodpub-Truncated: true`` and
``X-Lodpub-Max-Rows`` headers and, in SPARQL JSON and XML, in the body with a standard
``link`` in the head (``urn:lodpub:truncated:max-rows=N``); SPARQL JSON also gets a top-level
``"lodpub": {"truncated": true, "max_rows": N}`` member, which result parsers ignore. CSV and
TSV have no place for it: the headers are the signal there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Request, Response, redirect, request

from lodpub.errors import (
    BadRequest,
    LodpubError,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpdateRefused,
)
from lodpub.formats import GRAPH_FORMATS, RESULT_FORMATS
from lodpub.query.scan import READ_ONLY
from lodpub.query.store import Dataset, QueryResult
from lodpub.web.http import negotiate
from lodpub.web.http.answercache import CACHEABLE
from lodpub.web.http.conditional import etag
from lodpub.web.http.site import persistent_or_site, site_path
from lodpub.web.publication import publication
from lodpub.web.views.rdfdocs import serialize
from lodpub.web.views.servicedesc import describe

bp = Blueprint("sparql", __name__)
FORMAT_NAMES = sorted({name for f in (*RESULT_FORMATS, *GRAPH_FORMATS) for name in f.names})
QUERY_FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"

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
_ERRORS = {"400": {"description": "malformed query or request, an update, a refused SERVICE, "
                                  "or a query nested deeper than the limit"},
           "406": {"description": "no acceptable format"},
           "413": {"description": "query too large"},
           "503": {"description": "stopped at the time or memory limit, or busy (Retry-After)"}}
OPENAPI = {
    "/sparql": {
        "get": {
            "summary": "SPARQL 1.1 query (or the service description when no query is given)",
            "parameters": [
                {"name": "query", "in": "query", "schema": {"type": "string", "minLength": 1}},
                {"name": "default-graph-uri", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "named-graph-uri", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "format", "in": "query",
                 "schema": {"type": "string", "enum": FORMAT_NAMES},
                 "description": "the answer's format (or one of its media types); overrides "
                                "Accept"},
            ],
            "responses": {"200": _RESULTS, "303": {"description": "browsers: the query page"},
                          "304": {"description": "not modified (ETag)"}, **_ERRORS},
        },
        "post": {
            "summary": "SPARQL 1.1 query by POST (form or application/sparql-query body)",
            "requestBody": {"required": True, "content": {
                QUERY_FORM: {"schema": {"type": "object", "required": ["query"], "properties": {
                    "query": {"type": "string", "minLength": 1},
                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "named-graph-uri": {"type": "array", "items": {"type": "string"}}}}},
                QUERY_BODY: {"schema": {"type": "string", "minLength": 1}}}},
            "responses": {"200": _RESULTS, **_ERRORS,
                          "415": {"description": "unsupported Content-Type or charset"}},
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

    @property
    def dataset(self) -> Dataset:
        """The protocol dataset the request names (empty: the store's own)."""
        return Dataset(tuple(self.default_graphs), tuple(self.named_graphs))


def _update_refused() -> UpdateRefused:
    # SPARQL 1.1 Protocol: an update sent to a query service is a bad request (400)
    return UpdateRefused("an update was sent to the query endpoint; " + READ_ONLY)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request too large: queries are limited to {limit} bytes "
                           "(setting max_query_bytes)")


def _single_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"{len(values)} `query` parameters given; send exactly one")
    return values[0] if values else None


def _body(req: Request, limit: int) -> str:
    data = req.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    charset = req.mimetype_params.get("charset", "utf-8")
    if charset.lower().replace("-", "") != "utf8":  # SPARQL 1.1 Protocol 2.1.3: UTF-8 only
        raise UnsupportedMediaType(f"application/sparql-query is always UTF-8; this body "
                                   f"says charset={charset}: send the query in UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the query body is not valid UTF-8") from None


def protocol_request(req: Request, limit: int) -> ProtocolRequest:
    """Read the query and dataset of a protocol request, or raise the client's error.

    The request's size is checked here, once: its Content-Length, the body as read, and the
    query string (percent-encoding triples a byte at most).
    """
    if (req.content_length is not None and req.content_length > limit) \
            or len(req.query_string) > limit * 3:
        raise _too_large(limit)
    args = req.args
    if "update" in args:
        raise _update_refused()
    graphs = ("default-graph-uri", "named-graph-uri")
    if req.method != "POST":
        return ProtocolRequest(_single_query(args.getlist("query")),
                               *(args.getlist(g) for g in graphs))
    if not req.mimetype:
        raise BadRequest("POST without Content-Type: use application/sparql-query or "
                         "application/x-www-form-urlencoded")
    if req.mimetype == UPDATE_BODY:
        raise _update_refused()
    if req.mimetype == QUERY_BODY:
        if "query" in args:
            raise BadRequest("a query in both the URL and the body; send exactly one")
        return ProtocolRequest(_body(req, limit), *(args.getlist(g) for g in graphs))
    if req.mimetype == QUERY_FORM:
        form = req.form
        if "update" in form:
            raise _update_refused()
        query = _single_query(form.getlist("query") + args.getlist("query"))
        return ProtocolRequest(query, *(form.getlist(g) + args.getlist(g) for g in graphs))
    raise UnsupportedMediaType(f"unsupported Content-Type {req.mimetype!r}: POST a query as "
                               "application/sparql-query or application/x-www-form-urlencoded")


def requested_format(req: Request) -> str | None:
    """The ``format`` (or ``output``) parameter, which wins over Accept."""
    return req.values.get("format") or req.values.get("output") or None


def _answer(pr: ProtocolRequest) -> Response:
    pub = publication()
    query = pub.store.prepare(pr.query or "")
    offered = GRAPH_FORMATS if query.is_graph else RESULT_FORMATS
    fmt = negotiate.choose(offered, "CONSTRUCT/DESCRIBE" if query.is_graph else "SELECT/ASK",
                           accept=request.headers.get("Accept"),
                           requested=requested_format(request))
    headers = {"Vary": "Accept"}
    if request.method == "GET":
        tag = etag(request.query_string.decode("latin-1"), fmt.name)
        if request.if_none_match.contains(tag):
            return Response(status=304, headers={"ETag": f'"{tag}"', **headers})
        headers["ETag"] = f'"{tag}"'
    result = pub.store.execute(query, fmt, dataset=pr.dataset)
    if result.truncated:
        headers["X-Lodpub-Truncated"] = "true"
        headers["X-Lodpub-Max-Rows"] = str(result.max_rows)
    if result.body is not None and query.repeatable:
        request.environ[CACHEABLE] = True  # complete and repeatable: the answer cache may keep it
    body = result.body if result.body is not None else _noting_a_cut(result)
    return Response(body, headers=headers, content_type=fmt.content_type)


def _noting_a_cut(result: QueryResult) -> Iterator[bytes]:
    """Stream the answer; if it is cut (time or memory limit, worker lost), say so at its end.

    The status line went out with the first rows, so the cut itself is signalled the only way
    HTTP allows: the chunked body ends without its last chunk, which clients report as an
    incomplete read. Before that, a comment line in the format's own syntax (``#`` or an XML
    comment) says why, for whoever reads what arrived.
    """
    try:
        yield from result.chunks
    except LodpubError as exc:
        note = f"lodpub: {exc}; this answer is incomplete"
        xml = result.format.media_type.endswith("xml")
        yield (f"\n<!-- {note} -->\n" if xml else f"\n# {note}\n").encode("utf-8")
        raise


def service_description() -> Response:
    """The negotiated service description (Turtle unless asked otherwise)."""
    pub = publication()
    fmt = negotiate.choose(GRAPH_FORMATS, "the service description",
                           accept=request.headers.get("Accept"),
                           requested=requested_format(request))
    graph = describe(persistent_or_site("/sparql"), pub.graph_counts(),
                     default_graphs=pub.default_graphs,
                     federated=bool(pub.settings.service_allowlist),
                     in_dataset=pub.release is not None)
    return Response(serialize(graph, fmt), content_type=fmt.content_type,
                    headers={"Vary": "Accept"})


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    """SPARQL 1.1 Protocol: query by GET or POST; the service description when no query."""
    if request.method == "OPTIONS":
        return Response(status=204)
    pub = publication()
    pr = protocol_request(request, pub.settings.max_query_bytes)
    accept = request.headers.get("Accept")
    if pr.query is None:
        if request.method == "POST":
            raise BadRequest("no `query` given: POST a query as application/sparql-query "
                             "or as the `query` field of a form")
        if negotiate.prefers_html(accept):
            return redirect(site_path("/query"), code=303)  # public_url's path included
        return service_description()
    if not pr.query.strip():
        raise BadRequest("the `query` parameter is empty")
    if request.method == "GET" and not requested_format(request) \
            and negotiate.prefers_html(accept):  # a browser following a /sparql?query= link
        return redirect(site_path("/query?" + urlencode({"query": pr.query})), code=303)
    return _answer(pr)

