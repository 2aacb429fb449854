"""Dereferencing: every IRI lodpub mints answers, for people and for programs.

``GET /id/iraq`` (the thing) answers ``303 See Other`` to ``/id/iraq.html`` or to a data
document (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``) by the ``Accept`` header; each document also
has its own URL, and ``Link`` headers name the alternates. Unknown IRIs get a 404 page that
suggests near matches. The same scheme covers ``/claim/…``, ``/source/…``, ``/ontology``,
``/ontology/<term>``, ``/vocab/…`` and ``/graph/…``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from rdflib import URIRef

from lodpub.namespaces import (
    BASE,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    GRAPH_WIKIDATA,
    ONTOLOGY_IRI,
)
from lodpub.web.http.links import local_url, page_url
from lodpub.web.views import documents
from lodpub.web.views.describe import known_iri
from lodpub.web.views.labels import labels
from lodpub.web.views.memo import per_release
from lodpub.web.views.rdfdocs import DOC_FORMATS, FORMAT_BY_EXT, MEDIA_ALIASES, DocFormat

# The contract's named graphs answer even when a release leaves one empty (e.g. no reasoning).
NAMED_GRAPHS = {str(g) for g in (GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_CLAIMS, GRAPH_INFERRED,
                                 GRAPH_LINKS, GRAPH_WIKIDATA)}
KINDS_DOC = ("id", "claim", "source", "vocab", "graph", "ontology", "shapes")
bp = Blueprint("resources", __name__)

_deref = {"303": {"description": "See Other: the HTML page or data document, by Accept "
                                 "(or ?format=html|ttl|jsonld|nt|rdf)"},
          "200": {"description": "a document, when the path ends in .html, .ttl, .jsonld, "
                                 ".nt or .rdf"},
          "404": {"description": "not an IRI of this release (HTML page with near matches)"},
          "406": {"description": "no acceptable format"}}
DEREF_RESPONSES = _deref  # the same answers for the dataset IRI (web/downloads.py)
OPENAPI = {
    "/ontology": {"get": {"summary": "the ontology IRI (303 to its documentation or RDF)",
                          "responses": _deref}},
    "/ontology.{ext}": {"get": {"summary": "the ontology's documentation or RDF document",
                                "parameters": [{"name": "ext", "in": "path", "required": True,
                                                "schema": {"type": "string"}}],
                                "responses": _deref}},
    "/shapes/": {"get": {"summary": "the SHACL shapes IRI (303 to the list of shapes or RDF)",
                         "responses": _deref}},
    "/shapes.{ext}": {"get": {"summary": "every SHACL shape of the release, HTML or RDF",
                              "parameters": [{"name": "ext", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
                              "responses": _deref}},
    "/{kind}/{rest}": {"get": {
        "summary": "any IRI lodpub mints: /id/…, /claim/…, /source/…, /vocab/…, /graph/…, "
                   "/ontology/<term>; add an extension for a document",
        "parameters": [{"name": "kind", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": list(KINDS_DOC)}},
                       {"name": "rest", "in": "path", "required": True,
                        "schema": {"type": "string"}},
                       {"name": "page", "in": "query", "schema": {"type": "integer"}}],
        "responses": _deref}},
}

# Paths we will put into a SPARQL IRI: no spaces, quotes, angle brackets or braces.
SAFE_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/%-]+$")
KNOWN_IRIS = """SELECT DISTINCT ?x WHERE {
  { ?x ?p ?o } UNION { ?s ?p ?x } UNION { GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } } }
  UNION { GRAPH ?x { ?a ?b ?c } }
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "%s")) }"""


def _split(path: str) -> tuple[str, DocFormat | None]:
    """``id/iraq.ttl`` -> (``id/iraq``, Turtle); without a known extension -> (path, None)."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in FORMAT_BY_EXT and "/" not in ext:
        return stem, FORMAT_BY_EXT[ext]
    return path, None


def negotiate() -> DocFormat | None:
    """The document format the client prefers (HTML when it states no preference)."""
    wanted = request.args.get("format", "")
    if wanted in FORMAT_BY_EXT:
        return FORMAT_BY_EXT[wanted]
    if not request.headers.get("Accept"):
        return FORMAT_BY_EXT["html"]
    offers = [f.media_type for f in DOC_FORMATS] + list(MEDIA_ALIASES)
    best = request.accept_mimetypes.best_match(offers)
    if best is None:
        return None
    ext = MEDIA_ALIASES.get(best) or next(f.ext for f in DOC_FORMATS if f.media_type == best)
    return FORMAT_BY_EXT[ext]


def link_header(path: str, current: DocFormat | None) -> str:
    """``Link`` header naming every document of ``path`` (and the licence)."""
    parts = [
        f'<{local_url(BASE + path)}.{f.ext}>; rel="alternate"; type="{f.media_type}"'
        for f in DOC_FORMATS
        if f is not current
    ]
    if current is not None:
        parts.append(f'<{local_url(BASE + path)}>; rel="describes"')
    parts.append(f'<{current_app.extensions["lodpub"].settings.license}>; rel="license"')
    return ", ".join(parts)


def see_other(path: str) -> Response:
    """303 from the thing to the document the client asked for, or 406 with the choices."""
    fmt = negotiate()
    if fmt is None:
        choices = ", ".join(f.media_type for f in DOC_FORMATS)
        abort(406, description=f"{BASE + path} is available as {choices}; "
                               "send one of them in Accept or add an extension to the URL")
    target = f"{local_url(BASE + path)}.{fmt.ext}"
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    if kept:  # keep ?page=… and the like: the document answers them (format chose it)
        target += "?" + urlencode(kept)
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path, None)
    return response


def known_iris() -> list[str]:
    """Every IRI under BASE in the release (cached per release)."""
    store = current_app.extensions["lodpub"].store
    return per_release("iris", lambda: sorted(str(r["x"]) for r in store.select(KNOWN_IRIS % BASE)))


def not_found(iri: str) -> Response:
    """404 for an IRI the release does not hold: an HTML page with near matches for people."""
    fmt = negotiate()
    if fmt is None or fmt.ext != "html":
        abort(404, description=f"{iri} is not in this release; see {local_url(BASE)} for what is")
    candidates = [i for i in known_iris() if "#" not in i]
    near = difflib.get_close_matches(iri, candidates, n=8, cutoff=0.75)
    lab = labels()
    suggestions = [lab.view(URIRef(i)) for i in near]
    body = render_template("notfound.html", iri=iri, suggestions=suggestions,
                           query=_lookup_query(iri))
    return Response(body, status=404, mimetype="text/html")


def _lookup_query(iri: str) -> str:
    word = iri.rstrip("/").rsplit("/", 1)[-1].replace('"', "")
    return ('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n'
            f'SELECT ?thing ?label WHERE {{\n  ?thing rdfs:label ?label .\n'
            f'  FILTER(CONTAINS(LCASE(STR(?label)), LCASE("{word}")))\n}} LIMIT 50')


def serve(path: str) -> Response:
    """Answer a request for ``BASE + path`` (with or without a document extension)."""
    stem, fmt = _split(path)
    if not SAFE_PATH.match(stem):
        abort(404, description=f"{stem!r} is not a lodpub IRI path")
    iri = BASE + stem
    store = current_app.extensions["lodpub"].store
    if not (known_iri(store, iri) or iri in NAMED_GRAPHS or documents.is_shape(iri)):
        return not_found(iri)
    if fmt is None:
        return see_other(stem)
    return document_headers(documents.render(stem, iri, fmt), stem, fmt)


def document_headers(response: Response, path: str, fmt: DocFormat) -> Response:
    """A document of ``BASE + path``: ``Link`` alternates, caching, an ETag per release and
    URL, and 304 for a matching ``If-None-Match``."""
    response.headers["Link"] = link_header(path, fmt)
    response.headers["Cache-Control"] = "public, max-age=300"
    version = current_app.extensions["lodpub"].version
    response.set_etag(hashlib.sha256(f"{version} {request.full_path}".encode()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/ontology")
def ontology() -> Response:
    """The ontology IRI: 303 to its documentation or to the ontology in RDF."""
    return serve(str(ONTOLOGY_IRI)[len(BASE):])


@bp.get("/ontology.<ext>")
def ontology_document(ext: str) -> Response:
    """The ontology's documentation page or RDF document."""
    return serve(f"ontology.{ext}")


@bp.get("/shapes/")
def shapes() -> Response:
    """The shapes IRI (``…/shapes/``): 303 to the list of shapes or to shapes.ttl."""
    fmt = negotiate()
    if fmt is None:
        abort(406, description="the shapes are available as HTML or as RDF")
    response = redirect(f"{local_url(BASE)}shapes.{fmt.ext}", code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header("shapes", None)
    return response


@bp.get("/shapes.<ext>")
def shapes_document(ext: str) -> Response:
    """Every shape of the release, as a page or in RDF."""
    if ext not in FORMAT_BY_EXT:
        abort(404, description=f"no shapes document in format {ext!r}")
    response = documents.render_shapes(FORMAT_BY_EXT[ext])
    response.headers["Link"] = link_header("shapes", FORMAT_BY_EXT[ext])
    return response


@bp.get("/<any(id, claim, source, vocab, graph, ontology, shapes):kind>/<path:rest>")
def resource(kind: str, rest: str) -> Response:
    """Any IRI lodpub mints under one of its namespaces."""
    return serve(f"{kind}/{rest}")


@bp.app_template_filter("page")
def page_filter(iri: str) -> str:
    """Jinja filter: the URL of the HTML page of ``iri`` on the serving host."""
    return page_url(iri)


@bp.app_template_filter("local")
def local_filter(iri: str) -> str:
    """Jinja filter: the URL of ``iri`` on the serving host."""
    return local_url(iri)
