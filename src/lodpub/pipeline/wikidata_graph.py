"""graph:wikidata: lodpub's facts re-expressed in Wikidata's RDF model.

For every ontology property declared ``skos:exactMatch`` a Wikidata property (``wdt:Pxx``,
``wd:Pxx`` or ``p:Pxx``) and every class declared ``skos:exactMatch`` an item (``wd:Qxx``,
giving ``wdt:P31``), each fact of graph:facts becomes, as in Wikidata's dump format:

* a "truthy" triple ``<item> wdt:Pxx <value>``;
* a statement node ``<item> p:Pxx <wds>`` with ``ps:Pxx <value>``, ``wikibase:rank
  wikibase:NormalRank``, and ``prov:wasDerivedFrom`` reference nodes (``pr:P248`` stated in
  the source document, ``pr:P854`` the sentence IRI, ``pr:P1683`` the quotation) built from
  the fact's claim in graph:claims.

Time-bound relations are n-ary nodes in lodpub (a membership, a tenure, a designation):
see ``nary_rules``. Such a node becomes one statement (P463 member of, P39 position held,
P3461 designated as terrorist by) on its subject, and its dates become qualifiers (``pq:P580``
start, ``pq:P582`` end, ``pq:P585`` point in time, ``pq:P1319``/``pq:P1326``).

Items: an entity linked to Wikidata (``owl:sameAs wd:Q…`` in graph:facts) appears as its
``wd:`` item, with its English label, so a query written for Wikidata runs unchanged; other
entities keep their lodpub IRI. Dates are ``xsd:dateTime`` as in Wikidata, and their precision
(year 9, month 10, day 11) is kept on ``psv:``/``pqv:`` value nodes. Statement and reference
IRIs are ``id:wds-<hash>`` and ``id:wdref-<hash>``: the same facts give the same IRIs.
Only graph:facts is read for statements, so forecasts and other claims never appear.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, URIRef
from rdflib.term import Node

from lodpub.namespaces import (
    LPO,
    LPV,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WD,
    bind_prefixes,
)
from lodpub.pipeline.wikibase import (
    PID,
    PQV,
    PSV,
    NaryRule,
    StatementWriter,
    nary_rules,
    wikidata_pid,
)

__all__ = ["wikidata_view", "property_map", "class_items", "NaryRule", "nary_rules"]


def property_map(ontology: Graph) -> dict[URIRef, str]:
    """Ontology property IRI -> PID, from ``skos:exactMatch`` to a Wikidata property."""
    mapping: dict[URIRef, str] = {}
    for prop, target in sorted(ontology.subject_objects(SKOS.exactMatch)):
        pid = wikidata_pid(target)
        if pid and isinstance(prop, URIRef):
            mapping.setdefault(prop, pid)
    return mapping


def class_items(ontology: Graph, *, close: bool = False) -> dict[URIRef, set[str]]:
    """Class IRI -> QIDs it matches (``skos:exactMatch``; with ``close``, closeMatch too)."""
    predicates = (SKOS.exactMatch, SKOS.closeMatch) if close else (SKOS.exactMatch,)
    result: dict[URIRef, set[str]] = {}
    for predicate in predicates:
        for cls, target in ontology.subject_objects(predicate):
            if isinstance(cls, URIRef) and str(target).startswith(str(WD) + "Q"):
                result.setdefault(cls, set()).add(str(target)[len(str(WD)):])
    return result


def _items(facts: Graph) -> dict[Node, URIRef]:
    items: dict[Node, URIRef] = {}
    for entity, same in sorted(facts.subject_objects(OWL.sameAs)):
        if str(same).startswith(str(WD) + "Q"):
            items.setdefault(entity, URIRef(same))
    return items


def _supporting_claims(claims: Graph) -> dict[tuple[Node, Node, Node], list[URIRef]]:
    """(s, p, o) -> fact claims stating it, in IRI order."""
    support: dict[tuple[Node, Node, Node], list[URIRef]] = {}
    for claim in sorted(claims.subjects(LPO.modality, LPV["fact"])):
        for node in claims.objects(claim, LPO.statement):
            triple = (claims.value(node, RDF.subject), claims.value(node, RDF.predicate),
                      claims.value(node, RDF.object))
            support.setdefault(triple, []).append(claim)
    return support


def _add_labels(view: Graph, facts: Graph, items: dict[Node, URIRef]) -> None:
    for entity, item in items.items():
        for predicate in (RDFS.label, SKOS.altLabel, SCHEMA.description):
            for value in facts.objects(entity, predicate):
                view.add((item, predicate, value))


def _nary_nodes(facts: Graph, rules: Iterable[NaryRule]) -> dict[Node, NaryRule]:
    nodes: dict[Node, NaryRule] = {}
    for rule in rules:
        for node in facts.subjects(RDF.type, rule.cls):
            nodes.setdefault(node, rule)
    return nodes


def wikidata_view(facts: Graph, claims: Graph, ontology: Graph) -> Graph:
    """graph:wikidata: the facts of ``facts`` in Wikidata's RDF model (see module docstring)."""
    props = property_map(ontology)
    writer = StatementWriter(_items(facts), _supporting_claims(claims), claims)
    rules = nary_rules(ontology, props)
    nary = _nary_nodes(facts, rules)
    for node, rule in sorted(nary.items(), key=lambda pair: pair[0].n3()):
        writer.nary(facts, node, rule, props)
    classes = class_items(ontology)
    for s, p, o in sorted(facts, key=lambda t: tuple(n.n3() for n in t)):
        if s in nary:
            continue
        if p == RDF.type and o in classes:
            for qid in sorted(classes[o]):
                writer.statement(s, PID("P31"), WD[qid], support=[(s, p, o)])
        elif p in props and not (isinstance(o, URIRef) and o in nary):
            writer.statement(s, PID(props[p]), o, support=[(s, p, o)])
    view = writer.graph
    _add_labels(view, facts, writer.items)
    bind_prefixes(view)
    view.bind("psv", PSV)
    view.bind("pqv", PQV)
    return view
