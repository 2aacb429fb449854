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

from lodpub.errors import LodpubError, Overloaded, QueryTimeout
from lodpub.formats import ResultFormat
from lodpub.query.scan import scan
from lodpub.terms import from_sparql_json
from lodpub.web.views.labels import Labels, TermView

QUERIES_DIR = Path(__file__).resolve().parents[2] / "queries"  # src/lodpub/queries
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


def load_examples(directory: Path = QUERIES_DIR, prefix: str = "") -> list[Example]:
    """Every ``*.rq`` file in ``directory``, sorted by file name.

    Title and description come from ``# title:`` / ``# description:`` lines, else from the
    leading comment (its first line is the title).
    """
    examples = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("# ").strip())
        meta = {k.strip().lower(): v.strip() for k, sep, v in
                (c.partition(":") for c in comments) if sep and k.strip().lower() in
                ("title", "description")}
        if "title" in meta:
            title, description = meta["title"], meta.get("description", "")
        else:
            title, description = _split_comment(comments, path.stem)
        examples.append(Example(prefix + path.stem, title, description, text))
    return examples


def _split_comment(comments: list[str], fallback: str) -> tuple[str, str]:
    """Title (the first sentence, cut at a colon when long) and description of a comment."""
    paragraph = " ".join(comments).split("  ")[0].strip()
    first, dot, rest = paragraph.partition(". ")
    if len(first) > 100 and ":" in first:
        first, _, more = first.partition(":")
        rest = f"{more.strip()}{dot}{rest}"
    return (first.rstrip(".") or fallback), rest.strip()


def wikidata_examples() -> list[Example]:
    """The queries written in Wikidata's model (graph:wikidata); federated ones are left out
    because they need an allow-listed SERVICE and the network."""
    found = load_examples(QUERIES_DIR / "wikidata", prefix="wikidata/")
    return [e for e in found if scan(e.text).services == []]


def download_links(query: str, form: str, script_root: str) -> list[tuple[str, str]]:
    """(label, URL) of the result in every format /sparql offers for this kind of query."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    formats = [f for f in ResultFormat if f.is_graph == graph]
    return [(f.label, f"{script_root}/sparql?" + urlencode({"query": query, "format": f.names[0]}))
            for f in formats]


def _cell(binding: dict | None, labels: Labels) -> TermView | None:
    if binding is None:
        return None
    return labels.view(from_sparql_json(binding))


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
        outcome.status = 503 if isinstance(exc, QueryTimeout | Overloaded) else 400
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
