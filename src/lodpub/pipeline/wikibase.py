"""Wikibase RDF building blocks for graph:wikidata: statements, qualifiers, references, times.

The shapes follow Wikibase's RDF dump format: ``p:``/``ps:``/``pq:`` statement nodes with a
``wikibase:rank``, ``psv:``/``pqv:`` full time values (``wikibase:timeValue``,
``wikibase:timePrecision``), and references linked by ``prov:wasDerivedFrom`` with ``pr:``
values. ``wikidata_view`` decides what to write; this module only writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NewType

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from lodpub.namespaces import ID, LPO, ORG, PQ, PR, PROV, PS, RDF, SOURCE, WD, WDT, WIKIBASE, XSD, P

PID = NewType("PID", str)
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
GREGORIAN = WD["Q1985727"]  # the calendar model Wikibase states for Gregorian dates
PRECISION = {XSD.gYear: 9, XSD.gYearMonth: 10, XSD.date: 11, XSD.dateTime: 14}
_PROPERTY_PREFIXES = (str(WDT), str(WD), str(P))


def wikidata_pid(iri: Node) -> PID | None:
    """``Pxx`` if ``iri`` names a Wikidata property (wdt:, wd: or p: form), else None."""
    text = str(iri)
    for prefix in _PROPERTY_PREFIXES:
        local = text[len(prefix):] if text.startswith(prefix) else ""
        if local[:1] == "P" and local[1:].isdigit():
            return PID(local)
    return None


def _n3(node: Node) -> str:
    return node.n3()


def _digest(*parts: Node | str) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def wikidata_time(value: Literal) -> tuple[Literal, int] | None:
    """A date literal as Wikidata writes it (xsd:dateTime, UTC) and its precision; else None."""
    precision = PRECISION.get(value.datatype)
    if precision is None:
        return None
    text = str(value)
    negative = text.startswith("-")
    body = text[1:] if negative else text
    if precision == 9:
        body += "-01-01T00:00:00Z"
    elif precision == 10:
        body += "-01T00:00:00Z"
    elif precision == 11:
        body += "T00:00:00Z"
    return Literal(("-" if negative else "") + body, datatype=XSD.dateTime), precision


@dataclass(frozen=True)
class NaryRule:
    """An n-ary fact class and how it reads as one Wikidata statement."""

    cls: URIRef
    pid: PID
    subject: tuple[URIRef, ...]  # properties from the node to the statement's subject
    value: tuple[URIRef, ...]  # properties from the node to the statement's value


# The n-ary classes of ontology/lodpub.ttl (local names of lpo: classes, or full IRIs) and the
# properties that lead from a node to the statement's subject and value; only those the
# ontology declares are used.
_NARY_CANDIDATES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Membership", "P463", ("member", str(ORG.member)), ("organization", str(ORG.organization))),
    ("Tenure", "P39", ("officeHolder",), ("post",)),
    ("Designation", "P3461", ("designatedParty",), ("designatingAuthority",)),
)
# Qualifiers Wikidata uses on such statements; other mapped properties of the node are not
# qualifiers (the node's own participants, places and labels stay in lodpub's graphs).
QUALIFIERS = frozenset({"P580", "P582", "P585", "P1319", "P1326"})


def nary_rules(ontology: Graph, props: Mapping[URIRef, str]) -> list[NaryRule]:
    """The n-ary rules whose class the ontology declares."""
    rules = []
    for cls_name, pid, subjects, values in _NARY_CANDIDATES:
        cls = URIRef(cls_name) if ":" in cls_name else LPO[cls_name]
        if (cls, None, None) not in ontology:
            continue
        expand = [URIRef(n) if ":" in n else LPO[n] for n in subjects + values]
        rules.append(NaryRule(cls, PID(pid), tuple(expand[:len(subjects)]),
                              tuple(expand[len(subjects):])))
    return rules


@dataclass
class StatementWriter:
    """Writes statements into one graph, keyed so the same fact gives the same nodes."""

    items: Mapping[Node, URIRef]
    support: Mapping[tuple[Node, Node, Node], Sequence[URIRef]]
    claims: Graph
    graph: Graph = field(default_factory=Graph)
    statements: dict[tuple[Node, str, Node], list[URIRef]] = field(default_factory=dict)

    def item(self, node: Node) -> Node:
        """The Wikidata item of ``node`` if linked, else ``node`` itself."""
        return self.items.get(node, node)

    def _value(self, node: Node, predicate: Namespace, pid: str, subject: URIRef) -> Node:
        """Add the simple value (and for dates the full time value node); return the simple."""
        if isinstance(node, Literal) and (time := wikidata_time(node)) is not None:
            simple, precision = time
            full = ID["wdv-" + _digest(simple, precision)]
            self.graph.add((subject, predicate[pid], full))
            self.graph.add((full, RDF.type, WIKIBASE.TimeValue))
            self.graph.add((full, WIKIBASE.timeValue, simple))
            self.graph.add((full, WIKIBASE.timePrecision, Literal(precision)))
            self.graph.add((full, WIKIBASE.timeTimezone, Literal(0)))
            self.graph.add((full, WIKIBASE.timeCalendarModel, GREGORIAN))
            return simple
        return self.item(node)

    def statement(self, subject: Node, pid: PID, value: Node, *,
                  support: Iterable[tuple[Node, Node, Node]] = (),
                  qualifiers: Iterable[tuple[PID, Node]] = (), key: Node | str = "") -> URIRef:
        """One statement with truthy triple, rank, qualifiers and references; its IRI."""
        item = self.item(subject)
        simple = self._simple(value)
        same = self.statements.setdefault((item, pid, simple), [])
        if same and not key:  # a plain fact already stated (e.g. by an n-ary node): add refs
            st = same[0]
        else:
            st = ID["wds-" + _digest(item, pid, simple, key)]
            same.append(st)
            self.graph.add((item, WDT[pid], simple))
            self.graph.add((item, P[pid], st))
            self.graph.add((st, RDF.type, WIKIBASE.Statement))
            self.graph.add((st, RDF.type, WIKIBASE.BestRank))
            self.graph.add((st, WIKIBASE.rank, WIKIBASE.NormalRank))
            self.graph.add((st, PS[pid], self._value(value, PSV, pid, st)))
        for qpid, qvalue in qualifiers:
            self.graph.add((st, PQ[qpid], self._value(qvalue, PQV, qpid, st)))
        for triple in support:
            for claim in self.support.get(triple, ()):
                self.graph.add((st, PROV.wasDerivedFrom, self.reference(claim)))
        return st

    def _simple(self, value: Node) -> Node:
        if isinstance(value, Literal) and (time := wikidata_time(value)) is not None:
            return time[0]
        return self.item(value)

    def reference(self, claim: URIRef) -> URIRef:
        """The reference node for a claim: source document, sentences, quotation."""
        ref = ID["wdref-" + _digest(claim)]
        if (ref, RDF.type, WIKIBASE.Reference) in self.graph:
            return ref
        self.graph.add((ref, RDF.type, WIKIBASE.Reference))
        self.graph.add((ref, PROV.wasDerivedFrom, claim))
        for source in self.claims.objects(claim, PROV.wasDerivedFrom):
            if str(source).startswith(str(SOURCE)):
                self.graph.add((ref, PR.P248, source))
        for sentence in self.claims.objects(claim, LPO.sentence):
            self.graph.add((ref, PR.P854, sentence))
        quote = self.claims.value(claim, LPO.quote)
        if quote is not None:
            self.graph.add((ref, PR.P1683, Literal(str(quote), lang="en")))
        return ref

    def nary(self, facts: Graph, node: Node, rule: NaryRule, props: Mapping[URIRef, str]) -> None:
        """One statement from an n-ary node: subject and value roles, dates as qualifiers."""
        subjects = [o for p in rule.subject for o in sorted(facts.objects(node, p), key=_n3)]
        values = [o for p in rule.value for o in sorted(facts.objects(node, p), key=_n3)]
        if not subjects or not values:
            return
        used = set(rule.subject) | set(rule.value) | {RDF.type}
        qualifiers = sorted(
            ((PID(props[p]), o) for p, o in facts.predicate_objects(node)
             if p not in used and props.get(p) in QUALIFIERS),
            key=lambda pair: (pair[0], pair[1].n3()),
        )
        support = [t for t in facts.triples((node, None, None))]
        support += list(facts.triples((None, None, node)))
        for subject in subjects:
            for value in values:
                self.statement(subject, rule.pid, value, support=support,
                               qualifiers=qualifiers, key=node)
