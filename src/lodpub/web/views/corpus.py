"""The documents of the corpus as pages list them, and what sets them side by side (no HTTP).

``documents`` gives each source document with its title, authors, publisher, date, whether it
is an excerpt, and its sentences and claims; ``disagreement_list`` the points on which they
differ; ``corroborated_count`` how many plain facts more than one document supports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal

from lodpub.namespaces import DCTERMS, DOCUMENT_FIELDS, GRAPH_CLAIMS, GRAPH_FACTS, LPO, LPV
from lodpub.web.views.labels import Labels, TermView

PREFIXES = f"""PREFIX lpo: <{LPO}>
PREFIX dct: <{DCTERMS}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

DOCUMENTS_QUERY = PREFIXES + f"""SELECT ?doc ?publisher ?issued ?excerpt ?sentences ?claims
WHERE {{
  GRAPH <{GRAPH_CLAIMS}> {{ ?doc a lpo:SourceDocument .
    OPTIONAL {{ ?doc dct:publisher ?publisher }} OPTIONAL {{ ?doc dct:issued ?issued }}
    BIND (EXISTS {{ ?doc a lpo:Excerpt }} AS ?excerpt) }}
  OPTIONAL {{ SELECT ?doc (COUNT(?s) AS ?sentences) WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
    ?s dct:isPartOf ?doc ; lpo:sentenceNumber ?n }} }} GROUP BY ?doc }}
  OPTIONAL {{ SELECT ?doc (COUNT(DISTINCT ?c) AS ?claims) WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
    ?c a lpo:Claim ; prov:wasDerivedFrom ?doc }} }} GROUP BY ?doc }}
}} ORDER BY ?doc"""

CREATORS_QUERY = PREFIXES + f"""SELECT ?doc ?creator WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  ?doc a lpo:SourceDocument ; dct:creator ?creator }} }} ORDER BY ?doc ?creator"""

NOT_STATED_QUERY = PREFIXES + f"""SELECT ?doc ?property WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  ?doc a lpo:SourceDocument ; lpo:notStatedInDocument ?property }} }}"""

DISAGREEMENTS_QUERY = PREFIXES + f"""SELECT ?d (COUNT(DISTINCT ?doc) AS ?documents) WHERE {{
  GRAPH <{GRAPH_CLAIMS}> {{ ?d a lpo:Disagreement ; lpo:position/prov:wasDerivedFrom ?doc }}
}} GROUP BY ?d ORDER BY ?d"""

CORROBORATED_QUERY = PREFIXES + f"""SELECT (COUNT(*) AS ?n) WHERE {{
  SELECT ?s ?p ?o WHERE {{
    GRAPH <{GRAPH_CLAIMS}> {{ ?c lpo:modality <{LPV.fact}> ; prov:wasDerivedFrom ?doc ;
      lpo:statement [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ] }}
    GRAPH <{GRAPH_FACTS}> {{ ?s ?p ?o }}
  }} GROUP BY ?s ?p ?o HAVING (COUNT(DISTINCT ?doc) > 1) }}"""


@dataclass
class DocumentView:
    """One source document as the landing and source pages list it."""

    doc: TermView
    publisher: TermView | None = None
    issued: TermView | None = None
    excerpt: bool = False
    sentences: int = 0
    claims: int = 0
    creators: list[TermView] = field(default_factory=list)
    # IRIs of the metadata properties (dct:issued, ...) whose value the document does not state
    not_stated: set[str] = field(default_factory=set)

    def states(self, name: str) -> bool:
        """Whether the document itself states its ``name`` (a key of DOCUMENT_FIELDS)."""
        return str(DOCUMENT_FIELDS[name]) not in self.not_stated


def documents(store, labels: Labels) -> list[DocumentView]:
    """Every source document, in id order, with what pages say about it."""
    found: dict[str, DocumentView] = {}
    for row in store.select(DOCUMENTS_QUERY):
        found[str(row["doc"])] = DocumentView(
            labels.view(row["doc"]),
            labels.view(row["publisher"]) if "publisher" in row else None,
            labels.view(row["issued"]) if "issued" in row else None,
            row.get("excerpt") == Literal(True),
            int(row.get("sentences", 0)), int(row.get("claims", 0)))
    for row in store.select(CREATORS_QUERY):
        if str(row["doc"]) in found:
            found[str(row["doc"])].creators.append(labels.view(row["creator"]))
    for row in store.select(NOT_STATED_QUERY):
        if str(row["doc"]) in found:
            found[str(row["doc"])].not_stated.add(str(row["property"]))
    return list(found.values())


def disagreement_list(store, labels: Labels) -> list[tuple[TermView, int]]:
    """Every point on which sources differ, with how many documents take a position."""
    return [(labels.view(row["d"]), int(row["documents"]))
            for row in store.select(DISAGREEMENTS_QUERY)]


def corroborated_count(store) -> int:
    """How many plain facts reported facts of more than one document state."""
    return int(store.select(CORROBORATED_QUERY)[0]["n"])
