"""Curated records -> RDF graphs. Pure functions: records in, triples out.

``compile_dataset`` returns the named graphs of a release (before reasoning): ontology, facts,
claims and links. Only records of kind ``fact`` are projected into ``graph:facts``; every record,
whatever its kind, becomes a claim node with its provenance in ``graph:claims``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from lodpub.errors import RecordError
from lodpub.namespaces import (
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_ONTOLOGY,
    ID,
    LPO,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WD,
    bind_prefixes,
    expand,
)
from lodpub.pipeline.claimgraph import Anchor, anchor, claim_graph_for
from lodpub.pipeline.disagreements import (
    Disagreement,
    disagreement_graph,
    disputed_triples,
    is_disputed,
)
from lodpub.pipeline.disagreements import check as check_disagreements
from lodpub.pipeline.literals import literal
from lodpub.pipeline.records import Entity, NotEncoded, Record
from lodpub.pipeline.sourcegraph import not_encoded_by_sentence, source_graph
from lodpub.pipeline.sources import Source

DECLARATION_TYPES = (
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
    RDFS.Class, OWL.NamedIndividual, SKOS.Concept, SKOS.ConceptScheme,
)


def declared_terms(ontology: Graph) -> set[URIRef]:
    """Every IRI the ontology declares as a class, property or concept."""
    return {
        s for t in DECLARATION_TYPES for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef)
    }


class _Resolver:
    """Turns ids, names and CURIEs of records into IRIs, checking that each one exists."""

    def __init__(self, entities: Iterable[Entity], terms: set[URIRef]):
        self.entities = {e.id for e in entities}
        self.terms = terms

    def entity(self, entity_id: Any, where: str) -> URIRef:
        if not isinstance(entity_id, str) or entity_id not in self.entities:
            raise RecordError(
                f"{where}: {entity_id!r} is not an entity id; add it to data/entities/ first"
            )
        return ID[entity_id]

    def term(self, name: Any, where: str) -> URIRef:
        if name == "a":
            return RDF.type
        try:
            iri = expand(str(name))
        except KeyError as exc:
            raise RecordError(f"{where}: {exc.args[0]}") from None
        if iri.startswith(str(LPO)) and iri not in self.terms:
            raise RecordError(
                f"{where}: {name!r} ({iri}) is not defined in ontology/; "
                "check the spelling or add the term to the ontology"
            )
        return iri

    def statement(self, triple: tuple[Any, Any, Any], where: str) -> tuple[URIRef, URIRef, Node]:
        subject, predicate, obj = triple
        s = self.entity(subject, where)
        p = self.term(predicate, where)
        if p == RDF.type:
            o: Node = self.term(obj, where)
        elif isinstance(obj, Mapping):
            o = literal(obj, where)
        else:
            o = self.entity(obj, where)
        return s, p, o


def entity_graph(entities: Sequence[Entity], terms: set[URIRef]) -> Graph:
    """Type, label, aliases, description and owl:sameAs of every entity (graph:facts part)."""
    resolver = _Resolver(entities, terms)
    graph = Graph()
    for entity in entities:
        for type_name in entity.types:
            graph.add((entity.iri, RDF.type, resolver.term(type_name, entity.where)))
        graph.add((entity.iri, RDFS.label, Literal(entity.label, lang="en")))
        for alias in entity.aliases:
            graph.add((entity.iri, SKOS.altLabel, Literal(alias, lang="en")))
        if entity.description:
            graph.add((entity.iri, SCHEMA.description, Literal(entity.description, lang="en")))
        if entity.wikidata["status"] == "linked":
            graph.add((entity.iri, OWL.sameAs, WD[entity.wikidata["qid"]]))
    return graph


@dataclass(frozen=True)
class Compiled:
    """The compiled named graphs and what the coverage check needs."""

    graphs: dict[URIRef, Graph]
    anchors: dict[str, Anchor]


def factual_entities(records: Sequence[Record], sources: Mapping[str, Source],
                     disputed: set[tuple[str, str, Any]] = frozenset()) -> set[str]:
    """Ids of the entities graph:facts may describe.

    They are the subjects and entity objects of the statements of fact records (those the
    sources dispute aside, which stay claims), and each
    document's publisher and author(s) (its metadata). Any other entity (a campaign only a
    forecast renews, a presence the text denies, a step a recommendation asks for, a group only
    quoted) is described in graph:claims instead: no graph of the endpoint's default graph
    holds a plain triple about it, not even its type, whether or not it has a Wikidata item.
    """
    ids = {s.meta["publisher"] for s in sources.values() if s.meta.get("publisher")}
    ids |= {agent for s in sources.values() for agent in s.authors}
    for record in records:
        if record.kind == "fact":
            for subject, predicate, obj in record.statements:
                if is_disputed((subject, predicate, obj), disputed):
                    continue
                ids.add(subject)
                if predicate != "a" and isinstance(obj, str):
                    ids.add(obj)
    return ids


def check_types_stated(entities: Sequence[Entity], records: Sequence[Record],
                       sources: Mapping[str, Source], factual: set[str], resolver: _Resolver,
                       disputed: set[tuple[str, str, Any]]) -> None:
    """RecordError unless every type of an entity graph:facts describes is stated by a fact
    record, so that every plain triple carries the sentence(s) it comes from.

    A document's publisher and authors are exempt: their types rest on the metadata.
    """
    stated = {(s, resolver.term(o, r.where)) for r in records if r.kind == "fact"
              for s, p, o in r.statements if p == "a" and not is_disputed((s, p, o), disputed)}
    metadata = {s.meta.get("publisher") for s in sources.values()}
    metadata |= {agent for s in sources.values() for agent in s.authors}
    for entity in entities:
        if entity.id not in factual or entity.id in metadata:
            continue
        for name in entity.types:
            if (entity.id, resolver.term(name, entity.where)) not in stated:
                raise RecordError(
                    f"{entity.where} (entity {entity.id!r}): its type {name} is stated by no "
                    f"fact record, so no sentence supports it; add [{entity.id}, a, {name}] to "
                    "the fact record whose sentence names it (data/sources/<id>/records.yaml), "
                    "or drop the type from the entity record")


def compile_dataset(
    ontology: Graph,
    entities: Sequence[Entity],
    records: Sequence[Record],
    sources: Mapping[str, Source],
    not_encoded: Sequence[NotEncoded],
    disagreements: Sequence[Disagreement] = (),
) -> Compiled:
    """Every record compiled into the named graphs ontology, facts and claims.

    A statement the sources dispute (see ``disagreements``) stays a claim of each source and
    is not projected into graph:facts.
    """
    terms = declared_terms(ontology)
    resolver = _Resolver(entities, terms)
    check_disagreements(disagreements, records)
    disputed = disputed_triples(disagreements, records)
    factual = factual_entities(records, sources, disputed)
    check_types_stated(entities, records, sources, factual, resolver, disputed)
    facts = entity_graph([e for e in entities if e.id in factual], terms)
    claims = entity_graph([e for e in entities if e.id not in factual], terms)
    anchors: dict[str, Anchor] = {}
    for source in sources.values():
        claims += source_graph(source, not_encoded)
    for record in records:
        where = anchor(record, sources)
        anchors[record.id] = where
        claims += claim_graph_for(record, where, resolver)
        if record.kind == "fact":
            for index, triple in enumerate(record.statements, start=1):
                if not is_disputed(triple, disputed):
                    facts.add(resolver.statement(triple, f"{record.where}, statement {index}"))
    for disagreement in disagreements:
        for entity in disagreement.about:
            resolver.entity(entity, disagreement.where)
    claims += disagreement_graph(disagreements, records)
    graphs = {GRAPH_ONTOLOGY: ontology, GRAPH_FACTS: facts, GRAPH_CLAIMS: claims}
    for graph in graphs.values():
        bind_prefixes(graph)
    _reject_blank_nodes(facts)
    return Compiled(graphs, anchors)


def _reject_blank_nodes(graph: Graph) -> None:
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        raise RecordError("graph:facts holds a blank node; every fact node needs an entity id")


def coverage(sources: Mapping[str, Source], compiled: Compiled,
             not_encoded: Sequence[NotEncoded]) -> dict[str, dict[int, str]]:
    """Per source, each sentence number -> 'encoded', 'not-encoded' or 'missing'."""
    result: dict[str, dict[int, str]] = {}
    for source in sources.values():
        status = {s.number: "missing" for s in source.sentences}
        for number in not_encoded_by_sentence(source, not_encoded):
            status[number] = "not-encoded"
        for where in compiled.anchors.values():
            if where.source.id == source.id:
                for number in where.sentences:
                    status[number] = "encoded"
        result[source.id] = status
    return result
