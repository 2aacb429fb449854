"""The RDF data document of each kind of lodpub resource, and its serialisations.

A thing's document holds its own triples with their unnamed and unlabelled auxiliary nodes
(statement nodes, text anchors, selectors), the triples pointing at it, and the full claims
about it, so a program that follows an IRI gets the provenance along with the facts.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal, URIRef

from lodpub.formats import DATASET, Format
from lodpub.namespaces import (
    DATASET_IRI,
    DCTERMS,
    FOAF,
    GRAPH_CLAIMS,
    GRAPH_ONTOLOGY,
    LPO,
    PREFIXES,
    SCHEMA,
    VOID,
    bind_prefixes,
)

# One level of a thing's description: its triples, and those of blank objects.
LEVEL_QUERY = """CONSTRUCT { ?x ?p ?o . ?o ?bp ?bo } WHERE {
  VALUES ?x { %s }
  GRAPH ?g { ?x ?p ?o }
  OPTIONAL { GRAPH ?h { ?o ?bp ?bo } FILTER(isBlank(?o)) }
}"""
DEPTH = 3

CLAIMS_ABOUT_QUERY = f"""PREFIX lpo: <{LPO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{ ?c a lpo:Claim .
  {{ ?c lpo:about <%(iri)s> }} UNION {{ ?c ?h ?st . ?st rdf:subject <%(iri)s> }}
  UNION {{ ?c ?h ?st . ?st rdf:object <%(iri)s> }} }} }}"""


def closure(store, iris: list[str], labelled: Callable[[str], bool]) -> Graph:
    """The triples of ``iris`` with their auxiliary nodes, ``DEPTH`` levels deep.

    An object is expanded when it is a fragment of a root (``…#anchor``) or has no label of
    its own (a reified statement, a text selector); labelled things get their own documents,
    so the description stays bounded.
    """
    graph = Graph()
    roots = tuple(f"{iri}#" for iri in iris)
    frontier, seen = list(iris), set(iris)
    for _ in range(DEPTH):
        if not frontier:
            break
        level = store.construct(LEVEL_QUERY % " ".join(f"<{i}>" for i in frontier))
        graph += level
        frontier = sorted({str(o) for o in level.objects() if isinstance(o, URIRef)
                           and str(o) not in seen
                           and (str(o).startswith(roots) or not labelled(str(o)))})
        seen.update(frontier)
    return graph


def thing_graph(store, iri: str, labelled: Callable[[str], bool]) -> Graph:
    """Document of an entity, claim or concept: closure, incoming triples, claims about it."""
    claims = [str(row["c"]) for row in store.select(CLAIMS_ABOUT_QUERY % {"iri": iri})]
    graph = closure(store, [iri, *claims], labelled)
    graph += store.construct(
        f"CONSTRUCT {{ ?s ?p <{iri}> }} WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
        f"FILTER(?g != <{GRAPH_CLAIMS}>) }}"
    )
    return graph


def source_graph(store, iri: str, labelled: Callable[[str], bool]) -> Graph:
    """Document of a source: its description and every sentence with its text and offsets."""
    graph = closure(store, [iri], labelled)
    graph += store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{iri}#")) }}'
    )
    return graph


def named_graph(store, iri: str) -> Graph:
    """Every triple of the named graph ``iri``."""
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


def ontology_graph(store) -> Graph:
    """The ontology graph (TBox and SKOS schemes)."""
    return named_graph(store, str(GRAPH_ONTOLOGY))


def add_document_metadata(graph: Graph, doc_iri: str, topic: str, license_url: str,
                          version: str) -> None:
    """Say what the document is about, its licence and the release it belongs to."""
    doc = URIRef(doc_iri)
    graph.add((doc, FOAF.primaryTopic, URIRef(topic)))
    graph.add((doc, DCTERMS.license, URIRef(license_url)))
    graph.add((doc, VOID.inDataset, DATASET_IRI))
    graph.add((doc, SCHEMA.version, Literal(version)))


def serialize(graph: Graph, fmt: Format) -> bytes:
    """``graph`` in format ``fmt`` (UTF-8 bytes); in TriG or N-Quads, as the default graph."""
    if fmt.carries == DATASET:
        import pyoxigraph as ox

        from lodpub.terms import to_oxigraph

        triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in graph]
        return ox.serialize(triples, format=fmt.oxigraph_format(), prefixes=PREFIXES)
    bind_prefixes(graph)
    if fmt.rdflib_name == "json-ld":
        predicates = {str(p) for p in graph.predicates()}
        used = {p: ns for p, ns in PREFIXES.items() if any(ns in t for t in predicates)}
        return graph.serialize(format="json-ld", context=used or None, encoding="utf-8")
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
