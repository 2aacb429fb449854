"""graph:links: each entity's Wikidata link status, the item, and the evidence behind it.

Pure graph building: entity records in, triples out. The shape (terms in ontology/links.ttl)::

    id:kataib-hezbollah lpo:linkStatus lpv:linked ;
        lpo:wikidataItem wd:Q… ;
        lpo:linkEvidence <…/id/kataib-hezbollah#wikidata-evidence-1> .
    <…#wikidata-evidence-1> a lpo:LinkEvidence, prov:Entity ;
        lpo:wikidataItem wd:Q… ;              # the item the source showed
        dct:source <https://…> ;              # the URL, or the repository file at its commit
        lpo:labelSeen "Kata'ib Hizballah" ;   # the item's label as shown there
        lpo:retrievedOn "2026-11-26"^^xsd:date ;   # when recorded (lodpub link --apply)
        skos:note "…" .

An unverified entity carries ``lpo:linkCandidate`` nodes (``a lpo:LinkCandidate``) with the
proposed item, its label and source; an entity without an item carries ``lpo:linkReason``.
The ``owl:sameAs`` link to Wikidata itself is a fact and goes into graph:facts (compile.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from lodpub.namespaces import DCTERMS, LPO, LPV, PROV, RDF, RDFS, SKOS, WD, XSD, bind_prefixes

STATUS_CONCEPTS: dict[str, URIRef] = {
    "linked": LPV["linked"],
    "unverified": LPV["unverified"],
    "none": LPV["no-item"],
}


class LinkedEntity(Protocol):
    """What links_graph needs of an entity record (``lodpub.pipeline.records.Entity`` has it)."""

    id: str
    wikidata: Mapping[str, Any]

    @property
    def iri(self) -> URIRef:
        """The entity's IRI."""


def item_iri(qid: str) -> URIRef:
    """The Wikidata entity IRI of item ``qid`` (``Q123`` -> ``wd:Q123``)."""
    return WD[str(qid).strip()]


# A repository at a commit with a path: owner/name:path@<40 hex digits>.
REPOSITORY_SOURCE = re.compile(
    r"^(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+):(?P<path>[^@\s]+)@(?P<commit>[0-9a-f]{40})$")
URL_SOURCE = re.compile(r"^https?://\S+$")
CITABLE = ("a URL (https://…) or a public GitHub repository at a commit with a path, written "
           "owner/name:path@<40-hex commit>")


def citable_url(source: Any) -> str | None:
    """The URL a reader opens to check a recorded source, or None when it names none.

    A URL is itself; ``owner/name:path@commit`` is the file on GitHub at that commit. Anything
    else (a stored-file number, a description of a search) is not evidence anyone can check.
    """
    text = str(source or "").strip()
    if URL_SOURCE.match(text):
        return text
    found = REPOSITORY_SOURCE.match(text)
    if found:
        return (f"https://github.com/{found['repo']}/blob/{found['commit']}/"
                f"{quote(found['path'])}")
    return None


def source_term(source: str) -> Node:
    """A recorded source as an RDF term: the IRI a reader opens, or (not citable) a string.

    The shapes refuse the string: every source must be something a reader can open.
    """
    url = citable_url(source)
    return URIRef(url) if url else Literal(str(source).strip())


def _date_literal(value: Any) -> Literal | None:
    if isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=XSD.date)
    if value in (None, ""):
        return None
    try:
        return Literal(dt.date.fromisoformat(str(value)).isoformat(), datatype=XSD.date)
    except ValueError:
        return Literal(str(value))


def _add_source_node(graph: Graph, node: URIRef, item: Mapping[str, Any]) -> None:
    """Triples shared by evidence and candidate nodes: item, source, label, date, note."""
    graph.add((node, RDF.type, PROV.Entity))
    if item.get("qid"):
        graph.add((node, LPO.wikidataItem, item_iri(item["qid"])))
    if item.get("source"):
        graph.add((node, DCTERMS.source, source_term(item["source"])))
    retrieved = _date_literal(item.get("retrieved"))
    if retrieved is not None:
        graph.add((node, LPO.retrievedOn, retrieved))
    if item.get("note"):
        graph.add((node, SKOS.note, Literal(str(item["note"]), lang="en")))


def _add_verification(graph: Graph, subject: URIRef, verified: Any) -> None:
    """The last re-check against Wikidata's API (``lodpub link --verify``): its date when the
    item was as recorded, else the problem found."""
    if not isinstance(verified, Mapping):
        return
    date = _date_literal(verified.get("date"))
    if verified.get("outcome") == "ok" and date is not None:
        graph.add((subject, LPO.verifiedOn, date))
    elif verified.get("outcome"):
        graph.add((subject, LPO.verificationProblem, Literal(
            f"{verified['outcome']} (checked {verified.get('date', 'on an unrecorded date')})",
            lang="en")))


def _add_entity(graph: Graph, entity: LinkedEntity) -> None:
    block = entity.wikidata
    subject = entity.iri
    status = block["status"]
    graph.add((subject, LPO.linkStatus, STATUS_CONCEPTS[status]))
    if block.get("reason"):
        graph.add((subject, LPO.linkReason, Literal(str(block["reason"]), lang="en")))
    if status == "linked":
        graph.add((subject, LPO.wikidataItem, item_iri(block["qid"])))
        for number, evidence in enumerate(block.get("evidence") or (), start=1):
            node = URIRef(f"{subject}#wikidata-evidence-{number}")
            graph.add((subject, LPO.linkEvidence, node))
            graph.add((node, RDF.type, LPO.LinkEvidence))
            item = {"qid": block["qid"], **evidence}
            _add_source_node(graph, node, item)
            if evidence.get("label"):
                graph.add((node, LPO.labelSeen, Literal(str(evidence["label"]))))
    _add_verification(graph, subject, block.get("verified"))
    if status == "unverified":
        for number, candidate in enumerate(block.get("candidates") or (), start=1):
            node = URIRef(f"{subject}#wikidata-candidate-{number}")
            graph.add((subject, LPO.linkCandidate, node))
            graph.add((node, RDF.type, LPO.LinkCandidate))
            _add_source_node(graph, node, candidate)
            if candidate.get("label"):
                graph.add((node, RDFS.label, Literal(str(candidate["label"]))))


def links_graph(entities: Sequence[LinkedEntity]) -> Graph:
    """graph:links for ``entities``: link status, item, evidence and candidates of each.

    Every entity gets exactly one ``lpo:linkStatus``; raises KeyError for a status outside
    linked/unverified/none (records.py has already rejected those with file and line).
    """
    graph = Graph()
    bind_prefixes(graph)
    for entity in entities:
        _add_entity(graph, entity)
    return graph


def link_counts(entities: Sequence[LinkedEntity]) -> dict[str, int]:
    """How many entities are linked, unverified and without item (for ``lodpub stats``)."""
    counts = Counter(entity.wikidata["status"] for entity in entities)
    return {status: counts.get(status, 0) for status in STATUS_CONCEPTS}
