"""A source document as RDF: metadata as stated, sentences with offsets, reasons left out.

Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import Graph, Literal, URIRef

from lodpub.errors import QuoteError
from lodpub.namespaces import DCTERMS, ID, LPO, RDF, RDFS, SKOS, SOURCE, XSD, sentence_iri
from lodpub.pipeline.literals import literal
from lodpub.pipeline.records import NotEncoded
from lodpub.pipeline.sources import Source


def source_graph(source: Source, not_encoded: Sequence[NotEncoded]) -> Graph:
    """The source document, its metadata as stated, and its sentences with offsets."""
    graph = Graph()
    doc = SOURCE[source.id]
    meta = source.meta
    graph.add((doc, RDF.type, LPO.SourceDocument))
    graph.add((doc, RDFS.label, Literal(meta.get("title") or source.id, lang="en")))
    if meta.get("title_stated_in_document") is False:
        graph.add((doc, SKOS.editorialNote, Literal(
            "The title is descriptive, given by the curators: the document states none.",
            lang="en")))
    if meta.get("publisher"):
        graph.add((doc, DCTERMS.publisher, ID[meta["publisher"]]))
    if meta.get("author"):
        graph.add((doc, DCTERMS.creator, ID[meta["author"]]))
    if meta.get("language"):
        graph.add((doc, DCTERMS.language, Literal(meta["language"])))
    if meta.get("description"):
        graph.add((doc, DCTERMS.description, Literal(meta["description"], lang="en")))
    for key, value in sorted((meta.get("derived") or {}).items()):
        if isinstance(value, Mapping) and "date" in value:
            node = URIRef(f"{doc}#derived-{key}")
            graph.add((doc, LPO.derivedDateBound, node))
            graph.add((node, RDFS.label, Literal(key.replace("_", " "), lang="en")))
            graph.add((node, LPO.date, literal({"date": value["date"]}, str(source.path))))
            if value.get("reason"):
                graph.add((node, SKOS.note, Literal(value["reason"], lang="en")))
    reasons = not_encoded_by_sentence(source, not_encoded)
    for sentence in source.sentences:
        node = sentence_iri(source.id, sentence.number)
        graph.add((node, RDF.type, LPO.Sentence))
        graph.add((node, RDFS.label, Literal(f"Sentence {sentence.number}", lang="en")))
        graph.add((node, DCTERMS.isPartOf, doc))
        number = Literal(sentence.number, datatype=XSD.positiveInteger)
        graph.add((node, LPO.sentenceNumber, number))
        graph.add((node, LPO.text, Literal(sentence.text)))
        graph.add((node, LPO.start, Literal(sentence.start, datatype=XSD.nonNegativeInteger)))
        graph.add((node, LPO.end, Literal(sentence.end, datatype=XSD.nonNegativeInteger)))
        for reason in reasons.get(sentence.number, ()):
            graph.add((node, LPO.notEncodedReason, Literal(reason, lang="en")))
    return graph


def not_encoded_by_sentence(
    source: Source, not_encoded: Sequence[NotEncoded]
) -> dict[int, list[str]]:
    """Sentence number -> the reasons it is not encoded (QuoteError if a quote is not there)."""
    result: dict[int, list[str]] = {}
    for entry in not_encoded:
        if entry.source not in (None, source.id):
            continue
        found = source.find(entry.quote)
        if found is None:
            raise QuoteError(
                f"{entry.file}:{entry.line}: the not-encoded quote is not in {source.path} "
                "verbatim; copy the exact text"
            )
        for sentence in source.sentences_between(*found):
            result.setdefault(sentence.number, []).append(entry.reason)
    return result
