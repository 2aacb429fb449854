"""Expected and actual SPARQL results of the W3C suites, and comparing them as W3C harnesses do.

Result sets are read with rdflib's parsers (an implementation independent of the engine that
produced the answer): SPARQL XML, JSON, CSV and TSV, and the RDF result-set vocabulary (rs:)
of the SPARQL 1.0 suite. Graph results are rdflib Graphs.

Comparison: solutions as a multiset, or as a sequence when the query orders them (top-level
ORDER BY); blank nodes are matched by a consistent bijection (backtracking); literals compare
by term, except that numbers of the same datatype compare by value ("2.0" = "2.00" as
xsd:decimal), language tags ignore case and xsd:string equals a simple literal. Graphs
compare by isomorphism (rdflib.compare) after the same literal normalisation.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace
from rdflib.compare import isomorphic
from rdflib.query import Result
from rdflib.term import Node
from rdflib.util import from_n3

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.short,
           XSD.byte, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger,
           XSD.nonPositiveInteger, XSD.unsignedInt, XSD.unsignedLong}
RESULT_FORMATS = {".srx": "xml", ".srj": "json", ".csv": "csv", ".tsv": "tsv"}


@dataclass
class Solutions:
    """A SELECT answer (variables and rows) or an ASK answer (``boolean`` set, rows empty)."""

    variables: list[str]
    rows: list[dict[str, Node]]
    boolean: bool | None = None
    ordered: bool = True  # whether ``rows`` has a meaningful order (rs: results without rs:index)


def parse_tsv(data: bytes) -> Solutions:
    """SPARQL TSV, each cell read as a Turtle term with rdflib (``from_n3``).

    rdflib's own TSV result parser rejects bare decimals (``1.6``) and drops a row whose only
    variable is unbound (an empty line), both valid TSV; hence this small reader.
    """
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last row
    variables = [v.lstrip("?$") for v in lines[0].rstrip("\r").split("\t")] if lines else []
    rows = []
    for line in lines[1:]:
        cells = line.rstrip("\r").split("\t")
        rows.append({v: from_n3(c) for v, c in zip(variables, cells, strict=True) if c})
    return Solutions(variables, rows)


def parse_results(data: bytes, fmt: str) -> Solutions:
    """A SPARQL result document (``xml``, ``json``, ``csv``, ``tsv``) read with rdflib."""
    if fmt == "tsv":
        return parse_tsv(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's own internals
        result = Result.parse(io.BytesIO(data), format=fmt)
    if result.type == "ASK":
        return Solutions([], [], bool(result.askAnswer))
    variables = [str(v) for v in result.vars or []]
    rows = [{str(k): v for k, v in row.items() if v is not None} for row in result.bindings]
    return Solutions(variables, rows)


def rs_results(graph: Graph) -> Solutions | None:
    """The rs:ResultSet described in ``graph`` (SPARQL 1.0 suite), or None if there is none."""
    rs = graph.value(predicate=RDF.type, object=RS.ResultSet)
    if rs is None:
        return None
    answer = graph.value(rs, RS.boolean)
    if answer is not None:
        return Solutions([], [], bool(answer.toPython()))
    variables = [str(v) for v in graph.objects(rs, RS.resultVariable)]
    rows = []
    for solution in graph.objects(rs, RS.solution):
        rows.append({str(graph.value(b, RS.variable)): graph.value(b, RS.value)
                     for b in graph.objects(solution, RS.binding)})
    indexed = [(graph.value(s, RS.index), row)
               for s, row in zip(graph.objects(rs, RS.solution), rows, strict=True)]
    if indexed and all(i is not None for i, _ in indexed):  # rs:index gives an order
        rows = [row for _, row in sorted(indexed, key=lambda pair: int(pair[0]))]
        return Solutions(variables, rows)
    return Solutions(variables, rows, ordered=False)


def expected_result(path: Path) -> Solutions | Graph:
    """The expected answer in a W3C result file (result set or graph)."""
    suffix = path.suffix.lower()
    if suffix in RESULT_FORMATS:
        return parse_results(path.read_bytes(), RESULT_FORMATS[suffix])
    fmt = {".rdf": "xml", ".nt": "nt"}.get(suffix, "turtle")
    graph = Graph().parse(path, format=fmt)
    return rs_results(graph) or graph


def normal(term: Node) -> Node:
    """A literal as compared: xsd:string as a simple literal, language tag in lower case."""
    if isinstance(term, Literal):
        if term.datatype == XSD.string:
            return Literal(str(term))
        if term.language:
            return Literal(str(term), lang=term.language.lower())
    return term


def _number(term: Literal) -> Decimal | float | None:
    try:
        return float(str(term)) if term.datatype in (XSD.double, XSD.float) else Decimal(
            str(term).strip())
    except (ValueError, InvalidOperation):
        return None


def same_term(a: Node, b: Node) -> bool:
    """Term equality as the harness sees it (bnodes aside): numbers by value within a datatype."""
    a, b = normal(a), normal(b)
    if a == b:
        return True
    if isinstance(a, Literal) and isinstance(b, Literal) and a.datatype == b.datatype \
            and a.datatype in NUMERIC:
        x, y = _number(a), _number(b)
        return x is not None and x == y
    return False


def _match_row(exp: dict, act: dict, mapping: dict) -> dict | None:
    """The bnode mapping extended so ``exp`` equals ``act``, or None if they cannot match."""
    if exp.keys() != act.keys():
        return None
    new = dict(mapping)
    used = set(new.values())
    for var, e in exp.items():
        a = act[var]
        if isinstance(e, BNode) or isinstance(a, BNode):
            if not (isinstance(e, BNode) and isinstance(a, BNode)):
                return None
            if e in new:
                if new[e] != a:
                    return None
            elif a in used:
                return None
            else:
                new[e] = a
                used.add(a)
        elif not same_term(e, a):
            return None
    return new


def _match_bag(exp: list[dict], act: list[dict], mapping: dict) -> bool:
    if not exp:
        return True
    first, rest = exp[0], exp[1:]
    for i, candidate in enumerate(act):
        extended = _match_row(first, candidate, mapping)
        if extended is not None and _match_bag(rest, act[:i] + act[i + 1:], extended):
            return True
        if extended is not None and not any(isinstance(t, BNode) for t in first.values()):
            return False  # rows without blank nodes are interchangeable: no other choice helps
    return False


def _match_sequence(exp: list[dict], act: list[dict]) -> bool:
    mapping: dict | None = {}
    for e, a in zip(exp, act, strict=True):
        mapping = _match_row(e, a, mapping)
        if mapping is None:
            return False
    return True


def _distinct(rows: list[dict]) -> list[dict]:
    kept: list[dict] = []
    for row in rows:
        if not any(_match_row(row, other, {}) is not None for other in kept):
            kept.append(row)
    return kept


def compare_solutions(expected: Solutions, actual: Solutions, ordered: bool,
                      lax: bool = False) -> str | None:
    """None when ``actual`` matches ``expected``; otherwise what differs, for the failure.

    ``lax`` (mf:LaxCardinality, for REDUCED) compares the distinct solutions only, and accepts
    any number of copies of each between one and the expected number.
    """
    if expected.boolean is not None or actual.boolean is not None:
        if expected.boolean == actual.boolean:
            return None
        return f"ASK: expected {expected.boolean}, got {actual.boolean}"
    if lax:
        if len(actual.rows) > len(expected.rows):
            return f"expected at most {len(expected.rows)} rows (REDUCED), got {len(actual.rows)}"
        expected = Solutions(expected.variables, _distinct(expected.rows))
        actual = Solutions(actual.variables, _distinct(actual.rows))
        ordered = False
    if len(expected.rows) != len(actual.rows):
        return f"expected {len(expected.rows)} rows, got {len(actual.rows)}"
    if ordered and _match_sequence(expected.rows, actual.rows):
        return None
    if not ordered and _match_bag(expected.rows, list(actual.rows), {}):
        return None
    return "rows differ" + (" (in order)" if ordered else "")


def _normal_graph(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((s, p, normal(o)))
    return out


def compare_graphs(expected: Graph, actual: Graph) -> str | None:
    """None when the graphs are isomorphic (after literal normalisation), else a description."""
    if isomorphic(_normal_graph(expected), _normal_graph(actual)):
        return None
    return f"graphs differ: expected {len(expected)} triples, got {len(actual)}"


def describe(result: Solutions | Graph) -> str:
    """A short rendering for failure messages."""
    if isinstance(result, Graph):
        return "\n".join(sorted(" ".join(t.n3() for t in triple) for triple in result))
    if result.boolean is not None:
        return f"ASK {result.boolean}"
    lines = [" ".join(f"?{k}={v.n3()}" for k, v in sorted(row.items())) for row in result.rows]
    return "\n".join(lines[:50])


_ORDER = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def top_level_order(query: str) -> bool:
    """Whether the query's outermost solution modifiers include ORDER BY (not a subquery's)."""
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*', " ", query)
    depth = 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char in "oO" and _ORDER.match(text, i):
            return True
    return False
