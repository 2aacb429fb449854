"""The browser query page's logic: example queries from ``lodpub/queries/*.rq`` and running one.

Each example file starts with comment lines ``# title: …`` and ``# description: …``; the rest
is the query. Results come back through the store as SPARQL JSON (which keeps the column
order) or, for CONSTRUCT/DESCRIBE, as a graph shown as subject/predicate/object rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from ..errors import LodpubError
from ..formats import ResultFormat
from ..queryscan import scan
from .labels import Labels, TermView, term_of_binding

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
MAX_SHOWN = 1000  # rows shown in the HTML table; the downloads carry everything


@dataclass(frozen=True)
class Example:
    """One example query."""

    name: str
    title: str
    description: str
    text: str


@dataclass
class Outcome:
    """What running a query gave: a table, a yes/no, or an error message."""

    form: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[TermView | None]] = field(default_factory=list)
    total: int = 0
    boolean: bool | None = None
    error: str = ""
    status: int = 200
    truncated: bool = False


def load_examples(directory: Path = QUERIES_DIR) -> list[Example]:
    """Every ``*.rq`` file in ``directory``, sorted by file name."""
    examples = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, value = line.lstrip("# ").partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip()
        examples.append(Example(path.stem, meta.get("title", path.stem),
                                meta.get("description", ""), text))
    return examples


def download_links(query: str, form: str, script_root: str) -> list[tuple[str, str]]:
    """(label, URL) of the result in every format /sparql offers for this kind of query."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    formats = [f for f in ResultFormat if f.is_graph == graph]
    return [(f.label, f"{script_root}/sparql?" + urlencode({"query": query, "format": f.names[0]}))
            for f in formats]


def _cell(binding: dict | None, labels: Labels) -> TermView | None:
    if binding is None:
        return None
    return labels.view(term_of_binding(binding))


def run(store, labels: Labels, query: str, timeout: float | None) -> Outcome:
    """Run ``query`` and shape its result for the HTML table (errors become a message)."""
    outcome = Outcome(form=scan(query).form or "")
    try:
        if outcome.form in ("CONSTRUCT", "DESCRIBE"):
            triples = sorted(store.construct(query, timeout=timeout))
            outcome.columns = ["subject", "predicate", "object"]
            outcome.total = len(triples)
            outcome.rows = [[labels.view(t) for t in triple] for triple in triples[:MAX_SHOWN]]
            return outcome
        result = store.execute(query, result_format=ResultFormat.JSON, timeout=timeout)
        data = json.loads(result.read())
        outcome.truncated = result.truncated
    except LodpubError as exc:
        outcome.error = str(exc)
        outcome.status = 503 if type(exc).__name__ in ("QueryTimeout", "Overloaded") else 400
        return outcome
    if "boolean" in data:
        outcome.boolean = bool(data["boolean"])
        return outcome
    outcome.columns = data["head"].get("vars", [])
    bindings = data["results"]["bindings"]
    outcome.total = len(bindings)
    outcome.rows = [[_cell(row.get(c), labels) for c in outcome.columns]
                    for row in bindings[:MAX_SHOWN]]
    return outcome
