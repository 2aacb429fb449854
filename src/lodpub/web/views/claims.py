"""Claims as pages show them: kind, who asserts it, the quote, its sentence, its statements.

A claim is an ``lpo:Claim`` node in ``graph:claims``. The pattern that selects claims is given
by the caller (claims about an entity, claims of a sentence, one claim), so the same two
queries serve the entity, claim and source pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from lodpub.namespaces import GRAPH_CLAIMS, LPO
from lodpub.web.views.labels import Labels, TermView

PREFIXES = f"""PREFIX lpo: <{LPO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# VALUES inside the GRAPH block: the same solutions, but Virtuoso 7 plans the OPTIONALs per claim
# that way (40 ms for 25 claims instead of 3.5 s with VALUES outside; docs/deploying.md)
DETAIL_QUERY = PREFIXES + """
SELECT ?c ?modality ?asserter ?quote ?sentence ?n ?source ?note WHERE {
  GRAPH <%(graph)s> {
    VALUES ?c { %(claims)s }
    OPTIONAL { ?c lpo:modality ?modality }
    OPTIONAL { ?c lpo:assertedBy ?asserter }
    OPTIONAL { ?c lpo:quote ?quote }
    OPTIONAL { ?c prov:wasDerivedFrom ?source }
    OPTIONAL { ?c skos:note ?note }
    OPTIONAL { ?c ?toSentence ?sentence . ?sentence lpo:sentenceNumber ?n }
  }
}"""

STATEMENT_QUERY = PREFIXES + """
SELECT ?c ?st ?s ?p ?o WHERE {
  VALUES ?c { %s }
  GRAPH <%s> { ?c ?has ?st . ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
} ORDER BY ?c ?st ?p"""


@dataclass
class ClaimView:
    """One claim ready for a template."""

    iri: str
    term: TermView
    kinds: list[TermView] = field(default_factory=list)
    asserters: list[TermView] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[TermView] = field(default_factory=list)
    sentences: list[tuple[int, TermView]] = field(default_factory=list)  # (number, link)
    statements: list[tuple[TermView, TermView, TermView]] = field(default_factory=list)

    @property
    def kind_names(self) -> str:
        """The kinds as one lower-case string, for CSS classes and tests."""
        return " ".join(k.text for k in self.kinds)

    @property
    def first_sentence(self) -> int:
        """Number of the first sentence the claim comes from (0 when none)."""
        return min((n for n, _ in self.sentences), default=0)


def _values(iris: list[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def _add(items: list, value) -> None:
    if value not in items:
        items.append(value)


def _statement_number(iri: str) -> tuple[int, str]:
    """``claim:x#s10`` sorts after ``claim:x#s2`` (the record's statement order)."""
    fragment = iri.partition("#")[2]
    digits = fragment.lstrip("s")
    return (int(digits), "") if digits.isdigit() else (0, iri)


def claim_views(store, labels: Labels, iris: list[str]) -> list[ClaimView]:
    """Views of the claims ``iris``, in document order (first sentence, then IRI)."""
    if not iris:
        return []
    views = {iri: ClaimView(iri, labels.view(URIRef(iri))) for iri in iris}
    for row in store.select(DETAIL_QUERY % {"claims": _values(iris), "graph": GRAPH_CLAIMS}):
        view = views[str(row["c"])]
        if "modality" in row:
            _add(view.kinds, labels.view(row["modality"]))
        if "asserter" in row:
            _add(view.asserters, labels.view(row["asserter"]))
        if "quote" in row:
            _add(view.quotes, str(row["quote"]))
        if "note" in row:
            _add(view.notes, str(row["note"]))
        if "source" in row:
            _add(view.sources, labels.view(row["source"]))
        if "sentence" in row:
            _add(view.sentences, (int(row["n"]), labels.view(row["sentence"])))
    rows = sorted(store.select(STATEMENT_QUERY % (_values(iris), GRAPH_CLAIMS)),
                  key=lambda r: (str(r["c"]), _statement_number(str(r["st"])), str(r["p"])))
    for row in rows:
        triple = (labels.view(row["s"]), labels.view(row["p"]), labels.view(row["o"]))
        _add(views[str(row["c"])].statements, triple)
    for view in views.values():
        view.sentences.sort(key=lambda pair: pair[0])
    return sorted(views.values(), key=lambda v: (v.first_sentence, v.iri))


ANCHOR_QUERY = PREFIXES + """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?target ?source ?selector ?exact ?prefix ?suffix ?start ?end WHERE { GRAPH <%s> {
  <%s> lpo:anchor ?target . OPTIONAL { ?target oa:hasSource ?source }
  OPTIONAL { ?target oa:hasSelector ?selector .
    OPTIONAL { ?selector oa:exact ?exact } OPTIONAL { ?selector oa:prefix ?prefix }
    OPTIONAL { ?selector oa:suffix ?suffix }
    OPTIONAL { ?selector oa:start ?start } OPTIONAL { ?selector oa:end ?end } } } }
ORDER BY ?target ?selector"""


def claim_anchors(store, iri: str) -> list[dict]:
    """The claim's text anchors: each target with its quote and position selectors."""
    anchors: dict[str, dict] = {}
    for row in store.select(ANCHOR_QUERY % (GRAPH_CLAIMS, iri)):
        anchor = anchors.setdefault(str(row["target"]), {
            "id": str(row["target"]).partition("#")[2], "source": row.get("source"),
            "selectors": []})
        if "selector" in row:
            anchor["selectors"].append({
                "id": str(row["selector"]).partition("#")[2],
                **{k: str(row[k]) for k in ("exact", "prefix", "suffix", "start", "end")
                   if k in row}})
    return list(anchors.values())


def claims_about(store, iri: str) -> list[str]:
    """IRIs of the claims naming ``iri`` (about, asserter, kind, in a statement), in text order.

    The class check sits inside each branch (as FILTER EXISTS where the predicate is open):
    joined after the union, the engine scanned every claim (150 ms a page at 1M quads)."""
    query = PREFIXES + f"""
SELECT ?c (MIN(?n) AS ?first) WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  {{ ?c ?direct <{iri}> FILTER EXISTS {{ ?c a lpo:Claim }} }}
  UNION {{ ?st rdf:subject <{iri}> . ?c ?has ?st . ?c a lpo:Claim }}
  UNION {{ ?st rdf:object <{iri}> . ?c ?has ?st . ?c a lpo:Claim }}
  OPTIONAL {{ ?c ?toSentence ?sentence . ?sentence lpo:sentenceNumber ?n }}
}} }} GROUP BY ?c ORDER BY ?first ?c"""
    return [str(row["c"]) for row in store.select(query)]


def claims_of_source(store, source_iri: str) -> dict[int, list[str]]:
    """Claim IRIs of each sentence number of a source document."""
    query = PREFIXES + f"""
SELECT DISTINCT ?c ?n WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  ?c a lpo:Claim ; ?toSentence ?sentence . ?sentence lpo:sentenceNumber ?n .
  FILTER(STRSTARTS(STR(?sentence), "{source_iri}#"))
}} }}"""
    result: dict[int, list[str]] = {}
    for row in store.select(query):
        result.setdefault(int(row["n"]), []).append(str(row["c"]))
    return result


@dataclass
class SentenceView:
    """One sentence of a source with what was made of it."""

    number: int
    iri: str
    text: str
    reasons: list[str] = field(default_factory=list)  # why it was not encoded
    claims: list[ClaimView] = field(default_factory=list)
    start: int = -1  # offset of the sentence in the document
    spans: list[tuple[int, int]] = field(default_factory=list)  # quotes, document offsets

    @property
    def segments(self) -> list[tuple[str, bool]]:
        """The text cut into runs, each marked when some claim quotes it."""
        if self.start < 0 or not self.spans:
            return [(self.text, False)]
        covered = [False] * len(self.text)
        for begin, end in self.spans:
            for i in range(max(0, begin - self.start), min(len(self.text), end - self.start)):
                covered[i] = True
        runs: list[tuple[str, bool]] = []
        for char, mark in zip(self.text, covered, strict=True):
            if runs and runs[-1][1] == mark:
                runs[-1] = (runs[-1][0] + char, mark)
            else:
                runs.append((char, mark))
        return runs


def source_metadata(store, labels: Labels, source_iri: str) -> tuple[list, list]:
    """The document's own statements, and its other fragment nodes (derived date bounds)."""
    query = f"""SELECT ?node ?p ?o WHERE {{ GRAPH ?g {{ ?node ?p ?o }}
      FILTER((?node = <{source_iri}> || STRSTARTS(STR(?node), "{source_iri}#"))
             && !STRSTARTS(STR(?o), "{source_iri}#"))
      FILTER NOT EXISTS {{ GRAPH ?h {{ ?node lpo:sentenceNumber ?n }} }} }} ORDER BY ?node ?p ?o"""
    own: list = []
    parts: dict[str, list] = {}
    for row in store.select(PREFIXES + query):
        pair = (labels.view(row["p"]), labels.view(row["o"]))
        if str(row["node"]) == source_iri:
            own.append(pair)
        else:
            parts.setdefault(str(row["node"]).partition("#")[2], []).append(pair)
    return own, sorted(parts.items())


SPANS_QUERY = PREFIXES + """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?start ?end WHERE { GRAPH <%s> {
  ?c lpo:anchor ?target . ?target oa:hasSource <%s> ; oa:hasSelector ?selector .
  ?selector oa:start ?start ; oa:end ?end } }"""


def _add_spans(store, source_iri: str, sentences: list[SentenceView]) -> None:
    """Give each sentence the quoted spans (position selectors) that overlap it."""
    spans = [(int(r["start"]), int(r["end"]))
             for r in store.select(SPANS_QUERY % (GRAPH_CLAIMS, source_iri))]
    for view in sentences:
        end = view.start + len(view.text)
        view.spans = [(a, b) for a, b in spans if view.start >= 0 and a < end and view.start < b]


def sentence_views(store, labels: Labels, source_iri: str) -> list[SentenceView]:
    """Every sentence of ``source_iri`` in order, each with its claims or not-encoded reasons."""
    query = PREFIXES + f"""
SELECT ?sentence ?n ?text ?reason ?start WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
  ?sentence lpo:sentenceNumber ?n ; lpo:text ?text .
  FILTER(STRSTARTS(STR(?sentence), "{source_iri}#"))
  OPTIONAL {{ ?sentence lpo:notEncodedReason ?reason }}
  OPTIONAL {{ ?sentence lpo:start ?start }}
}} }} ORDER BY ?n"""
    sentences: dict[int, SentenceView] = {}
    for row in store.select(query):
        number = int(row["n"])
        view = sentences.setdefault(
            number, SentenceView(number, str(row["sentence"]), str(row["text"])))
        if "reason" in row:
            _add(view.reasons, str(row["reason"]))
        if "start" in row:
            view.start = int(row["start"])
    _add_spans(store, source_iri, list(sentences.values()))
    by_sentence = claims_of_source(store, source_iri)
    every = sorted({iri for iris in by_sentence.values() for iri in iris})
    views = {view.iri: view for view in claim_views(store, labels, every)}
    for number, iris in by_sentence.items():
        if number in sentences:
            sentences[number].claims = sorted((views[i] for i in iris), key=lambda v: v.iri)
    return [sentences[n] for n in sorted(sentences)]
