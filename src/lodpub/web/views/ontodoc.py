"""Ontology documentation joined to the data: terms, alignments, SHACL shapes, usage, examples.

The TBox comes from ``graph:ontology`` in the store; the shapes are read from the release's
``shapes.ttl`` (the store does not hold them). The web layer parses both once per release and
passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.collection import Collection

from lodpub.namespaces import (
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    LPO,
    LPV,
    ONTOLOGY_IRI,
    OWL,
    RDF,
    RDFS,
    SKOS,
)
from lodpub.web.views.labels import Labels, TermView
from lodpub.web.views.shapedoc import ShapeDoc, shapes_for

ALIGNMENTS = (OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf,
              OWL.inverseOf, SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
              SKOS.relatedMatch, OWL.sameAs, RDFS.seeAlso)
TERM_KINDS = ((OWL.Class, "class"), (OWL.ObjectProperty, "object property"),
              (OWL.DatatypeProperty, "datatype property"), (OWL.AnnotationProperty,
              "annotation property"), (RDF.Property, "property"), (SKOS.ConceptScheme,
              "concept scheme"), (SKOS.Concept, "concept"))
DEFINITIONS = (SKOS.definition, RDFS.comment)
NOTES = (SKOS.note, SKOS.scopeNote, SKOS.example, SKOS.editorialNote)
EXAMPLES = 50


@dataclass
class TermDoc:
    """What the documentation of one term shows."""

    iri: str
    label: str
    kind: str
    definitions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alignments: list[tuple[TermView, TermView]] = field(default_factory=list)
    domains: list[TermView] = field(default_factory=list)
    ranges: list[TermView] = field(default_factory=list)
    subterms: list[TermView] = field(default_factory=list)
    shapes: list[ShapeDoc] = field(default_factory=list)
    count: int = 0
    query: str = ""  # lists every use (for the query page)
    claim_count: int = 0  # uses inside claims' reified statements (forecasts and the like)
    examples: list[tuple[TermView, ...]] = field(default_factory=list)


def read_shapes(release) -> Graph:
    """The release's shapes.ttl as a graph (empty without a release)."""
    graph = Graph()
    path = release.path / "shapes.ttl" if release is not None else None
    if path is not None and path.is_file():
        graph.parse(path, format="turtle")
    return graph


def term_kind(onto: Graph, term: URIRef) -> str:
    """``class``, ``object property``… from the term's declared type."""
    declared = set(onto.objects(term, RDF.type))
    return next((name for cls, name in TERM_KINDS if cls in declared), "term")


def _named(onto: Graph, node, labels: Labels) -> list[TermView]:
    """Views of a node: itself if named, else the members of its owl:unionOf list."""
    if isinstance(node, URIRef):
        return [labels.view(node)]
    union = onto.value(node, OWL.unionOf)
    if union is not None:
        return [labels.view(m) for m in Collection(onto, union) if isinstance(m, URIRef)]
    return []


def term_doc(store, labels: Labels, onto: Graph, shapes: Graph, term: URIRef) -> TermDoc:
    """The documentation of ``term`` with its shapes, usage count and examples."""
    doc = TermDoc(str(term), labels.label(term), term_kind(onto, term))
    doc.definitions = [str(d) for p in DEFINITIONS for d in onto.objects(term, p)]
    doc.notes = sorted(str(n) for p in NOTES for n in onto.objects(term, p))
    doc.alignments = [(labels.view(p), labels.view(o)) for p in ALIGNMENTS
                      for o in sorted(onto.objects(term, p)) if isinstance(o, URIRef)]
    doc.domains = [v for n in onto.objects(term, RDFS.domain) for v in _named(onto, n, labels)]
    doc.ranges = [v for n in onto.objects(term, RDFS.range) for v in _named(onto, n, labels)]
    doc.subterms = sorted((labels.view(s) for p in (RDFS.subClassOf, RDFS.subPropertyOf)
                           for s in onto.subjects(p, term) if isinstance(s, URIRef)),
                          key=lambda v: v.text)
    doc.shapes = shapes_for(shapes, onto, term, doc.kind == "class")
    _usage(store, labels, doc)
    return doc


def _usage(store, labels: Labels, doc: TermDoc) -> None:
    graphs = f"<{GRAPH_FACTS}>, <{GRAPH_INFERRED}>"
    if doc.kind == "class":
        pattern, shown = f"?x a <{doc.iri}>", "?x"
    else:
        pattern, shown = f"?x <{doc.iri}> ?y", "?x ?y"
    where = f"WHERE {{ GRAPH ?g {{ {pattern} }} FILTER(?g IN ({graphs})) }}"
    listing = f"SELECT DISTINCT {shown} {where} ORDER BY {shown}"
    doc.count = int(store.select(f"SELECT (COUNT(*) AS ?n) {{ {listing} }}")[0]["n"])
    doc.query = listing
    rows = store.select(f"{listing} LIMIT {EXAMPLES}")
    doc.examples = [tuple(labels.view(r[v]) for v in ("x", "y") if v in r) for r in rows]
    if doc.kind != "class":
        doc.claim_count = int(store.select(
            f"PREFIX rdf: <{RDF}> SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_CLAIMS}> "
            f"{{ ?st rdf:predicate <{doc.iri}> }} }}")[0]["n"])


def schema_types(onto: Graph, classes: list[str]) -> list[str]:
    """The schema.org classes (local names) that ``classes`` are aligned to, most specific
    first: equivalent or superclasses, and exact or close matches."""
    found: list[str] = []
    for cls in classes:
        for link in (OWL.equivalentClass, SKOS.exactMatch, RDFS.subClassOf, SKOS.closeMatch):
            for other in onto.objects(URIRef(cls), link):
                name = str(other).removeprefix("https://schema.org/")
                if name != str(other) and name not in found:
                    found.append(name)
    return found


def _definition(onto: Graph, term: URIRef) -> str:
    return next((str(d) for p in DEFINITIONS for d in onto.objects(term, p)), "")


@dataclass
class OntologyDoc:
    """The ontology page: its metadata and every term, grouped by kind."""

    iri: str
    metadata: list[tuple[TermView, TermView]]
    groups: list[tuple[str, list[tuple[TermView, str, int]]]]  # kind, [(term, definition, count)]


def ontology_doc(store, labels: Labels, onto: Graph) -> OntologyDoc:
    """Documentation of the whole ontology with each term's definition and instance count."""
    metadata = [(labels.view(p), labels.view(o))
                for p, o in sorted(onto.predicate_objects(ONTOLOGY_IRI))]
    counts = {str(r["c"]): int(r["n"]) for r in store.select(
        f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a ?c }} "
        f"FILTER(?g IN (<{GRAPH_FACTS}>, <{GRAPH_INFERRED}>)) }} GROUP BY ?c")}
    counts.update({str(r["p"]): int(r["n"]) for r in store.select(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_FACTS}> {{ ?x ?p ?y }} }} "
        "GROUP BY ?p")})
    groups = []
    for cls, name in TERM_KINDS:
        terms = [t for t in onto.subjects(RDF.type, cls)
                 if isinstance(t, URIRef) and str(t).startswith((str(LPO), str(LPV)))]
        rows = [(labels.view(t), _definition(onto, t), counts.get(str(t), 0)) for t in set(terms)]
        if rows:
            groups.append((name, sorted(rows, key=lambda r: r[0].text.lower())))
    return OntologyDoc(str(ONTOLOGY_IRI), metadata, groups)
