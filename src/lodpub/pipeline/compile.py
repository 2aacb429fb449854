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

from lodpub.errors import QuoteError, RecordError
from lodpub.namespaces import (
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_ONTOLOGY,
    ID,
    LPO,
    LPV,
    OA,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SOURCE,
    WD,
    XSD,
    bind_prefixes,
    expand,
    sentence_iri,
)
from lodpub.pipeline.literals import literal
from lodpub.pipeline.records import Entity, NotEncoded, Record
from lodpub.pipeline.sourcegraph import not_encoded_by_sentence, source_graph
from lodpub.pipeline.sources import Source

DECLARATION_TYPES = (
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
    RDFS.Class, OWL.NamedIndividual, SKOS.Concept, SKOS.ConceptScheme,
)
QUOTE_CONTEXT = 32  # characters of prefix and suffix kept in a TextQuoteSelector


@dataclass(frozen=True)
class Anchor:
    """Where a record's quote stands in its source."""

    source: Source
    start: int
    end: int

    @property
    def sentences(self) -> tuple[int, ...]:
        """Numbers of the sentences the quote overlaps."""
        return tuple(s.number for s in self.source.sentences_between(self.start, self.end))


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


def anchor(record: Record, sources: Mapping[str, Source]) -> Anchor:
    """Locate a record's quote verbatim in its source; QuoteError names the record if absent."""
    if record.source not in sources:
        raise RecordError(f"{record.where}: no document {record.source!r} in data/sources/")
    source = sources[record.source]
    found = source.find(record.quote, record.occurrence or 1)
    if found is None:
        hint = _near_miss(record.quote, source.text)
        raise QuoteError(
            f"{record.where}: the quote is not in {source.path} verbatim"
            f"{hint}. Copy the exact text (curly quotes and typos included)."
        )
    if record.occurrence is None and source.count(record.quote) > 1:
        raise QuoteError(
            f"{record.where}: the quote occurs {source.count(record.quote)} times in "
            f"{source.path}; lengthen it or add 'occurrence: N'"
        )
    return Anchor(source, *found)


def _near_miss(quote: str, text: str) -> str:
    words = quote.split()
    for size in range(len(words), 0, -1):
        head = " ".join(words[:size])
        if head in text:
            if size == len(words):
                return " (it differs only in white space)"
            return f"; it matches up to {head[-40:]!r} and then differs"
    return ""


def _add_anchor(claims: Graph, claim: URIRef, where: Anchor) -> None:
    source_iri = SOURCE[where.source.id]
    target = URIRef(f"{claim}#anchor")
    quote_sel = URIRef(f"{claim}#quote-selector")
    position_sel = URIRef(f"{claim}#position-selector")
    text = where.source.text
    claims.add((claim, LPO.anchor, target))
    claims.add((target, RDF.type, OA.SpecificResource))
    claims.add((target, OA.hasSource, source_iri))
    claims.add((target, OA.hasSelector, quote_sel))
    claims.add((target, OA.hasSelector, position_sel))
    claims.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    claims.add((quote_sel, OA.exact, Literal(text[where.start:where.end])))
    prefix = text[max(0, where.start - QUOTE_CONTEXT):where.start]
    claims.add((quote_sel, OA.prefix, Literal(prefix)))
    claims.add((quote_sel, OA.suffix, Literal(text[where.end:where.end + QUOTE_CONTEXT])))
    claims.add((position_sel, RDF.type, OA.TextPositionSelector))
    claims.add((position_sel, OA.start, Literal(where.start, datatype=XSD.nonNegativeInteger)))
    claims.add((position_sel, OA.end, Literal(where.end, datatype=XSD.nonNegativeInteger)))
    for number in where.sentences:
        claims.add((claim, LPO.sentence, sentence_iri(where.source.id, number)))


def asserters(record: Record, source: Source) -> tuple[str, ...]:
    """Who asserts the record: its ``by:``, else the document's author(s)."""
    agents = record.by or source.authors
    if not agents:
        raise RecordError(
            f"{record.where}: say who asserts it (`by:` an entity id, or a list of them); "
            f"{source.folder / 'source.yaml'} names no `author:` to fall back on")
    return agents


def claim_graph_for(record: Record, where: Anchor, resolver: _Resolver) -> Graph:
    """The claim node of one record: modality, attribution, quote, anchor, reified statements."""
    graph = Graph()
    claim = record.iri
    graph.add((claim, RDF.type, LPO.Claim))
    graph.add((claim, RDFS.label, Literal(f"{record.kind}: {_shorten(record.quote)}", lang="en")))
    graph.add((claim, LPO.modality, LPV[record.kind]))
    for agent in asserters(record, where.source):
        graph.add((claim, LPO.assertedBy, resolver.entity(agent, record.where)))
    graph.add((claim, PROV.wasDerivedFrom, SOURCE[where.source.id]))
    graph.add((claim, LPO.quote, Literal(record.quote)))
    if record.note:
        graph.add((claim, SKOS.note, Literal(record.note, lang="en")))
    about = [resolver.entity(a, record.where) for a in record.about]
    for index, triple in enumerate(record.statements, start=1):
        s, p, o = resolver.statement(triple, f"{record.where}, statement {index}")
        node = URIRef(f"{claim}#s{index}")
        graph.add((claim, LPO.statement, node))
        graph.add((node, RDF.type, RDF.Statement))
        graph.add((node, RDF.subject, s))
        graph.add((node, RDF.predicate, p))
        graph.add((node, RDF.object, o))
        about.append(s)
        if isinstance(o, URIRef) and o.startswith(str(ID)):
            about.append(o)
    for entity in dict.fromkeys(about):
        graph.add((claim, LPO.about, entity))
    _add_anchor(graph, claim, where)
    return graph


def _shorten(text: str, size: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


@dataclass(frozen=True)
class Compiled:
    """The compiled named graphs and what the coverage check needs."""

    graphs: dict[URIRef, Graph]
    anchors: dict[str, Anchor]


def factual_entities(records: Sequence[Record], sources: Mapping[str, Source]) -> set[str]:
    """Ids of the entities graph:facts may describe.

    They are the subjects and entity objects of the statements of fact records, and each
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
                ids.add(subject)
                if predicate != "a" and isinstance(obj, str):
                    ids.add(obj)
    return ids


def compile_dataset(
    ontology: Graph,
    entities: Sequence[Entity],
    records: Sequence[Record],
    sources: Mapping[str, Source],
    not_encoded: Sequence[NotEncoded],
) -> Compiled:
    """Every record compiled into the named graphs ontology, facts and claims."""
    terms = declared_terms(ontology)
    resolver = _Resolver(entities, terms)
    factual = factual_entities(records, sources)
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
                facts.add(resolver.statement(triple, f"{record.where}, statement {index}"))
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
