"""The documents of each kind of resource: an HTML page and an RDF graph per IRI.

``render`` picks the builder by the IRI's namespace (``id``, ``claim``, ``source``, ``vocab``,
``graph``, ``ontology``) and the format; ``resources`` does the routing and negotiation.
"""

from __future__ import annotations

import json

from flask import Response, abort, current_app, render_template, request
from markupsafe import Markup
from rdflib import Graph, URIRef

from lodpub.namespaces import BASE, DATASET_IRI, ONTOLOGY_IRI
from lodpub.web.http.links import is_local, local_url
from lodpub.web.views import rdfdocs
from lodpub.web.views.claims import claim_anchors, claim_views, sentence_views, source_metadata
from lodpub.web.views.describe import describe, last_page, schema_org
from lodpub.web.views.labels import labels
from lodpub.web.views.ontodoc import ontology_doc, parsed, schema_types, term_doc
from lodpub.web.views.rdfdocs import DOC_FORMATS, DocFormat
from lodpub.web.views.shapedoc import describe_shape, shape_graph

MAX_PAGE_DIGITS = 9  # far beyond any real page; keeps OFFSET inside what the engine accepts


def _page_number() -> int:
    value = request.args.get("page", "1")
    # ASCII digits only: str.isdigit() also accepts "²", which int() then rejects (a 500).
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        abort(400, description=f"page must be a positive whole number, not {value!r}")
    if len(value.lstrip("0")) > MAX_PAGE_DIGITS:
        abort(404, description=f"there is no page {value}")
    return int(value)


def json_ld_script(data: dict) -> Markup:
    """A ``<script type="application/ld+json">`` element that no data can break out of."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def alternates(stem: str) -> list[tuple[DocFormat, str]]:
    """Every document of ``BASE + stem`` (HTML and each RDF format) with its serving URL."""
    return [(f, f"{local_url(BASE + stem)}.{f.ext}") for f in DOC_FORMATS]


def _context(stem: str, iri: str) -> dict:
    publication = current_app.extensions["lodpub"]
    return {
        "iri": iri,
        "iri_here": local_url(iri),
        "version": publication.version,
        "conforms": (publication.release.manifest.get("conforms")
                     if publication.release is not None else None),
        "license": publication.settings.license,
        "alternates": alternates(stem),
        "labels": labels(),
    }


def _thing_html(stem: str, iri: str) -> str:
    publication = current_app.extensions["lodpub"]
    page = _page_number()
    desc = describe(publication.store, labels(), iri, page)
    if page > last_page(desc):
        abort(404, description=f"{iri} has {last_page(desc)} page(s); there is no page {page}")
    data = schema_org(desc, publication.settings.license, str(DATASET_IRI),
                      schema_types(parsed("ontology"), [t.other.iri for t in sorted(
                          desc.types, key=lambda t: t.inferred)]))  # asserted types first
    return render_template("entity.html", d=desc, json_ld=json_ld_script(data),
                           **_context(stem, iri))


def _claim_html(stem: str, iri: str) -> str:
    store = current_app.extensions["lodpub"].store
    views = claim_views(store, labels(), [iri])
    return render_template("claim.html", claim=views[0], anchors=claim_anchors(store, iri),
                           **_context(stem, iri))


def _source_html(stem: str, iri: str) -> str:
    store = current_app.extensions["lodpub"].store
    sentences = sentence_views(store, labels(), iri)
    if not sentences:  # a sentence-less IRI under /source/ is described like any thing
        return _thing_html(stem, iri)
    own, parts = source_metadata(store, labels(), iri)
    return render_template("source.html", sentences=sentences, title=labels().label(iri),
                           text_url=_source_text_url(iri), metadata=own, parts=parts,
                           **_context(stem, iri))


def _source_text_url(iri: str) -> str | None:
    source_id = iri.rsplit("/", 1)[-1]
    release = current_app.extensions["lodpub"].release
    for entry in release.manifest.get("sources", []) if release is not None else []:
        if entry.get("id") == source_id:
            return f"{local_url(BASE)}downloads/{entry['file']}"
    return None


def _ontology_html(stem: str, iri: str) -> str:
    if iri == str(ONTOLOGY_IRI):
        doc = ontology_doc(current_app.extensions["lodpub"].store, labels())
        return render_template("ontology.html", doc=doc, **_context(stem, iri))
    if (URIRef(iri), None, None) not in parsed("ontology"):
        return _thing_html(stem, iri)
    doc = term_doc(current_app.extensions["lodpub"].store, labels(), URIRef(iri))
    return render_template("term.html", doc=doc, **_context(stem, iri))


def _graph_html(stem: str, iri: str) -> str:
    publication = current_app.extensions["lodpub"]
    manifest = publication.release.manifest if publication.release is not None else {}
    triples = manifest.get("graphs", {}).get(iri)
    if triples is None:
        triples = int(publication.store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")[0]["n"])
    query = f"SELECT ?s ?p ?o WHERE {{\n  GRAPH <{iri}> {{ ?s ?p ?o }}\n}} LIMIT 100"
    return render_template("graph.html", triples=triples, query=query, **_context(stem, iri))


def is_shape(iri: str) -> bool:
    """Whether ``iri`` names a shape of the release's shapes.ttl (not loaded in the store)."""
    return (URIRef(iri), None, None) in parsed("shapes")


def _shape_html(stem: str, iri: str) -> str:
    shape = describe_shape(parsed("shapes"), URIRef(iri))
    return render_template("shape.html", shape=shape, **_context(stem, iri))


def render_shapes(fmt: DocFormat) -> Response:
    """The whole shapes graph: a page listing every named shape, or the graph in RDF."""
    shapes = parsed("shapes")
    if fmt.ext != "html":
        return Response(rdfdocs.serialize(shapes, fmt), mimetype=fmt.media_type)
    named = sorted({s for s in shapes.subjects() if isinstance(s, URIRef) and is_local(s)})
    views = [describe_shape(shapes, s) for s in named if str(s) != BASE + "shapes/"]
    body = render_template("shapes.html", shapes=views, **_context("shapes", BASE + "shapes/"))
    return Response(body, mimetype="text/html")


HTML_BUILDERS = {"id": _thing_html, "vocab": _thing_html, "claim": _claim_html,
                 "source": _source_html, "ontology": _ontology_html, "graph": _graph_html,
                 "shapes": _shape_html}


def _rdf_graph(stem: str, iri: str) -> Graph:
    store = current_app.extensions["lodpub"].store
    kind = stem.split("/", 1)[0]
    if kind == "graph":
        return rdfdocs.named_graph(store, iri)
    if kind == "shapes" and is_shape(iri):
        return shape_graph(parsed("shapes"), URIRef(iri))
    if kind == "source":
        return rdfdocs.source_graph(store, iri, labels().has_label)
    if iri == str(ONTOLOGY_IRI):
        return rdfdocs.ontology_graph(store)
    if kind == "ontology" and (URIRef(iri), None, None) in parsed("ontology"):
        return parsed("ontology").cbd(URIRef(iri))
    return rdfdocs.thing_graph(store, iri, labels().has_label)


def render(stem: str, iri: str, fmt: DocFormat) -> Response:
    """The document of ``iri`` (request path ``stem``) in format ``fmt``."""
    kind = stem.split("/", 1)[0]
    if fmt.ext == "html":
        return Response(HTML_BUILDERS[kind](stem, iri), mimetype="text/html")
    graph = Graph()
    graph += _rdf_graph(stem, iri)
    publication = current_app.extensions["lodpub"]
    rdfdocs.add_document_metadata(graph, f"{BASE}{stem}.{fmt.ext}", iri,
                                  publication.settings.license, publication.version)
    return Response(rdfdocs.serialize(graph, fmt), mimetype=fmt.media_type)
