"""`lodpub query`: run one SPARQL query on the latest release and render it for a terminal."""

from __future__ import annotations

import json

from rdflib import Literal, URIRef
from rdflib.term import Node

from lodpub.errors import NotAcceptable
from lodpub.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, by_name
from lodpub.namespaces import PREFIXES
from lodpub.query.remote import store_for
from lodpub.release import Release
from lodpub.settings import Settings
from lodpub.terms import from_sparql_json

MAX_CELL = 60


def _cell(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        for prefix, ns in PREFIXES.items():
            if term.startswith(ns) and "/" not in term[len(ns):]:
                return f"{prefix}:{term[len(ns):]}"
        return f"<{term}>"
    text = " ".join(str(term).split()) if isinstance(term, Literal) else str(term)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(rows: list[dict[str, Node]], variables: list[str]) -> str:
    """Rows of a SELECT as an aligned plain-text table with a row count."""
    cells = [[_cell(row.get(v)) for v in variables] for row in rows]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(variables)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def run_query(settings: Settings, text: str, fmt: str) -> str:
    """The results of ``text`` on the latest release as text in ``fmt``."""
    store = store_for(settings, release=Release.latest(settings))
    try:
        query = store.prepare(text)
        offered = GRAPH_FORMATS if query.is_graph else RESULT_FORMATS
        if fmt != "table" or query.is_graph:
            chosen = offered[0] if fmt == "table" else by_name(fmt, offered)
            if chosen is None:
                raise NotAcceptable(f"--format {fmt} cannot carry the answer of a "
                                    f"{query.form or 'SELECT'} query")
            return store.execute(query, chosen).read().decode("utf-8")
        if query.form == "ASK":
            return ("yes" if store.ask(text) else "no") + "\n"
        data = json.loads(store.execute(query, Format.JSON).read())
        rows = [{k: from_sparql_json(v) for k, v in b.items()} for b in data["results"]["bindings"]]
        return table(rows, data["head"]["vars"])
    finally:
        store.close()
