"""The SHACL report in plain words (``lodpub validate``, shacl-report.txt).

Results are grouped by shape and message: the message (what is wrong and how to fix it in
data/) is written once, followed by every focus node it applies to, with the property, the
offending value, the named graph and the record in data/ to edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from lodpub.namespaces import CLAIM, ID, LPO, LPS, SOURCE, curie

if TYPE_CHECKING:
    from lodpub.pipeline.validate import ValidationReport, ValidationResult

def show(term: Node | None) -> str:
    """``term`` as a report shows it: a plain prefixed name, ``<iri>``, or an N3 literal."""
    return curie(term, n3=True)


MORE = "Read more: docs/validation.md explains every check and how to fix it in data/."
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_WORD = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "note"}
_RANK = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


def render(report: ValidationReport) -> str:
    """The whole report as text: a summary line, one block per shape, where to read more."""
    lines = [summary(report)]
    results = sorted(report.results, key=_group_key)
    for _, group in groupby(results, key=_group_key):
        lines.append("")
        lines.extend(block(list(group), report.shapes, report.locations))
    lines.append("")
    lines.append(MORE)
    return "\n".join(lines) + "\n"


def summary(report: ValidationReport) -> str:
    """One line: which graphs were checked, whether they conform, how many results."""
    graphs = ", ".join(show(g) for g in report.checked) or "no data graph"
    counts = []
    for severity, word in _WORD.items():
        n = sum(1 for r in report.results if r.severity == severity)
        if n:
            counts.append(f"{n} {word}{'' if n == 1 else 's'}")
    found = ", ".join(counts) or "nothing to report"
    verdict = "conforms" if report.conforms else "does NOT conform"
    return f"SHACL validation of {graphs}{used(report.shapes)}: the data {verdict} ({found})."


def used(shapes: Graph | None) -> str:
    """`` (N shapes, M SPARQL checks)``: what the report was checked with."""
    if shapes is None:
        return ""
    targeted = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    checks = set(shapes.subjects(RDF.type, LPS.SparqlCheck))
    return f" with {len(targeted)} shapes and {len(checks)} SPARQL checks"


def shape_title(shape: Node | None, shapes: Graph | None) -> str:
    """The shape's sh:name or rdfs:label with its CURIE, else the CURIE alone."""
    if shape is None:
        return "cross-graph check"
    name = None
    if shapes is not None:
        name = shapes.value(shape, SH.name) or shapes.value(shape, RDFS.label)
    return f"{name} ({show(shape)})" if name else show(shape)


def block(group: Sequence[ValidationResult], shapes: Graph | None,
          locations: Mapping[str, str] | None = None) -> list[str]:
    """The lines of one shape's group: a heading, then each message once with its focus nodes."""
    first = group[0]
    word = _WORD.get(first.severity, "result")
    plural = "" if len(group) == 1 else "s"
    lines = [f"[{word}] {shape_title(first.shape, shapes)}: {len(group)} {word}{plural}"]
    ordered = sorted(group, key=lambda r: (r.message, r.sort_key()))
    for message, results in groupby(ordered, key=lambda r: r.message):
        lines.append(f"  {message}")
        lines.extend(dict.fromkeys("  - " + detail(result, locations) for result in results))
    return lines


def detail(result: ValidationResult, locations: Mapping[str, str] | None = None) -> str:
    """Focus node, property, value, graph and the record to edit, on one line."""
    parts = [show(result.focus_node)]
    if result.path is not None:
        path = str(result.path) if isinstance(result.path, Literal) else show(result.path)
        parts.append(f"property {path}")
    if result.value is not None and result.value != result.focus_node:
        parts.append(f"value {show(result.value)}")
    parts.append(f"in {show(result.graph)}")
    fix = where_to_fix(result.focus_node, locations)
    return ", ".join(parts) + (f" -> {fix}" if fix else "")


def _group_key(result: ValidationResult) -> tuple[int, str]:
    shape = "" if result.shape is None else result.shape.n3()
    return (_RANK.get(result.severity, 3), shape)


def where_to_fix(focus: Node, locations: Mapping[str, str] | None = None) -> str:
    """Which record in data/ a focus node comes from, in words (file:line when known)."""
    text = str(focus).split("#", 1)[0]
    place = (locations or {}).get(text)
    if text.startswith(str(CLAIM)):
        return f"record `{text[len(str(CLAIM)):]}` ({place or 'data/sources/<id>/records.yaml'})"
    if text.startswith(str(ID)):
        return f"entity `{text[len(str(ID)):]}` ({place or 'data/entities/'})"
    if text.startswith(str(LPO)):
        return "ontology/"
    if text.startswith(str(SOURCE)):
        document = text[len(str(SOURCE)):]
        return f"data/sources/{document}/ (its source.yaml or not-encoded.yaml)"
    return ""
