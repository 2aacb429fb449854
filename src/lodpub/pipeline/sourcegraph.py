"""A source document as RDF: metadata as stated, sentences with offsets, reasons left out.

Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import Graph, Literal, URIRef

from lodpub.errors import QuoteError
from lodpub.namespaces import (
    DCTERMS,
    DOCUMENT_FIELDS,
    ID,
    LPO,
    RDF,
    RDFS,
    SKOS,
    SOURCE,
    XSD,
    sentence_iri,
)
from lodpub.pipeline.literals import literal
from lodpub.pipeline.records import NotEncoded
from lodpub.pipeline.sources import Source

NOTES = (("title_note", "Title"), ("author_note", "Author"), ("publisher_note", "Publisher"),
         ("date_note", "Date"), ("license_note", "Licence"), ("excerpt_note", "Excerpt"),
         ("layout_note", "Layout of the stored text"))


def _metadata(graph: Graph, doc: URIRef, source: Source) -> None:
    """The document's metadata as source.yaml states it, with the curators' notes."""
    meta = source.meta
    title = Literal(meta.get("title") or source.id, lang="en")
    graph.add((doc, RDFS.label, title))
    graph.add((doc, DCTERMS.title, title))
    if not source.complete:
        graph.add((doc, RDF.type, LPO.Excerpt))
    for field in source.not_stated:
        graph.add((doc, LPO.notStatedInDocument, DOCUMENT_FIELDS[field]))
        see = f" (see the note on the {field})" if meta.get(f"{field}_note") else ""
        graph.add((doc, SKOS.editorialNote, Literal(
            f"The {field} is not stated in the document{see}.", lang="en")))
    for key, topic in NOTES:
        if meta.get(key):
            graph.add((doc, SKOS.editorialNote, Literal(f"{topic}: {meta[key]}", lang="en")))
    if meta.get("publisher"):
        graph.add((doc, DCTERMS.publisher, ID[meta["publisher"]]))
    for author in source.authors:
        graph.add((doc, DCTERMS.creator, ID[author]))
    if meta.get("date"):
        graph.add((doc, DCTERMS.issued, literal({"date": str(meta["date"])}, str(source.path))))
    if meta.get("url"):
        graph.add((doc, DCTERMS.source, URIRef(str(meta["url"]))))
    if meta.get("retrieved"):
        retrieved = literal({"date": str(meta["retrieved"])}, str(source.path))
        graph.add((doc, LPO.retrievedOn, retrieved))
    licence = str(meta.get("license") or "")
    if licence.startswith(("http://", "https://")):
        graph.add((doc, DCTERMS.license, URIRef(licence)))
    elif licence:
        graph.add((doc, DCTERMS.rights, Literal(licence, lang="en")))
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


def source_graph(source: Source, not_encoded: Sequence[NotEncoded]) -> Graph:
    """The source document, its metadata as stated, and its sentences with offsets."""
    graph = Graph()
    doc = SOURCE[source.id]
    graph.add((doc, RDF.type, LPO.SourceDocument))
    _metadata(graph, doc, source)
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
        if entry.source != source.id:
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
