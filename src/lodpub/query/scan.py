"""A small SPARQL tokenizer: the query form and the SERVICE endpoints, before any engine runs.

No I/O. The endpoint uses it to choose the result format before executing (so a 406 comes
first), to refuse updates sent as queries, and to refuse ``SERVICE`` calls to endpoints that
are not allow-listed. It skips comments, string literals and IRIs, so ``"SERVICE"`` in a string
or ``<http://x/SERVICE>`` is never mistaken for the keyword; a prefixed SERVICE IRI is expanded
with the query's own PREFIX declarations. The full parse stays with pyoxigraph, whose message
(with line and column) is returned for malformed queries.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[^\s{}()<>,;"'\#\[\]]*[^\s{}()<>,;"'\#\[\].])?)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                "WITH")


@dataclass
class QueryInfo:
    """What the scan found: the form (SELECT, …, an update keyword, or None) and SERVICE targets.

    ``services`` holds each SERVICE endpoint IRI, or None for a variable or an unknown prefix;
    ``has_from`` says whether the query names its dataset with FROM / FROM NAMED.
    """

    form: str | None = None
    services: list[str | None] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    has_from: bool = False

    @property
    def is_update(self) -> bool:
        """Whether the text is a SPARQL Update request rather than a query."""
        return self.form in UPDATE_WORDS

    @property
    def is_graph(self) -> bool:
        """Whether the query returns RDF (CONSTRUCT or DESCRIBE)."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokens(text: str) -> list[tuple[str, str]]:
    """The significant tokens of ``text`` as (kind, text) pairs; whitespace and comments dropped."""
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append((kind, match.group()))
    return out


def _service_target(toks: list[tuple[str, str]], i: int, prefixes: dict[str, str]) -> str | None:
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() == "SILENT":
        i += 1
    if i >= len(toks):
        return None
    kind, text = toks[i]
    if kind == "iri":
        return text[1:-1]
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def scan(text: str) -> QueryInfo:
    """Scan a query (or update) text; never raises, whatever the input.

    Short texts are memoized (the endpoint and the store both scan each query, and pages and
    clients repeat theirs); treat the returned QueryInfo as read-only.
    """
    return _scan_cached(text) if len(text) <= CACHED_LENGTH else _scan(text)


CACHED_LENGTH = 4096


@functools.lru_cache(maxsize=512)
def _scan_cached(text: str) -> QueryInfo:
    return _scan(text)


def _scan(text: str) -> QueryInfo:
    toks = tokens(text)
    info = QueryInfo()
    for i, (kind, value) in enumerate(toks):
        if kind != "word":
            continue
        word = value.upper()
        if word == "PREFIX" and i + 2 < len(toks) and toks[i + 2][0] == "iri":
            info.prefixes[toks[i + 1][1].rstrip(":")] = toks[i + 2][1][1:-1]
        elif info.form is None and word in QUERY_FORMS + UPDATE_WORDS:
            info.form = word
        elif word == "FROM":
            info.has_from = True
        elif word == "SERVICE":
            info.services.append(_service_target(toks, i + 1, info.prefixes))
    return info


def refused_services(info: QueryInfo, allowlist: tuple[str, ...]) -> list[str]:
    """The SERVICE targets of ``info`` that are not on ``allowlist`` ("?variable" for unknowns)."""
    allowed = set(allowlist)
    return [s if s is not None else "(a variable or undeclared prefix)"
            for s in info.services if s is None or s not in allowed]
