"""SPARQL checks declared in shapes/ (``lps:SparqlCheck``), each run once over a whole graph.

pySHACL evaluates a SHACL-SPARQL constraint by parsing its query again for every focus node
(about 0.1 s each with rdflib), which would take minutes on lodpub's data. Checks that need
SPARQL are therefore declared in the shapes files as ``lps:SparqlCheck`` resources and run
here, once per graph, with the same meaning as a SHACL-SPARQL constraint:

* ``sh:select`` returns one row per problem: ``?this`` (the focus node), optionally ``?path``
  and ``?value``; every other variable can be used in the message.
* ``sh:message`` may mention ``{?var}`` (or ``{$this}``), replaced by the row's values.
* ``sh:severity`` (default ``sh:Violation``) and ``sh:name`` as in SHACL.
* ``lps:dataGraph graph:facts`` runs the query over that named graph plus the ontology (like
  the SHACL shapes; one run per graph named); without it, the query runs over a Dataset of
  every named graph (with the ontology as graph:ontology), so it can compare graphs with
  ``GRAPH graph:claims { … }``.

The prefixes of ``lodpub.namespaces`` (and ``lps:``) are declared for every query. The
queries run on pyoxigraph (an in-memory store per graph), which is fast and, unlike rdflib 7.6,
queries a dataset without deprecation warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from lodpub.errors import ConfigError
from lodpub.namespaces import DISPLAY_PREFIXES, GRAPH_ONTOLOGY, LPS, curie
from lodpub.terms import from_oxigraph, to_oxigraph

_PREFIXES = "".join(
    f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(DISPLAY_PREFIXES.items())
)
_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


def declared_checks(shapes: Graph) -> list[URIRef]:
    """The ``lps:SparqlCheck`` resources of the shapes graph, in IRI order."""
    return sorted(
        (c for c in shapes.subjects(RDF.type, LPS.SparqlCheck) if isinstance(c, URIRef)), key=str
    )


def run_checks(
    shapes: Graph, graphs: Mapping[URIRef, Graph], ontology: Graph
) -> Iterator[dict[str, Any]]:
    """Run every declared check; yield each finding as ``ValidationResult`` keyword arguments.

    A check bound to a data graph that is absent is skipped, and so is a dataset-wide check
    whose ``lps:requiresGraph`` is absent.
    """
    dataset: ox.Store | None = None
    stores: dict[URIRef, ox.Store] = {}
    for check in declared_checks(shapes):
        targets = sorted(shapes.objects(check, LPS.dataGraph), key=str)
        for target in targets:
            if target in graphs:
                if target not in stores:
                    stores[target] = store_of({None: graphs[target]}, {None: ontology})
                yield from findings(shapes, check, stores[target], target)
        if targets or any(g not in graphs for g in shapes.objects(check, LPS.requiresGraph)):
            continue
        dataset = dataset or store_of(graphs, {GRAPH_ONTOLOGY: ontology})
        report_graph = shapes.value(check, LPS.reportGraph) or GRAPH_ONTOLOGY
        yield from findings(shapes, check, dataset, report_graph)


def store_of(*parts: Mapping[URIRef | None, Graph]) -> ox.Store:
    """An in-memory pyoxigraph store of the graphs (``None``: the default graph)."""
    store = ox.Store()
    quads = []
    for part in parts:
        for name, graph in part.items():
            target = ox.DefaultGraph() if name is None else ox.NamedNode(str(name))
            quads.extend(ox.Quad(*(to_oxigraph(t) for t in triple), target) for triple in graph)
    store.extend(quads)
    return store


def rows(store: ox.Store, query: str, check: URIRef) -> Iterable[dict[str, Node]]:
    """The solutions of ``query`` as dicts of variable name -> rdflib term."""
    try:
        solutions = store.query(_PREFIXES + query)
    except SyntaxError as exc:
        raise ConfigError(f"shapes/: the query of {check} is not valid SPARQL: {exc}") from None
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        yield {n: from_oxigraph(solution[n]) for n in names if solution[n] is not None}


def findings(
    shapes: Graph, check: URIRef, data: ox.Store, graph_iri: URIRef
) -> Iterator[dict[str, Any]]:
    """The rows of one check's query as results."""
    query = shapes.value(check, SH.select)
    template = str(shapes.value(check, SH.message) or "(the check gives no message)")
    if query is None:
        raise ConfigError(f"shapes/: the SPARQL check {check} has no sh:select query")
    for bindings in rows(data, str(query), check):
        if bindings.get("this") is None:
            raise ConfigError(f"shapes/: the query of {check} must select ?this")
        yield dict(
            severity=shapes.value(check, SH.severity) or SH.Violation,
            focus_node=bindings["this"],
            path=bindings.get("path"),
            value=bindings.get("value"),
            message=fill(template, bindings),
            shape=check,
            graph=bindings.get("graph") or graph_iri,
            constraint=LPS.SparqlCheck,
        )


def fill(template: str, bindings: Mapping[str, Any]) -> str:
    """Replace ``{?var}`` / ``{$var}`` in a message with the row's values (CURIEs, quoted text)."""

    def value(match: re.Match) -> str:
        term = bindings.get(match.group(1))
        if term is None:
            return match.group(0)
        if isinstance(term, Literal):
            return str(term) if term.datatype else f'"{term}"'
        return curie(term, n3=True)

    return _PLACEHOLDER.sub(value, template)
