"""SHACL validation of the compiled graphs, with a report a researcher can read.

``validate(graphs, shapes, ontology)`` runs pySHACL on each data graph on its own
(graph:facts, graph:claims, graph:links and graph:ontology, whichever are present), never on
their union: pySHACL validates the union of a Dataset, and a claim's forecast must not be
judged as if it were a fact. Each run sees the ontology too (copied into the data graph, as
pySHACL's ``ont_graph`` would), so class targets and ``sh:class`` see ``rdfs:subClassOf`` and
the SKOS schemes. No RDFS/OWL inference is run (``inference="none"``): a value never passes
``sh:class`` just because a property's range says so. SHACL-AF SPARQL targets are on
(``advanced=True``).

Constraints that need SPARQL, including the checks that compare graphs (a forecast leaking
into graph:facts, claims naming undescribed entities, entities without a link status), are
``lps:SparqlCheck`` resources in shapes/checks.ttl, run once per graph by
``lodpub.pipeline.sparql_checks``; they add results to the same report.

``conforms`` is true when no result has severity ``sh:Violation`` (warnings and infos are
reported but do not fail the build). The report graph is built from the sorted results with
IRIs instead of blank nodes, so the same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from lodpub.errors import ConfigError
from lodpub.namespaces import (
    DATASET_IRI,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    LPS,
    bind_prefixes,
)
from lodpub.pipeline.sparql_checks import run_checks
from lodpub.pipeline.validation_report import MORE, render, show

REPORT_IRI = URIRef(f"{DATASET_IRI}/shacl-report")
# validated one by one, in this order (graph:ontology: that its terms are documented)
DATA_GRAPHS = (GRAPH_FACTS, GRAPH_CLAIMS, GRAPH_LINKS, GRAPH_ONTOLOGY)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_ONTOLOGY_PREDICATES = (RDF.type, RDFS.subClassOf, OWL.equivalentClass, SKOS.inScheme)


@dataclass(frozen=True)
class ValidationResult:
    """One thing a shape (or a cross-graph check) found wrong, in one named graph."""

    severity: URIRef
    focus_node: Node
    path: Node | None
    value: Node | None
    message: str
    shape: Node | None
    graph: URIRef
    constraint: URIRef | None = None

    def sort_key(self) -> tuple[str, ...]:
        """A total order: graph, shape, focus node, path, value, message."""
        return tuple(
            "" if term is None else term.n3()
            for term in (self.graph, self.shape, self.focus_node, self.path, self.value)
        ) + (self.message,)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating every data graph: results, conformance, report graph."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: Graph
    checked: tuple[URIRef, ...] = ()
    shapes: Graph | None = None
    locations: Mapping[str, str] = field(default_factory=dict, compare=False)

    def text(self) -> str:
        """The report in plain words, grouped by shape, ending with where to read more."""
        return render(self)


def load_shapes(shapes_dir: Path) -> Graph:
    """Every ``*.ttl`` file under ``shapes_dir``, parsed into one graph (sorted by name)."""
    files = sorted(Path(shapes_dir).glob("*.ttl"))
    if not files:
        raise ConfigError(f"{shapes_dir}: no SHACL shapes (*.ttl) found; restore shapes/")
    shapes = Graph()
    bind_prefixes(shapes)
    for path in files:
        try:
            shapes.parse(path, format="turtle")
        except (ParserError, SyntaxError, ValueError) as exc:
            raise ConfigError(f"{path}: not valid Turtle ({exc}); fix the file") from None
    return shapes


def validate(
    graphs: Mapping[URIRef, Graph], shapes: Graph, ontology: Graph,
    locations: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate each data graph in ``graphs`` against ``shapes``, plus the cross-graph checks.

    ``graphs`` maps named graph IRIs to graphs; graph:facts, graph:claims and graph:links are
    validated when present (others are ignored). Raises ``ConfigError`` when the shapes
    themselves are broken. ``locations`` maps an entity or claim IRI to the ``file:line`` of
    its record, so that the report says where to fix each result.
    """
    results: list[ValidationResult] = []
    checked = tuple(iri for iri in DATA_GRAPHS if iri in graphs)
    for iri in checked:
        results.extend(shacl_results(graphs[iri], shapes, ontology, iri))
    results.extend(ValidationResult(**found) for found in run_checks(shapes, graphs, ontology))
    ordered = tuple(sorted(set(results), key=ValidationResult.sort_key))
    conforms = not any(r.severity == SH.Violation for r in ordered)
    return ValidationReport(conforms, ordered, report_graph(conforms, ordered), checked, shapes,
                            dict(locations or {}))


def shacl_results(
    data: Graph, shapes: Graph, ontology: Graph, graph_iri: URIRef
) -> list[ValidationResult]:
    """Run pySHACL on one data graph (plus the ontology's class axioms) and read its report.

    Only the shapes meant for this graph run (``lps:dataGraph``; shapes without it run on
    every graph). The ontology's ``rdf:type``, ``rdfs:subClassOf``, ``owl:equivalentClass``
    and ``skos:inScheme`` triples are copied into the data graph here rather than passed as
    pySHACL's ``ont_graph``, whose mixing step clones every blank-node structure through the
    caller's store and takes minutes; SHACL core needs no other ontology triple.
    """
    use_shapes = shapes_for(shapes, graph_iri)
    if not use_shapes:  # pySHACL would read an empty list as "every shape"
        return []
    combined = Graph()
    for triple in data:
        combined.add(triple)
    for predicate in _ONTOLOGY_PREDICATES:
        for triple in ontology.triples((None, predicate, None)):
            combined.add(triple)
    try:
        _, report, _ = pyshacl.validate(
            combined, shacl_graph=shapes, inference="none", inplace=True, advanced=True,
            allow_warnings=True, allow_infos=True, use_shapes=use_shapes,
        )
    except ReportableRuntimeError as exc:
        raise ConfigError(f"shapes/: pySHACL cannot use the shapes: {exc.message}") from None
    return [
        read_result(report, node, graph_iri, shapes) for node in report.objects(None, SH.result)
    ]


def shapes_for(shapes: Graph, graph_iri: URIRef) -> list[URIRef]:
    """The named shapes that apply to ``graph_iri``, with every named shape they use.

    Roots are the shapes with targets whose ``lps:dataGraph`` values include ``graph_iri``
    (or that have none).
    pySHACL's ``use_shapes`` follows only blank-node sub-shapes, so the named ones a root
    reaches through ``sh:property``, ``sh:node``, ``sh:or``, … are listed too.
    """
    targeted = {s for p in _TARGETS for s in shapes.subjects(p, None) if isinstance(s, URIRef)}
    todo = [s for s in targeted if applies(shapes, s, graph_iri)]
    seen: set[Node] = set(todo)
    while todo:
        node = todo.pop()
        children = [o for p in _PARENT_LINKS[:4] for o in shapes.objects(node, p)]
        for logical in (SH["or"], SH["and"], SH.xone):
            for items in shapes.objects(node, logical):
                children.extend(shapes.items(items))
        for child in children:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return sorted((s for s in seen if isinstance(s, URIRef)), key=str)


def applies(shapes: Graph, shape: Node, graph_iri: URIRef) -> bool:
    """Whether ``shape`` applies to ``graph_iri``: it names that graph, or none."""
    named = set(shapes.objects(shape, LPS.dataGraph))
    return not named or graph_iri in named


_PARENT_LINKS = (SH.property, SH.node, SH.qualifiedValueShape, SH["not"], SH["or"], SH["and"],
                 SH.xone, RDF.first, RDF.rest)


def named_shape(shapes: Graph, shape: Node | None) -> Node | None:
    """The nearest shape with an IRI that contains ``shape`` (itself if it has one).

    Inline (blank node) property shapes get different labels on every parse; reporting the
    named shape around them keeps the report stable and readable.
    """
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next((s for p in _PARENT_LINKS for s in shapes.subjects(p, shape)), None)
        if parent is None:
            return None
        shape = parent
    return shape


def read_result(report: Graph, node: Node, graph_iri: URIRef, shapes: Graph) -> ValidationResult:
    """One ``sh:ValidationResult`` node of a pySHACL report as a ``ValidationResult``."""
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    path = report.value(node, SH.resultPath)
    return ValidationResult(
        severity=report.value(node, SH.resultSeverity) or SH.Violation,
        focus_node=report.value(node, SH.focusNode),
        path=describe_path(report, path) if isinstance(path, BNode) else path,
        value=report.value(node, SH.value),
        message=" ".join(messages) or "(the shape gives no message)",
        shape=named_shape(shapes, report.value(node, SH.sourceShape)),
        graph=graph_iri,
        constraint=report.value(node, SH.sourceConstraintComponent),
    )


def describe_path(report: Graph, path: BNode) -> Literal:
    """A complex SHACL path (inverse, sequence, …) as a readable literal, e.g. ``^org:member``."""
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return Literal("^" + show(inverse))
    if report.value(path, RDF.first) is not None:
        items = []
        while path is not None and path != RDF.nil:
            items.append(show(report.value(path, RDF.first)))
            path = report.value(path, RDF.rest)
        return Literal("/".join(items))
    return Literal("(complex path)")


def report_graph(conforms: bool, results: Iterable[ValidationResult]) -> Graph:
    """A ``sh:ValidationReport`` graph with numbered result IRIs instead of blank nodes."""
    graph = Graph()
    bind_prefixes(graph)
    graph.add((REPORT_IRI, RDF.type, SH.ValidationReport))
    graph.add((REPORT_IRI, SH.conforms, Literal(conforms)))
    for number, result in enumerate(results, start=1):
        node = URIRef(f"{REPORT_IRI}#result-{number}")
        graph.add((REPORT_IRI, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, result.severity))
        graph.add((node, SH.focusNode, result.focus_node))
        graph.add((node, SH.resultMessage, Literal(result.message, lang="en")))
        graph.add((node, DCTERMS.source, result.graph))  # the named graph that was validated
        optional = (
            (SH.resultPath, result.path), (SH.value, result.value),
            (SH.sourceShape, result.shape), (SH.sourceConstraintComponent, result.constraint),
        )
        for predicate, term in optional:
            if term is None or isinstance(term, BNode):
                continue
            if predicate == SH.resultPath and isinstance(term, Literal):
                continue  # a complex path, kept in words only (describe_path)
            graph.add((node, predicate, term))
    graph.add((REPORT_IRI, RDFS.comment, Literal(MORE, lang="en")))
    return graph
