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
  the SHACL shapes); without it, the query runs over a Dataset of every named graph (with the
  ontology as graph:ontology), so it can compare graphs with ``GRAPH graph:claims { … }``.

The prefixes of ``lodpub.namespaces`` (and ``lps:``) are declared for every query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from pyparsing import ParseException
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from .errors import ConfigError
from .namespaces import BASE, GRAPH_ONTOLOGY, PREFIXES

LPS = Namespace(BASE + "shapes/")
_PREFIXES = "".join(
    f"PREFIX {p}: <{iri}>\n" for p, iri in sorted({**PREFIXES, "lps": str(LPS)}.items())
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

    A check bound to a data graph that is absent is skipped; so is a dataset-wide check whose
    GRAPH clauses name an absent graph (it would only find what is missing by design).
    """
    dataset: Dataset | None = None
    unions: dict[URIRef, Graph] = {}
    for check in declared_checks(shapes):
        target = shapes.value(check, LPS.dataGraph)
        if target is not None:
            if target not in graphs:
                continue
            if target not in unions:
                unions[target] = union(graphs[target], ontology)
            data: Graph | Dataset = unions[target]
            graph_iri = target
        else:
            if any(g not in graphs for g in shapes.objects(check, LPS.requiresGraph)):
                continue
            dataset = dataset or build_dataset(graphs, ontology)
            data, graph_iri = dataset, shapes.value(check, LPS.reportGraph) or GRAPH_ONTOLOGY
        yield from findings(shapes, check, data, graph_iri)


def union(data: Graph, ontology: Graph) -> Graph:
    """A new graph holding ``data`` and ``ontology``."""
    combined = Graph()
    for graph in (data, ontology):
        for triple in graph:
            combined.add(triple)
    return combined


def build_dataset(graphs: Mapping[URIRef, Graph], ontology: Graph) -> Dataset:
    """A Dataset of the named graphs (and the ontology as graph:ontology), default graph empty."""
    ds = Dataset()
    for iri, graph in {GRAPH_ONTOLOGY: ontology, **graphs}.items():
        named = ds.graph(iri)
        for triple in graph:
            named.add(triple)
    return ds


def findings(
    shapes: Graph, check: URIRef, data: Graph | Dataset, graph_iri: URIRef
) -> Iterator[dict[str, Any]]:
    """The rows of one check's query as results."""
    query = shapes.value(check, SH.select)
    template = str(shapes.value(check, SH.message) or "(the check gives no message)")
    if query is None:
        raise ConfigError(f"shapes/: the SPARQL check {check} has no sh:select query")
    try:
        prepared = prepared_query(str(query))
    except ParseException as exc:
        raise ConfigError(f"shapes/: the query of {check} is not valid SPARQL: {exc}") from None
    rows = data.query(prepared)
    for row in rows:
        bindings = row.asdict()
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


@lru_cache(maxsize=256)
def prepared_query(text: str) -> Query:
    """The parsed query (parsed once per process: rdflib's parser is slow)."""
    return prepareQuery(_PREFIXES + text)


def fill(template: str, bindings: Mapping[str, Any]) -> str:
    """Replace ``{?var}`` / ``{$var}`` in a message with the row's values (CURIEs, quoted text)."""
    from .report_text import curie

    def value(match: re.Match) -> str:
        term = bindings.get(match.group(1))
        if term is None:
            return match.group(0)
        return f'"{term}"' if isinstance(term, Literal) and not term.datatype else curie(term)

    return _PLACEHOLDER.sub(value, template)
