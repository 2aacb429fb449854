"""The RDF data document of each kind of lodpub resource, and its serialisations.

A thing's document holds its own triples with their unnamed and unlabelled auxiliary nodes
(statement nodes, text anchors, selectors), the triples pointing at it, and the full claims
about it, so a program that follows an IRI gets the provenance along with the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox
from rdflib import Graph

from lodpub.formats import Format
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
from lodpub.terms import from_oxigraph, to_oxigraph

# One level of a thing's description: its triples, and those of blank objects.
LEVEL_QUERY = """CONSTRUCT { ?x ?p ?o . ?o ?bp ?bo } WHERE {
  VALUES ?x { %s }
  GRAPH ?g { ?x ?p ?o }
  OPTIONAL { GRAPH ?h { ?o ?bp ?bo } FILTER(isBlank(?o)) }
}"""
DEPTH = 3

CLAIMS_ABOUT_QUERY = f"""PREFIX lpo: <{LPO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  {{ ?c lpo:about <%(iri)s> . ?c a lpo:Claim }}
  UNION {{ ?st rdf:subject <%(iri)s> . ?c ?h ?st . ?c a lpo:Claim }}
  UNION {{ ?st rdf:object <%(iri)s> . ?c ?h ?st . ?c a lpo:Claim }} }} }}"""
# the class check inside each branch: joined after the union, every claim was scanned (125 ms
# a document at 1M quads in memory, 1 s on disk; 0.5 ms this way)


def closure(store, iris: list[str], labelled: Callable[[str], bool]) -> set[ox.Triple]:
    """The triples of ``iris`` with their auxiliary nodes, ``DEPTH`` levels deep.

    An object is expanded when it is a fragment of a root (``…#anchor``) or has no label of
    its own (a reified statement, a text selector); labelled things get their own documents,
    so the description stays bounded.
    """
    triples: set[ox.Triple] = set()
    roots = tuple(f"{iri}#" for iri in iris)
    frontier, seen = list(iris), set(iris)
    for _ in range(DEPTH):
        if not frontier:
            break
        level = store.triples(LEVEL_QUERY % " ".join(f"<{i}>" for i in frontier))
        triples.update(level)
        frontier = sorted({t.object.value for t in level if isinstance(t.object, ox.NamedNode)
                           and t.object.value not in seen
                           and (t.object.value.startswith(roots)
                                or not labelled(t.object.value))})
        seen.update(frontier)
    return triples


def thing_graph(store, iri: str, labelled: Callable[[str], bool]) -> set[ox.Triple]:
    """Document of an entity, claim or concept: closure, incoming triples, claims about it."""
    claims = [str(row["c"]) for row in store.select(CLAIMS_ABOUT_QUERY % {"iri": iri})]
    triples = closure(store, [iri, *claims], labelled)
    triples.update(store.triples(
        f"CONSTRUCT {{ ?s ?p <{iri}> }} WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
        f"FILTER(?g != <{GRAPH_CLAIMS}>) }}"
    ))
    return triples


def source_graph(store, iri: str, labelled: Callable[[str], bool]) -> set[ox.Triple]:
    """Document of a source: its description and every sentence with its text and offsets."""
    triples = closure(store, [iri], labelled)
    triples.update(store.triples(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?s), "{iri}#")) }}'
    ))
    return triples


def named_graph(store, iri: str) -> set[ox.Triple]:
    """Every triple of the named graph ``iri``."""
    return set(store.triples(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"))


def ontology_graph(store) -> Graph:
    """The ontology graph (TBox and SKOS schemes), as rdflib (the ontology pages read it)."""
    graph = Graph()
    for triple in named_graph(store, str(GRAPH_ONTOLOGY)):
        graph.add(tuple(from_oxigraph(term) for term in triple))
    return graph


def document_metadata(doc_iri: str, topic: str, license_url: str,
                      version: str) -> list[ox.Triple]:
    """What the document is about, its licence and the release it belongs to."""
    doc = ox.NamedNode(doc_iri)
    return [ox.Triple(doc, ox.NamedNode(str(FOAF.primaryTopic)), ox.NamedNode(topic)),
            ox.Triple(doc, ox.NamedNode(str(DCTERMS.license)), ox.NamedNode(license_url)),
            ox.Triple(doc, ox.NamedNode(str(VOID.inDataset)), ox.NamedNode(str(DATASET_IRI))),
            ox.Triple(doc, ox.NamedNode(str(SCHEMA.version)), ox.Literal(version))]


def as_triples(graph: Graph | Iterable[ox.Triple]) -> list[ox.Triple]:
    """pyoxigraph triples of an rdflib graph (or the triples themselves)."""
    if isinstance(graph, Graph):
        return [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in graph]
    return list(graph)


def _ordered(triples: set[ox.Triple], topic: str | None) -> list[ox.Triple]:
    # the topic's triples first, then subjects by IRI (blank nodes last), predicate and object:
    # the same document always gives the same bytes, each subject's triples in one block
    def key(triple: ox.Triple) -> tuple:
        subject = triple.subject
        return (subject.value != topic, isinstance(subject, ox.BlankNode), subject.value,
                triple.predicate.value, str(triple.object))
    return sorted(triples, key=key)


def _prefixes_used(iris: set[str]) -> dict[str, str]:
    """The prefixes of ``PREFIXES`` that some IRI of ``iris`` starts with."""
    return {prefix: ns for prefix, ns in PREFIXES.items()
            if any(iri.startswith(ns) for iri in iris)}


def serialize(graph: Graph | Iterable[ox.Triple], fmt: Format, *,
              topic: str | None = None) -> bytes:
    """The triples of ``graph`` in format ``fmt`` (UTF-8 bytes), those of ``topic`` first; in
    TriG or N-Quads, as the default graph. pyoxigraph writes every format but JSON-LD, which
    rdflib compacts with the prefixes of the predicates the document uses as its context."""
    triples = _ordered(set(as_triples(graph)), topic)
    if fmt is Format.JSONLD:
        rdflib_graph = Graph()
        for triple in triples:
            rdflib_graph.add(tuple(from_oxigraph(term) for term in triple))
        bind_prefixes(rdflib_graph)
        used = _prefixes_used({t.predicate.value for t in triples})
        return rdflib_graph.serialize(format="json-ld", context=used or None, encoding="utf-8")
    prefixes = {}
    if fmt not in (Format.NTRIPLES, Format.NQUADS):
        iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
                if isinstance(term, ox.NamedNode)}
        iris.update(t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal))
        prefixes = _prefixes_used(iris)
    return ox.serialize(triples, format=fmt.oxigraph_format(), prefixes=prefixes)
