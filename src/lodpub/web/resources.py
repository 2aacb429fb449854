"""Dereferencing: every IRI lodpub mints answers, for people and for programs.

``GET /id/iraq`` (the thing) answers ``303 See Other`` to ``/id/iraq.html`` or to a data
document (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``) by the ``Accept`` header; each document also
has its own URL, and ``Link`` headers name the alternates. Unknown IRIs get a 404 page that
suggests near matches. The same scheme covers ``/claim/…``, ``/source/…``, ``/ontology``,
``/ontology/<term>``, ``/vocab/…`` and ``/graph/…``.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request
from rdflib import URIRef

from lodpub.errors import NotAcceptable, NotFound
from lodpub.formats import DOCUMENT_FORMATS, Format, by_extension
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
from lodpub.web import documents
from lodpub.web.http import negotiate
from lodpub.web.http.conditional import conditional
from lodpub.web.http.site import labels, local_url, page_url
from lodpub.web.publication import publication
from lodpub.web.views.describe import known_iri

# The contract's named graphs answer even when a release leaves one empty (e.g. no reasoning).
NAMED_GRAPHS = {str(g) for g in (GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_CLAIMS, GRAPH_INFERRED,
                                 GRAPH_LINKS, GRAPH_WIKIDATA)}
KINDS_DOC = ("id", "claim", "source", "vocab", "graph", "ontology", "shapes")
bp = Blueprint("resources", __name__)

_deref = {"303": {"description": "See Other: the HTML page or data document, by Accept "
                                 "(or ?format=html|ttl|jsonld|nt|rdf)"},
          "200": {"description": "a document, when the path ends in .html, .ttl, .jsonld, "
                                 ".nt or .rdf"},
          "304": {"description": "not modified (ETag)"},
          "400": {"description": "a malformed parameter (page=)"},
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
                       {"name": "page", "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999}}],
        "responses": _deref}},
}

# Paths we will put into a SPARQL IRI: IRI characters only (no spaces, quotes, angle brackets or
# braces), and '%' only as the start of a percent-encoded byte.
SAFE_PATH = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})+")
KNOWN_IRIS = """SELECT DISTINCT ?x WHERE {
  { ?x ?p ?o } UNION { ?s ?p ?x } UNION { GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } } }
  UNION { GRAPH ?x { ?a ?b ?c } }
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "%s")) }"""


def _split(path: str) -> tuple[str, Format | None]:
    """``id/iraq.ttl`` -> (``id/iraq``, Turtle); without a document extension -> (path, None)."""
    stem, dot, ext = path.rpartition(".")
    fmt = by_extension(ext) if dot and "/" not in ext else None
    if fmt in DOCUMENT_FORMATS:
        return stem, fmt
    return path, None


def choose_document(what: str) -> Format:
    """The document format the client asks for (``?format=`` or Accept; HTML by default)."""
    return negotiate.choose(DOCUMENT_FORMATS, what, accept=request.headers.get("Accept"),
                            requested=request.args.get("format"))


def link_header(path: str, current: Format | None) -> str:
    """``Link`` header naming every document of ``path`` (and the licence)."""
    parts = [
        f'<{local_url(BASE + path)}.{f.extension}>; rel="alternate"; type="{f.media_type}"'
        for f in DOCUMENT_FORMATS
        if f is not current
    ]
    if current is not None:
        parts.append(f'<{local_url(BASE + path)}>; rel="describes"')
    parts.append(f'<{publication().settings.license}>; rel="license"')
    return ", ".join(parts)


def see_other(path: str) -> Response:
    """303 from the thing to the document the client asked for, or 406 with the choices."""
    fmt = choose_document(BASE + path)
    target = f"{local_url(BASE + path)}.{fmt.extension}"
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    if kept:  # keep ?page=… and the like: the document answers them (format chose it)
        target += "?" + urlencode(kept)
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header(path, None)
    return response


def known_iris() -> list[str]:
    """Every IRI under BASE in the release (cached per release)."""
    store = publication().store
    return publication().memo(
        "iris", lambda: sorted(str(r["x"]) for r in store.select(KNOWN_IRIS % BASE)))


def not_found(iri: str) -> Response:
    """404 for an IRI the release does not hold: an HTML page with near matches for people."""
    try:
        fmt = choose_document(iri)
    except NotAcceptable:
        fmt = None
    if fmt is not Format.HTML:
        raise NotFound(f"{iri} is not in this release; see {local_url(BASE)} for what is")
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


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (checked by the engine's own IRI parser)."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def serve(path: str) -> Response:
    """Answer a request for ``BASE + path`` (with or without a document extension)."""
    stem, fmt = _split(path)
    if not SAFE_PATH.fullmatch(stem) or not is_iri(BASE + stem):
        raise NotFound(f"{stem!r} is not a lodpub IRI path")
    iri = BASE + stem
    store = publication().store
    if not (known_iri(store, iri) or iri in NAMED_GRAPHS or documents.is_shape(iri)):
        return not_found(iri)
    if fmt is None:
        return see_other(stem)
    return document_headers(documents.render(stem, iri, fmt), stem, fmt)


def document_headers(response: Response, path: str, fmt: Format) -> Response:
    """A document of ``BASE + path``: ``Link`` alternates, caching, an ETag per release and
    URL, and 304 for a matching ``If-None-Match``."""
    response.headers["Link"] = link_header(path, fmt)
    return conditional(response)


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
    fmt = choose_document("the shapes")
    response = redirect(f"{local_url(BASE)}shapes.{fmt.extension}", code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = link_header("shapes", None)
    return response


@bp.get("/shapes.<ext>")
def shapes_document(ext: str) -> Response:
    """Every shape of the release, as a page or in RDF."""
    fmt = by_extension(ext)
    if fmt not in DOCUMENT_FORMATS:
        raise NotFound(f"no shapes document in format {ext!r}")
    response = documents.render_shapes(fmt)
    response.headers["Link"] = link_header("shapes", fmt)
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
