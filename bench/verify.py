"""Ask both servers the same query once and check that they give the same answer.

SELECT / ASK results are compared as multisets of rows (SPARQL JSON parsed, order ignored:
neither server promises an order without ORDER BY); a query marked ``# compare: count`` (a
LIMIT without ORDER BY may pick different rows) is compared by row count only. CONSTRUCT
results are parsed as N-Triples and compared as graphs (isomorphism, so blank nodes are fine).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic

SELECT_TYPE = "application/sparql-results+json"
GRAPH_TYPE = "application/n-triples"


@dataclass(frozen=True)
class Query:
    """One benchmark query read from bench/queries/<name>.rq."""

    name: str
    text: str
    kind: str  # "tiny" or "heavy": which target applies (0.5x or 1.0x)
    compare: str  # "rows" or "count"
    is_graph: bool  # CONSTRUCT/DESCRIBE: ask for N-Triples

    @property
    def accept(self) -> str:
        """The media type both servers are asked for."""
        return GRAPH_TYPE if self.is_graph else SELECT_TYPE


def _header(text: str, key: str, default: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    return default


def load_queries(folder: Path, only: list[str] | None = None) -> list[Query]:
    """The queries of ``folder`` (sorted by name), optionally only those named in ``only``."""
    queries = []
    for path in sorted(folder.glob("*.rq")):
        if only and path.stem not in only:
            continue
        text = path.read_text(encoding="utf-8")
        body = " ".join(ln for ln in text.splitlines()
                        if not ln.lstrip().startswith(("#", "PREFIX")))
        is_graph = body.lstrip().upper().startswith(("CONSTRUCT", "DESCRIBE"))
        queries.append(Query(path.stem, text, _header(text, "kind", "heavy"),
                             _header(text, "compare", "rows"), is_graph))
    return queries


def fetch(endpoint: str, query: Query, timeout: float = 120.0) -> tuple[int, bytes]:
    """POST the query form-encoded, as the load generator does; return status and body."""
    data = urllib.parse.urlencode({"query": query.text}).encode()
    req = urllib.request.Request(endpoint, data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": query.accept})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _term(term: dict) -> tuple:
    return (term["type"].replace("typed-literal", "literal"), term["value"],
            term.get("datatype", ""), term.get("xml:lang", "").lower())


def _rows(body: bytes) -> Counter:
    doc = json.loads(body)
    if "boolean" in doc:
        return Counter([("boolean", doc["boolean"])])
    return Counter(frozenset((k, _term(v)) for k, v in row.items())
                   for row in doc["results"]["bindings"])


@dataclass
class Check:
    """The outcome of comparing one query's answers."""

    query: str
    ok: bool
    size: int  # rows (SELECT) or triples (CONSTRUCT) in lodpub's answer
    detail: str


def compare(query: Query, lodpub: str, oxigraph: str) -> Check:
    """Run ``query`` once on each endpoint and compare the parsed answers."""
    (s1, b1), (s2, b2) = fetch(lodpub, query), fetch(oxigraph, query)
    if s1 != 200 or s2 != 200:
        return Check(query.name, False, 0,
                     f"HTTP lodpub {s1} ({b1[:300]!r}), oxigraph {s2} ({b2[:300]!r})")
    if query.is_graph:
        g1, g2 = Graph().parse(data=b1, format="nt"), Graph().parse(data=b2, format="nt")
        same = isomorphic(g1, g2)
        return Check(query.name, same, len(g1), f"{len(g1)} vs {len(g2)} triples")
    r1, r2 = _rows(b1), _rows(b2)
    n1, n2 = sum(r1.values()), sum(r2.values())
    same = n1 == n2 if query.compare == "count" else r1 == r2
    how = "row count" if query.compare == "count" else "rows"
    return Check(query.name, same, n1, f"{n1} vs {n2} rows (compared: {how})")
