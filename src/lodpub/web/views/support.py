"""Which documents support what, and where they differ, for pages (no HTTP here).

A plain triple is supported by every reported fact (a claim of kind ``fact``) that states it,
each from a sentence of a document: ``support`` counts the documents per triple about a thing,
``supporting_documents`` the documents whose facts are about it. ``disagreements`` reads the
``lpo:Disagreement`` nodes of graph:claims: the question, and for each position its claim
(source, agents, quote) and the statements in dispute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from lodpub.namespaces import GRAPH_CLAIMS, LPO, LPV
from lodpub.web.views.claims import PREFIXES, ClaimView, claim_views
from lodpub.web.views.labels import Labels, TermView

# the entity first, and each branch a whole pattern: a filter on ?s or ?o over every statement
# of every claim scanned them all (100 ms a page at 1M quads in memory, 0.8 s on disk)
SUPPORT_QUERY = PREFIXES + """SELECT ?s ?p ?o ?doc WHERE { GRAPH <%(claims)s> {
  { ?st rdf:subject <%(iri)s> ; rdf:predicate ?p ; rdf:object ?o .
    ?c lpo:statement ?st ; lpo:modality <%(fact)s> ; prov:wasDerivedFrom ?doc .
    BIND(<%(iri)s> AS ?s) }
  UNION { ?st rdf:object <%(iri)s> ; rdf:subject ?s ; rdf:predicate ?p .
    ?c lpo:statement ?st ; lpo:modality <%(fact)s> ; prov:wasDerivedFrom ?doc .
    BIND(<%(iri)s> AS ?o) } } }"""

DOCUMENTS_QUERY = PREFIXES + """SELECT DISTINCT ?doc WHERE { GRAPH <%s> {
  ?c lpo:about <%s> ; lpo:modality <%s> ; prov:wasDerivedFrom ?doc } } ORDER BY ?doc"""

DISAGREEMENTS_QUERY = PREFIXES + """SELECT DISTINCT ?d WHERE { GRAPH <%s> {
  ?d a lpo:Disagreement . { ?d lpo:about <%s> } UNION { FILTER(?d = <%s>) } } } ORDER BY ?d"""

DISAGREEMENT_QUERY = PREFIXES + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label ?note ?claim ?st ?s ?p ?o WHERE { GRAPH <%s> {
  <%s> rdfs:label ?label ; lpo:position ?claim .
  OPTIONAL { <%s> skos:note ?note }
  OPTIONAL { <%s> lpo:disputedStatement ?st . ?claim lpo:statement ?st .
             ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } } }"""


def support(store, iri: str) -> dict[tuple[str, str, str], set[str]]:
    """(subject, predicate, object) of each reported triple naming ``iri`` -> its documents."""
    found: dict[tuple[str, str, str], set[str]] = {}
    for row in store.select(SUPPORT_QUERY % {"claims": GRAPH_CLAIMS, "iri": iri, "fact": LPV.fact}):
        key = (str(row["s"]), str(row["p"]), str(row["o"]))
        found.setdefault(key, set()).add(str(row["doc"]))
    return found


def supporting_documents(store, labels: Labels, iri: str) -> list[TermView]:
    """The documents whose reported facts are about ``iri``."""
    return [labels.view(row["doc"])
            for row in store.select(DOCUMENTS_QUERY % (GRAPH_CLAIMS, iri, LPV.fact))]


@dataclass
class Position:
    """One side of a disagreement: the claim, and what of it is in dispute."""

    claim: ClaimView
    disputed: list[tuple[TermView, TermView, TermView]] = field(default_factory=list)


@dataclass
class DisagreementView:
    """Where sources differ: the question and each source's position."""

    iri: str
    term: TermView
    label: str = ""
    notes: list[str] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)

    @property
    def documents(self) -> list[TermView]:
        """The documents that take a position, in order."""
        found: list[TermView] = []
        for position in self.positions:
            for source in position.claim.sources:
                if source not in found:
                    found.append(source)
        return found


def disagreement(store, labels: Labels, iri: str) -> DisagreementView:
    """The disagreement ``iri`` with its positions (claims in text order, per document)."""
    view = DisagreementView(iri, labels.view(URIRef(iri)))
    disputed: dict[str, list] = {}
    for row in store.select(DISAGREEMENT_QUERY % (GRAPH_CLAIMS, iri, iri, iri)):
        view.label = str(row["label"])
        if "note" in row and str(row["note"]) not in view.notes:
            view.notes.append(str(row["note"]))
        values = disputed.setdefault(str(row["claim"]), [])
        if "st" in row:
            triple = (labels.view(row["s"]), labels.view(row["p"]), labels.view(row["o"]))
            if triple not in values:
                values.append(triple)
    claims = claim_views(store, labels, sorted(disputed))
    claims.sort(key=lambda c: ([s.iri for s in c.sources], c.first_sentence, c.iri))
    view.positions = [Position(c, disputed[c.iri]) for c in claims]
    return view


def disagreements(store, labels: Labels, iri: str) -> list[DisagreementView]:
    """Every disagreement about ``iri`` (or ``iri`` itself when it is one)."""
    rows = store.select(DISAGREEMENTS_QUERY % (GRAPH_CLAIMS, iri, iri))
    return [disagreement(store, labels, str(row["d"])) for row in rows]


def is_disagreement(store, iri: str) -> bool:
    """Whether ``iri`` is a disagreement node."""
    return store.ask(f"ASK {{ GRAPH <{GRAPH_CLAIMS}> {{ <{iri}> a <{LPO.Disagreement}> }} }}")
