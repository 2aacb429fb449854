"""Pages for people: the landing page, the query page, the timeline, the network, the sources.

The timeline and the network take ``?source=<document id>`` to show only what one document says.

Every page is server-rendered (Jinja2, autoescaped) and works without JavaScript or network.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from rdflib import Graph, URIRef

from lodpub.errors import LodpubError, NotFound
from lodpub.namespaces import (
    DATASET_IRI,
    DCTERMS,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_LINKS,
    ID,
    LPO,
    SOURCE,
)
from lodpub.web.http.conditional import VOLATILE, conditional
from lodpub.web.http.site import labels, site_path, site_root, site_url
from lodpub.web.publication import publication
from lodpub.web.views import corpus, viz, vizdata
from lodpub.web.views.querypage import (
    Outcome,
    download_links,
    error_outcome,
    load_examples,
    run,
    wikidata_examples,
)

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/static")

_page = {"200": {"description": "an HTML page"},
         "304": {"description": "not modified (ETag)"}}
_by_source = {**_page, "404": {"description": "no source document with that id"}}
_SOURCE_PARAMETER = {"name": "source", "in": "query", "schema": {"type": "string"},
                     "description": "a document's id: show only what that document says"}
OPENAPI = {
    "/": {"get": {"summary": "landing page: the dataset, its documents, where they differ, "
                             "counts, release, licence, SHACL report", "responses": _page}},
    "/query": {"get": {"summary": "query page: editor, example queries, results as a table",
                       "parameters": [
                           {"name": "query", "in": "query", "schema": {"type": "string"}},
                           {"name": "example", "in": "query", "schema": {"type": "string"}}],
                       "responses": {**_page,
                                     "400": {"description": "malformed or refused query"},
                                     "404": {"description": "no example of that name"},
                                     "413": {"description": "query too large"}}}},
    "/timeline": {"get": {"summary": "timeline of dated and planned events (SVG in HTML)",
                          "parameters": [_SOURCE_PARAMETER], "responses": _by_source}},
    "/timeline.svg": {"get": {"summary": "the timeline as an SVG image",
                              "parameters": [_SOURCE_PARAMETER], "responses": _by_source}},
    "/network": {"get": {"summary": "network of actors and their relations (SVG in HTML)",
                         "parameters": [_SOURCE_PARAMETER], "responses": _by_source}},
    "/network.svg": {"get": {"summary": "the network as an SVG image",
                             "parameters": [_SOURCE_PARAMETER], "responses": _by_source}},
    "/source": {"get": {"summary": "the source documents (with one, a redirect to its page)",
                        "responses": {**_page, "303": {"description": "the only document"}}}},
}

NUMBERS_QUERY = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX lpo: <{LPO}>
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  {{ GRAPH ?g {{ ?x rdfs:label ?l }} FILTER(?g IN (<{GRAPH_FACTS}>, <{GRAPH_CLAIMS}>)
       && STRSTARTS(STR(?x), "{ID}") && !CONTAINS(STR(?x), "#"))
     BIND("entities (things, events and n-ary nodes)" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_CLAIMS}> {{ ?x lpo:sentenceNumber ?n0 }} BIND("sentences" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_CLAIMS}> {{ ?c lpo:sentence ?x }} BIND("sentences with claims" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_CLAIMS}> {{ ?x lpo:notEncodedReason ?r }}
           BIND("sentences not encoded, with a reason" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_CLAIMS}> {{ ?x a lpo:SourceDocument }} BIND("source documents" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_CLAIMS}> {{ ?x a lpo:Disagreement }}
           BIND("points on which sources differ" AS ?what) }}
  UNION {{ GRAPH <{GRAPH_LINKS}> {{ ?x lpo:linkStatus ?status }}
           OPTIONAL {{ GRAPH ?v {{ ?status skos:prefLabel ?name }} }}
           BIND(CONCAT("entities whose Wikidata link is: ",
                       COALESCE(STR(?name), STRAFTER(STR(?status), "/vocab/"))) AS ?what) }}
}} GROUP BY ?what ORDER BY ?what"""

MODALITY_QUERY = f"""SELECT ?modality (COUNT(?c) AS ?n) WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  ?c <{LPO.modality}> ?modality }} }} GROUP BY ?modality ORDER BY DESC(?n)"""


STARTER_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Reported facts only: what kinds of things the document names, and how many of each.
SELECT ?class ?label (COUNT(?thing) AS ?things) WHERE {
  GRAPH <https://w3id.org/lodpub/graph/facts> { ?thing a ?class }
  OPTIONAL { ?class rdfs:label ?label }
}
GROUP BY ?class ?label
ORDER BY DESC(?things)
"""


@bp.app_context_processor
def _globals() -> dict:
    """Template globals every page (and the error pages) can use."""
    return {"license_url": lambda: publication().settings.license,
            "release_version": lambda: publication().version,
            "site_url": site_url, "site_path": site_path}


@bp.after_request
def _validators(response: Response) -> Response:
    """Pages change only with the release: an ETag per release and URL, 304 when unchanged."""
    if request.endpoint == "pages.static" or response.status_code != 200:
        return response
    return conditional(response)


def _release_text(name: str) -> str:
    release = publication().release
    if release is None or not (release.path / name).is_file():
        return ""
    return (release.path / name).read_text(encoding="utf-8")


def _dataset_about() -> tuple[str, str, str]:
    return publication().memo("about", _read_about)


def _read_about() -> tuple[str, str, str]:
    text = _release_text("void.ttl")
    if text:
        graph = Graph().parse(data=text, format="turtle")
        title = graph.value(DATASET_IRI, DCTERMS.title)
        description = graph.value(DATASET_IRI, DCTERMS.description)
        cite = graph.value(DATASET_IRI, DCTERMS.bibliographicCitation)
        if title:
            return str(title), str(description or ""), str(cite or "")
    return "lodpub dataset", "", ""


def _documents() -> list:
    return publication().memo("documents", lambda: corpus.documents(publication().store,
                                                                    labels()), site=site_root())


@bp.get("/")
def landing() -> str:
    """What the dataset is, where it comes from, how big it is, and how to use it."""
    pub = publication()
    title, description, cite = _dataset_about()
    lab = labels()
    modalities = [(lab.view(r["modality"]), int(r["n"]))
                  for r in pub.store.select(MODALITY_QUERY)]
    numbers = pub.memo("numbers", lambda: [
        (str(r["what"]), int(r["n"])) for r in pub.store.select(NUMBERS_QUERY)] + [
        ("facts supported by more than one document", corpus.corroborated_count(pub.store))])
    differ = pub.memo("differ", lambda: corpus.disagreement_list(pub.store, labels()),
                      site=site_root())
    counts = [(lab.view(URIRef(g)), n) for g, n in sorted(pub.graph_counts().items(),
                                                         key=lambda kv: str(kv[0])) if g]
    release = pub.release
    return render_template(
        "landing.html", title=title, description=description, cite=cite, sources=_documents(),
        differ=differ,
        modalities=modalities, counts=counts, numbers=numbers, examples=load_examples()[:4],
        conforms=release.manifest.get("conforms") if release is not None else None,
        report=_release_text("shacl-report.txt"), has_release=release is not None)


@bp.get("/query")
def query() -> Response:
    """The query editor with the examples; runs the query given and shows a table."""
    examples = load_examples()
    model = wikidata_examples()
    text = request.args.get("query", "")
    chosen = request.args.get("example", "")
    if chosen:
        match = next((e for e in examples + model if e.name == chosen), None)
        if match is None:
            return Response(render_template("query.html", examples=examples, model=model,
                                            text="",
                                            outcome=None, error=f"no example named {chosen!r}",
                                            downloads=[]), status=404)
        text = match.text
    outcome = None
    downloads: list = []
    if text.strip():
        store = publication().store
        try:
            prepared = store.prepare(text)
        except LodpubError as exc:  # too large, too deep, an update, a refused SERVICE
            outcome = error_outcome(Outcome(), exc)
        else:
            outcome = run(store, labels(), prepared, store.limits.timeout)
            downloads = download_links(prepared.form, text, site_root())
            if not prepared.repeatable:
                request.environ[VOLATILE] = True  # RAND(), NOW(), SERVICE…: never kept
    body = render_template("query.html", examples=examples, model=model,
                           text=text or STARTER_QUERY,
                           outcome=outcome,
                           chosen=chosen, error="", downloads=downloads)
    return Response(body, status=outcome.status if outcome else 200, mimetype="text/html")


def _source_filter() -> str | None:
    """The document a picture is narrowed to (``?source=<id>``), checked against the release."""
    chosen = request.args.get("source", "")
    if not chosen:
        return None
    iri = str(SOURCE[chosen])
    if iri not in {d.doc.iri for d in _documents()}:
        raise NotFound(f"no source document {chosen!r}; the documents are listed at "
                       f"{site_url('pages.sources')}")
    return iri


def _events(source: str | None) -> list:
    return publication().memo(
        f"events {source}", lambda: vizdata.timeline_events(publication().store, labels(), source),
        site=site_root())


def _network(source: str | None) -> tuple:
    return publication().memo(
        f"network {source}", lambda: vizdata.network(publication().store, labels(), source),
        site=site_root())


def _chosen(source: str | None):
    return next((d for d in _documents() if d.doc.iri == source), None)


@bp.get("/timeline")
def timeline() -> str:
    """The dated and planned events as an SVG timeline, with a table of the same events."""
    source = _source_filter()
    svg = publication().memo(f"timeline.svg {source}", lambda: viz.timeline_svg(_events(source)),
                             site=site_root())
    return render_template("timeline.html", svg=svg, events=_events(source),
                           documents=_documents(), chosen=_chosen(source))


@bp.get("/timeline.svg")
def timeline_image() -> Response:
    """The timeline alone, as an SVG document."""
    return Response(viz.timeline_svg(_events(_source_filter()), standalone=True),
                    mimetype="image/svg+xml")


@bp.get("/network")
def network() -> str:
    """Actors and their membership, control, backing and designation relations."""
    source = _source_filter()
    nodes, edges = _network(source)
    svg = publication().memo(f"network.svg {source}", lambda: viz.network_svg(nodes, edges),
                             site=site_root())
    return render_template("network.html", svg=svg, nodes=nodes, edges=edges,
                           groups=viz.GROUP_COLOURS, documents=_documents(),
                           chosen=_chosen(source))


@bp.get("/network.svg")
def network_image() -> Response:
    """The network alone, as an SVG document."""
    source = _source_filter()
    nodes, edges = _network(source)
    svg = publication().memo(f"network-standalone.svg {source}",
                             lambda: viz.network_svg(nodes, edges, standalone=True),
                             site=site_root())
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/source")
def sources() -> Response | str:
    """The source documents, each with what it holds; with only one, its page."""
    found = _documents()
    if len(found) == 1:
        return redirect(found[0].doc.href, code=303)
    return render_template("sources.html", sources=found, landing=url_for("pages.landing"))
