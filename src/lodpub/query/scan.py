"""What lodpub checks in a query before any engine runs: its size, its nesting, its form, SERVICE.

``prepare`` turns the text a client sent into a ``PreparedQuery``, once per request, or raises
the error the client should see. No I/O here.

- **Size**: at most ``max_bytes`` of UTF-8 (413).
- **Nesting**: SPARQL decodes ``\\u``/``\\U`` escapes before it parses (SPARQL 1.1, 19.2), so
  after decoding them the same way, every nesting level of the grammar opens with one of
  ``{ ( [ !`` or ``<<``. Their count bounds the depth from above whatever the query's strings
  and comments hold, so refusing more than ``max_nesting`` of them is sound and costs one
  regular expression; the engine's threads have stacks sized for that depth
  (``lodpub.query.engine``). 400 names the limit.
- **SERVICE** (what may leave the machine): after decoding escapes, a query whose text does not
  contain ``service`` in any case cannot hold a SERVICE clause. Any other query is parsed with
  rdflib's SPARQL grammar, and every SERVICE endpoint in its algebra (EXISTS, MINUS, subqueries
  and nested SERVICE included) must be on the allow-list; a variable endpoint, or a query the
  grammar cannot read, is refused (400). This is one of two layers: where the platform allows,
  the processes that run queries have no network (``lodpub.query.isolation``).
- **Form**: SELECT, ASK, CONSTRUCT or DESCRIBE, read by a small tokenizer that skips strings,
  IRIs and comments; it chooses the answer's format before the query runs (406 first) and
  refuses updates sent as queries (400). A misread form cannot let anything through: the
  engine parses the query again and rejects what is not a query.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from lodpub.errors import (
    PayloadTooLarge,
    QuerySyntaxError,
    QueryTooComplex,
    ServiceRefused,
    UpdateRefused,
)
from lodpub.namespaces import QUERY_BASE

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                "WITH")
NESTING = re.compile(r"[{(\[!]|<<")
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
PN_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")
VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)
READ_ONLY = ("this endpoint is read-only: SPARQL Update is not accepted here; "
             "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) to /sparql")

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


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed every check, with what the endpoint needs to know about it.

    ``services`` are the SERVICE endpoints it calls (all allow-listed); ``has_from`` says
    whether it names its own dataset with FROM / FROM NAMED; ``volatile`` whether it calls a
    function that gives a new value each time (RAND, NOW, UUID, STRUUID, BNODE).
    """

    text: str
    form: str
    services: tuple[str, ...] = ()
    has_from: bool = False
    volatile: bool = False

    @property
    def is_graph(self) -> bool:
        """Whether the query returns RDF (CONSTRUCT or DESCRIBE) rather than solutions."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    @property
    def repeatable(self) -> bool:
        """Whether the same data always gives the same answer (the answer cache may keep it)."""
        return not self.services and not self.volatile


def decode_escapes(text: str) -> str:
    """The text with its ``\\u`` (4 hex digits) and ``\\U`` (8 hex digits) escapes decoded, as
    SPARQL does before parsing."""
    def code_point(match: re.Match) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF else match.group(0)

    return ESCAPE.sub(code_point, text) if "\\" in text else text


class Token(NamedTuple):
    """One token of a query: its kind, its text and where it starts."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        """Where the token ends (exclusive)."""
        return self.start + len(self.text)


def tokens(text: str) -> Iterator[Token]:
    """The query's tokens, spaces and comments left out.

    Kinds: ``iri`` (``<…>``), ``string``, ``var``, ``pname`` (a prefixed name, its prefix
    included), ``word`` (keywords and bare names) and ``other`` (one character of punctuation).
    A coarse reading, enough to find keywords, names and IRIs; the engine parses properly.
    """
    for match in _TOKEN.finditer(text):
        if match.lastgroup not in ("ws", "comment"):
            yield Token(match.lastgroup, match.group(), match.start())


def _words(text: str):
    for token in tokens(text):
        if token.kind == "word":
            yield token.text.upper()


@functools.lru_cache(maxsize=1024)
def _form(text: str) -> tuple[str, bool]:
    """The first query or update keyword, and whether FROM occurs (as a keyword)."""
    form, has_from = "", False
    for word in _words(text):
        if not form and word in QUERY_FORMS + UPDATE_WORDS:
            form = word
        elif word == "FROM":
            has_from = True
    return form, has_from


def prepare(text: str, *, allowlist: tuple[str, ...] = (), max_bytes: int = 100_000,
            max_nesting: int = 1_000) -> PreparedQuery:
    """Check ``text`` and describe it, or raise the error its sender should get."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise PayloadTooLarge(f"request too large: queries are limited to {max_bytes} bytes "
                              "(setting max_query_bytes)")
    decoded = decode_escapes(text)
    if len(NESTING.findall(decoded)) > max_nesting:
        raise QueryTooComplex(
            f"the query opens more than {max_nesting} brackets, negations and quoted triples "
            "(setting max_query_nesting, an upper bound on its nesting depth); simplify it")
    form, has_from = _form(decoded)
    if form in UPDATE_WORDS:
        raise UpdateRefused(f"an update ({form}) was sent to the query endpoint; {READ_ONLY}")
    services: tuple[str, ...] = ()
    if "service" in decoded.casefold():
        services = tuple(service_endpoints(decoded))
        refused = [s for s in services if s not in allowlist]
        if refused:
            raise ServiceRefused(
                f"SERVICE {', '.join(refused)} refused: this endpoint makes no outbound "
                "requests except to the endpoints in the service_allowlist setting "
                "(see docs/security.md)")
    return PreparedQuery(text, form, services, has_from, bool(VOLATILE.search(decoded)))


# rdflib's SPARQL grammar (pyparsing) keeps parse state in shared objects: two threads reading
# queries at once fail with errors of the grammar's own (a valid query refused as malformed), so
# every reading of a query with it, here and in ``portable``, holds this lock
SPARQL_GRAMMAR = threading.Lock()


def service_endpoints(decoded: str) -> list[str]:
    """Every SERVICE endpoint of a query (escapes already decoded), read with a SPARQL grammar.

    Raises ``ServiceRefused`` for a variable endpoint and ``QuerySyntaxError`` when the grammar
    cannot read the query (it is refused rather than let through unchecked).
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import Query
    from rdflib.term import Variable

    try:
        with SPARQL_GRAMMAR:
            parsed = Query.parse_string(decoded, parse_all=True)
            algebra = translateQuery(parsed, base=QUERY_BASE).algebra
        targets = _services(algebra, [])
    except RecursionError:
        raise QuerySyntaxError("the query nests SERVICE (or other patterns) too deeply to be "
                               "checked; it was not run") from None
    except Exception as exc:  # the grammar's own errors: pyparsing, rdflib, ValueError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QuerySyntaxError(f"the query names SERVICE but could not be checked ({first}); "
                               "it was not run") from None
    out = []
    for target in targets:
        if isinstance(target, Variable):
            raise ServiceRefused(f"SERVICE ?{target} refused: a SERVICE endpoint must be an "
                                 "allow-listed IRI, not a variable")
        out.append(PN_LOCAL_ESCAPE.sub(r"\1", str(target)))
    return out


def _services(node, out: list) -> list:
    """The ``term`` of every ServiceGraphPattern in rdflib's algebra, in document order."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            out.append(node.get("term"))
        for value in node.values():
            _services(value, out)
    elif isinstance(node, dict):
        for value in node.values():
            _services(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _services(value, out)
    return out
