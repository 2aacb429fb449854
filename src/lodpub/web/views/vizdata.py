"""What the pictures show, read from the store: dated events and the network of actors.

Reported facts come from ``graph:facts`` and ``graph:inferred``; what only a forecast,
assessment or other non-fact claim says comes from the reified statements in ``graph:claims``
and is marked as claimed, and a date the sources dispute (``lpo:disputedStatement``) is marked
as disputed, so the pictures keep "happened", "planned", "claimed" and "disputed" apart. Given
a source document, a picture shows only what that document's claims state.
Negated claims are left out: their statements are what the source says is *not* so, and a
picture has no way to draw "not" (an edge "Iran controls Iraq" would say the opposite).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from lodpub.namespaces import (
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    LPO,
    LPV,
    ORG,
    PROV,
    RDFS,
    XSD,
)
from lodpub.web.views.labels import DATE_PRECISION, Labels, TermView

DATE_PREDICATES = (LPO.date, LPO.startDate, LPO.endDate, LPO.earliestDate, LPO.latestDate,
                   LPO.announcementDate, LPO.inception)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# predicate -> (edge kind, reversed?): edges run backer -> backed, member -> organization, …
EDGE_PREDICATES = {
    LPO.memberOf: ("membership", False), LPO.hasMember: ("membership", True),
    LPO.controls: ("control", False), LPO.controlledBy: ("control", True),
    LPO.supports: ("backing", False), LPO.supportedBy: ("backing", True),
    LPO.proxyOf: ("backing", True), LPO.alliedWith: ("alliance", False),
    LPO.designatedAsTerroristBy: ("designation", True),
}
# How an edge reads from its source to its target, whatever predicate it came from.
EDGE_LABELS = {"membership": "member of", "control": "controls", "backing": "backs",
               "designation": "designates as terrorist", "alliance": "allied with"}
NODE_GROUPS = ((LPO.State, "state"), (LPO.ArmedGroup, "armed group"),
               (LPO.UmbrellaGroup, "armed group"), (LPO.Person, "person"),
               (LPO.GovernmentBody, "government"), (LPO.Place, "place"))

# ?g = … || ?g = … rather than ?g IN (…): the same filter, but Virtuoso 7.2 ends its process on
# the network query's UNION of BINDs under GRAPH ?g with IN when the dataset names more graphs
# than the IN list (docs/deploying.md)
_IN_FACTS = f"FILTER(?g = <{GRAPH_FACTS}> || ?g = <{GRAPH_INFERRED}>)"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _of_source(source: str, s: str, p: str, o: str) -> str:
    """Every statement of the claims of ``source``: its kind (?m) and whether it is disputed
    (?x); a negated claim is left out (a picture cannot draw "not")."""
    return (f"GRAPH <{GRAPH_CLAIMS}> {{ ?c <{PROV}wasDerivedFrom> <{source}> ; "
            f"<{LPO.modality}> ?m ; <{LPO.statement}> ?st . ?st <{_RDF}subject> {s} ; "
            f"<{_RDF}predicate> {p} ; <{_RDF}object> {o} "
            f"OPTIONAL {{ ?dis <{LPO.disputedStatement}> ?st BIND(\"disputed\" AS ?x) }} }} "
            f"FILTER(?m != <{LPV.negated}>)")


def _statement_pattern(s: str, p: str, o: str) -> str:
    return (f"GRAPH <{GRAPH_CLAIMS}> {{ ?c <{LPO.modality}> ?m ; <{LPO.statement}> ?st . "
            f"?st <{_RDF}subject> {s} ; <{_RDF}predicate> {p} ; "
            f"<{_RDF}object> {o} }} FILTER(?m NOT IN (<{LPV.fact}>, <{LPV.negated}>))")


def _disputed_pattern(s: str, p: str, o: str) -> str:
    return (f"GRAPH <{GRAPH_CLAIMS}> {{ ?dis <{LPO.disputedStatement}> ?st . "
            f"?st <{_RDF}subject> {s} ; <{_RDF}predicate> {p} ; <{_RDF}object> {o} "
            f"BIND(\"disputed\" AS ?x) }}")


def _triples(source: str | None, s: str, p: str, o: str) -> str:
    """The pattern of what a picture draws: every document's facts, claims and disputed
    statements, or (given ``source``) that document's claims only."""
    if source:
        return _of_source(source, s, p, o)
    return (f"{{ GRAPH ?g {{ {s} {p} {o} }} {_IN_FACTS} }} "
            f"UNION {{ {_statement_pattern(s, p, o)} }} UNION {{ {_disputed_pattern(s, p, o)} }}")


@dataclass
class Event:
    """One thing with dates on the timeline."""

    term: TermView
    status: str = "happened"  # happened | planned | claimed | disputed
    modality: str = ""  # for claimed events: forecast, assessment, …
    dates: dict[str, Literal] = field(default_factory=dict)  # predicate local name -> literal
    date_text: str = ""

    @property
    def start(self) -> float:
        """Where the event starts on a year axis."""
        return min(year_span(d)[0] for d in self.dates.values())

    @property
    def end(self) -> float:
        """Where the event ends on a year axis."""
        return max(year_span(d)[1] for d in self.dates.values())

    @property
    def when(self) -> str:
        """The dates as people write them, with their precision."""
        parts = []
        for name, value in sorted(self.dates.items()):
            prefix = {"latestDate": "by ", "earliestDate": "from ", "startDate": "from ",
                      "endDate": "until "}.get(name, "")
            parts.append(f"{prefix}{human_date(value)} ({DATE_PRECISION.get(value.datatype, '')})")
        return "; ".join(parts)


def year_span(value: Literal) -> tuple[float, float]:
    """The interval a date literal covers, in fractional years (a year, a month or a day)."""
    text = str(value)
    year = int(text[:4])
    if value.datatype == XSD.gYear:
        return float(year), year + 1.0
    month = int(text[5:7])
    if value.datatype == XSD.gYearMonth:
        return year + (month - 1) / 12, year + month / 12
    day = int(text[8:10])
    start = year + (month - 1) / 12 + (day - 1) / 365
    return start, start + 1 / 365


def human_date(value: Literal) -> str:
    """``2021-12`` -> ``December 2021``; ``2025-01-08`` -> ``8 January 2025``."""
    text = str(value)
    if value.datatype == XSD.gYearMonth:
        return f"{MONTHS[int(text[5:7]) - 1]} {text[:4]}"
    if value.datatype in (XSD.date, XSD.dateTime):
        return f"{int(text[8:10])} {MONTHS[int(text[5:7]) - 1]} {text[:4]}"
    return text[:4]


def timeline_events(store, labels: Labels, source: str | None = None) -> list[Event]:
    """Every dated event, ordered by start: reported, planned (deadlines), claimed and
    disputed; given ``source``, only the dates that document's claims state."""
    preds = ", ".join(f"<{p}>" for p in DATE_PREDICATES)
    query = f"""SELECT ?e ?p ?d ?m ?x WHERE {{
      {_triples(source, '?e', '?p', '?d')}
      FILTER(?p IN ({preds}) && DATATYPE(?d) IN (<{XSD.gYear}>, <{XSD.gYearMonth}>, <{XSD.date}>))
    }}"""
    facts: dict[str, dict[str, Literal]] = {}
    claimed: dict[str, dict[str, Literal]] = {}
    disputed: dict[str, dict[str, Literal]] = {}
    modality: dict[str, str] = {}
    for row in store.select(query):
        iri, name = str(row["e"]), str(row["p"]).rsplit("/", 1)[-1]
        if "x" in row:
            disputed.setdefault(iri, {})[name] = row["d"]
        elif "m" in row and row["m"] != LPV.fact:
            claimed.setdefault(iri, {})[name] = row["d"]
            modality[iri] = labels.label(row["m"])
        else:
            facts.setdefault(iri, {})[name] = row["d"]
    events: dict[str, Event] = {}
    for iri in sorted(facts.keys() | claimed.keys() | disputed.keys()):
        event = Event(labels.view(URIRef(iri)))
        if iri in facts:
            event.dates = facts[iri]
        elif iri in disputed:
            event.dates, event.status, event.modality = (disputed[iri], "disputed",
                                                          "sources differ")
        else:
            event.dates, event.status, event.modality = claimed[iri], "claimed", modality[iri]
        events[iri] = event
    _mark_planned(store, events)
    _add_date_text(store, events)
    return sorted(events.values(), key=lambda e: (e.start, e.term.text))


def _mark_planned(store, events: dict[str, Event]) -> None:
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    query = f"""SELECT DISTINCT ?e WHERE {{
      {{ GRAPH ?g {{ ?e a ?t }} GRAPH ?o {{ ?t <{RDFS.subClassOf}>* <{LPO.PlannedEvent}> }} }}
      UNION {{ {_statement_pattern('?e', rdf_type, f'<{LPO.PlannedEvent}>')} }} }}"""
    for row in store.select(query):
        event = events.get(str(row["e"]))
        if event is not None and event.status != "disputed":
            event.status = "planned"


def _add_date_text(store, events: dict[str, Event]) -> None:
    query = f"""SELECT ?e ?t WHERE {{ {{ GRAPH ?g {{ ?e <{LPO.dateText}> ?t }} }}
      UNION {{ {_statement_pattern('?e', f'<{LPO.dateText}>', '?t')} }} }}"""
    for row in store.select(query):
        if str(row["e"]) in events:
            events[str(row["e"])].date_text = str(row["t"])


@dataclass(frozen=True)
class Edge:
    """A relation between two actors, directed from the active party."""

    source: str
    target: str
    kind: str  # membership | control | backing | designation | alliance
    label: str
    claimed: bool  # only a non-fact claim says so


def network(store, labels: Labels, source: str | None = None
            ) -> tuple[dict[str, tuple[TermView, str]], list[Edge]]:
    """The actors (IRI -> (view, group)) and the edges between them; given ``source``, only
    the relations that document's claims state."""
    preds = ", ".join(f"<{p}>" for p in EDGE_PREDICATES)
    query = f"""SELECT ?a ?p ?b ?m ?x WHERE {{
      {_triples(source, '?a', '?p', '?b')}
      FILTER(?p IN ({preds}) && isIRI(?b)) }}"""
    nary = f"""SELECT ?a ?b ?kind WHERE {{ GRAPH ?g {{
      {{ ?n <{ORG.member}> ?a ; <{ORG.organization}> ?b BIND("membership" AS ?kind) }}
      UNION {{ ?n <{LPO.designatedParty}> ?b ; <{LPO.designatingAuthority}> ?a
               BIND("designation" AS ?kind) }} }} {_IN_FACTS} }}"""
    if source:  # both ends stated by the document's own reported facts
        fact = f"FILTER(?m = <{LPV.fact}>)"
        nary = "SELECT ?a ?b ?kind WHERE { " + " UNION ".join(
            f"{{ {{ {_of_source(source, '?n', f'<{first}>', f'?{left}')} {fact} }} "
            f"{{ SELECT ?n ?{right} WHERE {{ "
            f"{_of_source(source, '?n', f'<{second}>', f'?{right}')} {fact} }} }} "
            f'BIND("{kind}" AS ?kind) }}'
            for kind, first, left, second, right in (
                ("membership", ORG.member, "a", ORG.organization, "b"),
                ("designation", LPO.designatedParty, "b", LPO.designatingAuthority, "a"))) + " }"
    found: dict[tuple[str, str, str], Edge] = {}
    for row in store.select(query):
        kind, flipped = EDGE_PREDICATES[URIRef(str(row["p"]))]
        a, b = (str(row["b"]), str(row["a"])) if flipped else (str(row["a"]), str(row["b"]))
        if kind == "alliance":
            a, b = sorted((a, b))
        claimed = ("m" in row and row["m"] != LPV.fact) or "x" in row
        edge = Edge(a, b, kind, EDGE_LABELS[kind], claimed)
        key = (a, b, kind)
        if key not in found or (found[key].claimed and not edge.claimed):
            found[key] = edge
    for row in store.select(nary):
        a, b, kind = str(row["a"]), str(row["b"]), str(row["kind"])
        found[(a, b, kind)] = Edge(a, b, kind, EDGE_LABELS[kind], False)
    edges = sorted(found.values(), key=lambda e: (e.source, e.target, e.kind))
    return _nodes(store, labels, edges), edges


def _nodes(store, labels: Labels, edges: list[Edge]) -> dict[str, tuple[TermView, str]]:
    iris = sorted({e.source for e in edges} | {e.target for e in edges})
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    types: dict[str, set[str]] = {}
    query = (f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {values} }} GRAPH ?g {{ ?x a ?d }} "
             f"GRAPH ?o {{ ?d <{RDFS.subClassOf}>* ?t }} }}")
    for row in store.select(query):
        types.setdefault(str(row["x"]), set()).add(str(row["t"]))
    nodes = {}
    for iri in iris:
        mine = types.get(iri, set())
        group = next((name for cls, name in NODE_GROUPS if str(cls) in mine), "organization")
        nodes[iri] = (labels.view(URIRef(iri)), group)
    return nodes
