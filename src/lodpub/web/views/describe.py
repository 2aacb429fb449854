"""What the graph says about one thing, for its HTML page: header, statements both ways, claims.

Statements come from the asserted graphs (facts, ontology) and ``graph:inferred``; each row
keeps its graph so the page can mark inferred ones, and the documents whose reported facts
state it ("supported by N sources"). The page also lists the documents supporting the thing
and where sources differ about it (``support``). Long lists are paged in SPARQL
(``LIMIT``/``OFFSET``), so a page costs the same however well connected the thing is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from lodpub.namespaces import (
    DCTERMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
)
from lodpub.web.views.claims import ClaimView, claim_views, claims_about
from lodpub.web.views.labels import Labels, TermView
from lodpub.web.views.support import DisagreementView, disagreements, support, supporting_documents

PAGE_SIZE = 50
CLAIMS_PER_PAGE = 25
STATEMENT_GRAPHS = (GRAPH_FACTS, GRAPH_INFERRED, GRAPH_ONTOLOGY)
DESCRIPTION_PREDICATES = (RDFS.comment, SKOS.definition, DCTERMS.description, SCHEMA.description)
ALIAS_PREDICATES = (SKOS.altLabel, SCHEMA.alternateName)
# Shown in the page header, so left out of the statement tables.
HEADER_PREDICATES = (RDF.type, RDFS.label, SKOS.prefLabel, OWL.sameAs,
                     *DESCRIPTION_PREDICATES, *ALIAS_PREDICATES)


@dataclass
class Row:
    """One statement: the other end, the predicate, and whether it was inferred."""

    predicate: TermView
    other: TermView
    inferred: bool
    sources: list[TermView] = field(default_factory=list)  # documents whose facts state it


@dataclass
class Paged:
    """One page of a longer list."""

    rows: list
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """How many pages the list has."""
        return max(1, -(-self.total // self.size))


@dataclass
class Description:
    """Everything an entity page shows."""

    iri: str
    label: str
    types: list[Row] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    same_as: list[TermView] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)  # graph:links rows (link status, reason)
    evidence: list[tuple[str, str, list[Row]]] = field(default_factory=list)  # id, kind, rows
    outgoing: Paged | None = None
    incoming: Paged | None = None
    claims: Paged | None = None
    supported_by: list[TermView] = field(default_factory=list)  # documents with facts about it
    disagreements: list[DisagreementView] = field(default_factory=list)  # where sources differ

    @property
    def claim_list(self) -> list[ClaimView]:
        """The claims on this page."""
        return self.claims.rows if self.claims else []


def _in(values) -> str:
    return ", ".join(f"<{v}>" for v in values)


def _header(store, labels: Labels, desc: Description) -> None:
    query = f"""SELECT ?g ?p ?o WHERE {{ GRAPH ?g {{ <{desc.iri}> ?p ?o }}
      FILTER(?p IN ({_in(HEADER_PREDICATES)}) || ?g = <{GRAPH_LINKS}>) }} ORDER BY ?p ?o"""
    for row in store.select(query):
        pred, obj, graph = row["p"], row["o"], row["g"]
        inferred = graph == GRAPH_INFERRED
        if graph == GRAPH_LINKS and pred not in HEADER_PREDICATES:
            if not str(obj).startswith(desc.iri + "#"):
                desc.links.append(Row(labels.view(pred), labels.view(obj), False))
        elif pred == RDF.type:
            if all(t.other.iri != str(obj) for t in desc.types):
                desc.types.append(Row(labels.view(pred), labels.view(obj), inferred))
        elif pred in DESCRIPTION_PREDICATES and str(obj) not in desc.descriptions:
            desc.descriptions.append(str(obj))
        elif pred in ALIAS_PREDICATES and str(obj) not in desc.aliases:
            desc.aliases.append(str(obj))
        elif pred == OWL.sameAs and all(s.iri != str(obj) for s in desc.same_as):
            desc.same_as.append(labels.view(obj))


def _link_evidence(store, labels: Labels, desc: Description) -> None:
    """Evidence and candidate nodes of the Wikidata link (``<iri>#wikidata-evidence-1``)."""
    query = f"""SELECT ?node ?p ?o WHERE {{ GRAPH <{GRAPH_LINKS}> {{ <{desc.iri}> ?link ?node .
      ?node ?p ?o FILTER(STRSTARTS(STR(?node), "{desc.iri}#") && ?p != <{RDF.type}>) }} }}
      ORDER BY ?node ?p ?o"""
    nodes: dict[str, list[Row]] = {}
    for row in store.select(query):
        nodes.setdefault(str(row["node"]), []).append(
            Row(labels.view(row["p"]), labels.view(row["o"]), False))
    for node, rows in nodes.items():
        fragment = node.partition("#")[2]
        kind = "candidate" if "candidate" in fragment else "evidence"
        desc.evidence.append((fragment, kind, rows))


def _paged_statements(store, labels: Labels, iri: str, incoming: bool, page: int,
                      supported: dict[tuple[str, str, str], set[str]]) -> Paged:
    pattern = f"?other ?p <{iri}>" if incoming else f"<{iri}> ?p ?other"
    where = f"""WHERE {{ GRAPH ?g {{ {pattern} }}
      FILTER(?g IN ({_in(STATEMENT_GRAPHS)}) && ?p NOT IN ({_in(HEADER_PREDICATES)})) }}"""
    total = int(store.select(f"SELECT (COUNT(*) AS ?n) {where}")[0]["n"])
    offset = (page - 1) * PAGE_SIZE
    rows = []
    for r in store.select(
            f"SELECT ?g ?p ?other {where} ORDER BY ?p ?other LIMIT {PAGE_SIZE} OFFSET {offset}"):
        triple = ((str(r["other"]), str(r["p"]), iri) if incoming
                  else (iri, str(r["p"]), str(r["other"])))
        documents = sorted(supported.get(triple, ()))
        rows.append(Row(labels.view(r["p"]), labels.view(r["other"]), r["g"] == GRAPH_INFERRED,
                        [labels.view(URIRef(d)) for d in documents]))
    return Paged(rows, total, page, PAGE_SIZE)


def describe(store, labels: Labels, iri: str, page: int = 1) -> Description:
    """The description of ``iri`` with page ``page`` of its statements and claims."""
    desc = Description(iri, labels.label(iri))
    _header(store, labels, desc)
    _link_evidence(store, labels, desc)
    supported = support(store, iri)
    desc.outgoing = _paged_statements(store, labels, iri, incoming=False, page=page,
                                      supported=supported)
    desc.incoming = _paged_statements(store, labels, iri, incoming=True, page=page,
                                      supported=supported)
    desc.supported_by = supporting_documents(store, labels, iri)
    desc.disagreements = disagreements(store, labels, iri)
    claim_iris = claims_about(store, iri)
    start = (page - 1) * CLAIMS_PER_PAGE
    desc.claims = Paged(
        claim_views(store, labels, claim_iris[start:start + CLAIMS_PER_PAGE]),
        len(claim_iris), page, CLAIMS_PER_PAGE,
    )
    return desc


def last_page(desc: Description) -> int:
    """The highest page number any list of ``desc`` reaches."""
    return max(p.pages for p in (desc.outgoing, desc.incoming, desc.claims) if p is not None)


def schema_org(desc: Description, license_url: str, dataset: str,
               schema_types: list[str] = ()) -> dict:
    """A schema.org JSON-LD object describing the thing, for search engines.

    ``schema_types`` are the schema.org classes its lodpub types align to (``Country``, …).
    """
    data: dict = {
        "@context": "https://schema.org/",
        "@id": desc.iri,
        "@type": list(schema_types) if schema_types else "Thing",
        "name": desc.label,
        "url": desc.iri,
        "license": license_url,
        "isPartOf": {"@type": "Dataset", "@id": dataset},
    }
    if desc.descriptions:
        data["description"] = desc.descriptions[0]
    if desc.aliases:
        data["alternateName"] = desc.aliases
    if desc.same_as:
        data["sameAs"] = [s.iri for s in desc.same_as]
    types = [t.other.iri for t in desc.types if not t.inferred and t.other.iri]
    if types:
        data["additionalType"] = types
    return data


def known_iri(store, iri: str) -> bool:
    """Whether ``iri`` occurs anywhere in the release (as subject, object or graph name)."""
    return store.ask(
        f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }}"
        f" UNION {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        f" UNION {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }} }} }}"
    )
