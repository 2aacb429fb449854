"""A record as a claim node: modality, attribution, quote, text anchor, reified statements.

Pure functions: a record, its source and a resolver for ids and terms in; triples out.
``anchor`` locates the quote verbatim (``QuoteError`` names the record when it is not there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from lodpub.errors import QuoteError, RecordError
from lodpub.namespaces import ID, LPO, LPV, OA, PROV, RDF, RDFS, SKOS, SOURCE, XSD, sentence_iri
from lodpub.pipeline.records import Record
from lodpub.pipeline.sources import Source

QUOTE_CONTEXT = 32  # characters of prefix and suffix kept in a TextQuoteSelector


class Resolver(Protocol):
    """Turns a record's ids and terms into IRIs (``compile._Resolver``)."""

    def entity(self, entity_id: Any, where: str) -> URIRef:
        """The IRI of an entity id."""

    def statement(self, triple: tuple[Any, Any, Any], where: str) -> tuple[URIRef, URIRef, Node]:
        """A record statement as an RDF triple."""


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


def claim_graph_for(record: Record, where: Anchor, resolver: Resolver) -> Graph:
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
