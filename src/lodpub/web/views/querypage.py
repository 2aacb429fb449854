"""The browser query page's logic: example queries from ``lodpub/queries/*.rq`` and running one.

Each example file starts with comment lines ``# title: …`` and ``# description: …``; the rest
is the query. A query runs through the store under the endpoint's limits (time, memory,
SERVICE), and the page reads no more of its answer than it shows: SELECT rows are capped in
the engine at ``MAX_SHOWN`` (+1, to know there are more), a CONSTRUCT/DESCRIBE graph is read
as N-Triples up to ``MAX_SHOWN`` triples and the rest of the stream is left to the workers. The
full answer is one click away, in every format, from /sparql.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from lodpub.errors import LodpubError
from lodpub.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from lodpub.query.scan import PreparedQuery, decode_escapes, service_endpoints
from lodpub.terms import from_oxigraph, from_sparql_json
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
    more: bool = False  # there is more than is shown (the full answer is in the downloads)
    boolean: bool | None = None
    error: str = ""
    status: int = 200
    truncated: bool = False


@functools.cache
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


@functools.cache
def wikidata_examples() -> list[Example]:
    """The queries written in Wikidata's model (graph:wikidata); federated ones (SERVICE) are
    left out because they need an allow-listed SERVICE and the network. Read once."""
    found = load_examples(QUERIES_DIR / "wikidata", prefix="wikidata/")
    return [e for e in found if "service" not in e.text.casefold()
            or not service_endpoints(decode_escapes(e.text))]


def download_links(form: str, query: str, root: str) -> list[tuple[str, str]]:
    """(label, URL) of the answer in every format /sparql offers for this kind of query."""
    formats = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else RESULT_FORMATS
    return [(f.label, f"{root}/sparql?" + urlencode({"query": query, "format": f.names[0]}))
            for f in formats]


def _cell(binding: dict | None, labels: Labels) -> TermView | None:
    if binding is None:
        return None
    return labels.view(from_sparql_json(binding))


def _first_triples(chunks, limit: int) -> tuple[list, bool]:
    """The first ``limit`` triples of an N-Triples stream, and whether more followed."""
    import pyoxigraph as ox

    lines: list[bytes] = []
    buffer = b""
    more = False
    try:
        for chunk in chunks:
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            lines.extend(line for line in complete if line.strip())
            if len(lines) > limit:
                more = True
                break
    finally:
        getattr(chunks, "close", lambda: None)()  # the workers drain or stop the rest
    if buffer.strip() and len(lines) <= limit:
        lines.append(buffer)
    text = b"\n".join(lines[:limit]) + b"\n"
    triples = [tuple(from_oxigraph(t) for t in (q.subject, q.predicate, q.object))
               for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
    return triples, more


def run(store, labels: Labels, query: PreparedQuery, timeout: float | None) -> Outcome:
    """Run ``query`` and shape what the page shows of it (errors become a message)."""
    outcome = Outcome(form=query.form)
    try:
        if query.is_graph:
            result = store.execute(query, Format.NTRIPLES, timeout=timeout)
            triples, outcome.more = _first_triples(result.chunks, MAX_SHOWN)
            outcome.columns = ["subject", "predicate", "object"]
            outcome.total = len(triples)
            outcome.rows = [[labels.view(t) for t in triple] for triple in sorted(triples)]
            return outcome
        result = store.execute(query, Format.JSON, timeout=timeout, max_rows=MAX_SHOWN)
        data = json.loads(result.read())
    except LodpubError as exc:
        return error_outcome(outcome, exc)
    if "boolean" in data:
        outcome.boolean = bool(data["boolean"])
        return outcome
    outcome.columns = data["head"].get("vars", [])
    bindings = data["results"]["bindings"]
    outcome.total = len(bindings)
    outcome.more = result.truncated
    outcome.rows = [[_cell(row.get(c), labels) for c in outcome.columns] for row in bindings]
    return outcome


def error_outcome(outcome: Outcome, exc: LodpubError) -> Outcome:
    """The page's outcome for a query that failed: the message and the error's own status."""
    outcome.error = exc.public_message
    outcome.status = exc.status
    return outcome
