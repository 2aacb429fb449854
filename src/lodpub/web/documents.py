"""The documents of each kind of resource: an HTML page and an RDF graph per IRI.

``render`` picks the builder by the IRI's namespace (``id``, ``claim``, ``source``, ``vocab``,
``graph``, ``ontology``, ``shapes``) and the format; the ``resources`` blueprint does the
routing and negotiation. The page models come from ``lodpub.web.views``.
"""

from __future__ import annotations

import json

from flask import Response, render_template, request
from markupsafe import Markup
from rdflib import Graph, URIRef

from lodpub.errors import BadRequest, NotFound
from lodpub.formats import DOCUMENT_FORMATS, Format
from lodpub.namespaces import BASE, DATASET_IRI, GRAPH_ONTOLOGY, LPO, LPS, ONTOLOGY_IRI, RDF, SKOS
from lodpub.web.http.site import labels, local_url
from lodpub.web.publication import publication
from lodpub.web.views import rdfdocs
from lodpub.web.views.claims import claim_anchors, claim_views, sentence_views, source_metadata
from lodpub.web.views.describe import describe, last_page, schema_org
from lodpub.web.views.links import is_local
from lodpub.web.views.ontodoc import ontology_doc, read_shapes, schema_types, term_doc
from lodpub.web.views.shapedoc import describe_shape, shape_graph
from lodpub.web.views.support import disagreement, is_disagreement

MAX_PAGE_DIGITS = 9  # far beyond any real page; keeps OFFSET inside what the engine accepts


def _page_number() -> int:
    value = request.args.get("page", "1")
    # ASCII digits only: str.isdigit() also accepts "²", which int() then rejects (a 500).
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise BadRequest(f"page must be a positive whole number, not {value!r}")
    if len(value.lstrip("0")) > MAX_PAGE_DIGITS:
        raise NotFound(f"there is no page {value}")
    return int(value)


def json_ld_script(data: dict) -> Markup:
    """A ``<script type="application/ld+json">`` element that no data can break out of."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')


def parsed(kind: str) -> Graph:
    """The ontology (``kind="ontology"``) or shapes graph of the served release, parsed once."""
    pub = publication()
    if kind == "ontology":
        return pub.memo("ontology", lambda: rdfdocs.ontology_graph(pub.store))
    return pub.memo("shapes", lambda: read_shapes(pub.release))


def alternates(stem: str) -> list[tuple[Format, str]]:
    """Every document of ``BASE + stem`` (HTML and each RDF format) with its serving URL."""
    return [(f, f"{local_url(BASE + stem)}.{f.extension}") for f in DOCUMENT_FORMATS]


def _context(stem: str, iri: str) -> dict:
    pub = publication()
    return {
        "iri": iri,
        "iri_here": local_url(iri),
        "version": pub.version,
        "conforms": pub.release.manifest.get("conforms") if pub.release is not None else None,
        "license": pub.settings.license,
        "alternates": alternates(stem),
        "labels": labels(),
    }


def _thing_html(stem: str, iri: str) -> str:
    pub = publication()
    page = _page_number()
    desc = describe(pub.store, labels(), iri, page)
    if page > last_page(desc):
        raise NotFound(f"{iri} has {last_page(desc)} page(s); there is no page {page}")
    data = schema_org(desc, pub.settings.license, str(DATASET_IRI),
                      schema_types(parsed("ontology"), [t.other.iri for t in sorted(
                          desc.types, key=lambda t: t.inferred)]))  # asserted types first
    return render_template("entity.html", d=desc, json_ld=json_ld_script(data),
                           **_context(stem, iri))


def _claim_html(stem: str, iri: str) -> str:
    store = publication().store
    if is_disagreement(store, iri):  # a disagreement relates claims: it lives beside them
        return render_template("disagreement.html", d=disagreement(store, labels(), iri),
                               **_context(stem, iri))
    views = claim_views(store, labels(), [iri])
    return render_template("claim.html", claim=views[0], anchors=claim_anchors(store, iri),
                           **_context(stem, iri))


def _source_html(stem: str, iri: str) -> str:
    store = publication().store
    sentences = sentence_views(store, labels(), iri)
    if not sentences:  # a sentence-less IRI under /source/ is described like any thing
        return _thing_html(stem, iri)
    own, parts = source_metadata(store, labels(), iri)
    excerpt = any(p.iri == str(RDF.type) and o.iri == str(LPO.Excerpt) for p, o in own)
    notes = [o.text.split(": ", 1)[1] for p, o in own
             if p.iri == str(SKOS.editorialNote) and o.text.startswith("Excerpt: ")]
    return render_template("source.html", sentences=sentences, title=labels().label(iri),
                           text_url=_source_text_url(iri), metadata=own, parts=parts,
                           excerpt=excerpt, excerpt_notes=notes, **_context(stem, iri))


def _source_text_url(iri: str) -> str | None:
    source_id = iri.rsplit("/", 1)[-1]
    release = publication().release
    for entry in release.manifest.get("sources", []) if release is not None else []:
        if entry.get("id") == source_id:
            return f"{local_url(BASE)}downloads/{entry['file']}"
    return None


def _ontology_html(stem: str, iri: str) -> str:
    if iri == str(ONTOLOGY_IRI):
        doc = ontology_doc(publication().store, labels(), parsed("ontology"))
        return render_template("ontology.html", doc=doc, **_context(stem, iri))
    if (URIRef(iri), None, None) not in parsed("ontology"):
        return _thing_html(stem, iri)
    doc = term_doc(publication().store, labels(), parsed("ontology"), parsed("shapes"),
                   URIRef(iri))
    return render_template("term.html", doc=doc, **_context(stem, iri))


def _graph_html(stem: str, iri: str) -> str:
    pub = publication()
    manifest = pub.release.manifest if pub.release is not None else {}
    triples = manifest.get("graphs", {}).get(iri)
    if triples is None:
        triples = int(pub.store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")[0]["n"])
    query = f"SELECT ?s ?p ?o WHERE {{\n  GRAPH <{iri}> {{ ?s ?p ?o }}\n}} LIMIT 100"
    return render_template("graph.html", triples=triples, query=query, **_context(stem, iri))


def is_shape(iri: str) -> bool:
    """Whether ``iri`` names a shape of the release's shapes.ttl (not loaded in the store)."""
    return (URIRef(iri), None, None) in parsed("shapes")


def _shape_html(stem: str, iri: str) -> str:
    shape = describe_shape(parsed("shapes"), URIRef(iri))
    return render_template("shape.html", shape=shape, **_context(stem, iri))


def render_shapes(fmt: Format) -> Response:
    """The whole shapes graph: a page listing every named shape, or the graph in RDF."""
    shapes = parsed("shapes")
    if fmt is not Format.HTML:
        return Response(rdfdocs.serialize(shapes, fmt), mimetype=fmt.media_type)
    named = sorted({s for s in shapes.subjects() if isinstance(s, URIRef) and is_local(s)})
    views = [describe_shape(shapes, s) for s in named if str(s) != str(LPS)]
    body = render_template("shapes.html", shapes=views, **_context("shapes", str(LPS)))
    return Response(body, mimetype="text/html")


HTML_BUILDERS = {"id": _thing_html, "vocab": _thing_html, "claim": _claim_html,
                 "source": _source_html, "ontology": _ontology_html, "graph": _graph_html,
                 "shapes": _shape_html}


def _rdf_graph(stem: str, iri: str) -> Graph | set:
    store = publication().store
    kind = stem.split("/", 1)[0]
    if kind == "graph":
        return rdfdocs.named_graph(store, iri)
    if kind == "shapes" and is_shape(iri):
        return shape_graph(parsed("shapes"), URIRef(iri))
    if kind == "source":
        return rdfdocs.source_graph(store, iri, labels().has_label)
    if iri == str(ONTOLOGY_IRI):
        return rdfdocs.named_graph(store, str(GRAPH_ONTOLOGY))
    if kind == "ontology" and (URIRef(iri), None, None) in parsed("ontology"):
        return parsed("ontology").cbd(URIRef(iri))
    return rdfdocs.thing_graph(store, iri, labels().has_label)


def render(stem: str, iri: str, fmt: Format) -> Response:
    """The document of ``iri`` (request path ``stem``) in format ``fmt``."""
    kind = stem.split("/", 1)[0]
    if fmt is Format.HTML:
        return Response(HTML_BUILDERS[kind](stem, iri), mimetype="text/html")
    pub = publication()
    triples = rdfdocs.as_triples(_rdf_graph(stem, iri))
    triples += rdfdocs.document_metadata(f"{BASE}{stem}.{fmt.extension}", iri,
                                         pub.settings.license, pub.version)
    return Response(rdfdocs.serialize(triples, fmt, topic=iri), mimetype=fmt.media_type)
