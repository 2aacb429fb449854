"""What lodpub checks before a query leaves for a remote engine: standard SPARQL 1.1, local graphs.

``scan.prepare`` has already checked size, nesting, updates and SERVICE. A remote engine adds
its own extensions to SPARQL, and some of them reach outside the data: Virtuoso 7 predefines
the prefixes ``bif:`` and ``sql:`` for its SQL built-ins (``bif:http_get`` makes the engine
fetch any URL, for the anonymous user too) and ``fn:`` for XPath functions (``fn:doc`` ends
the server process), takes ``DEFINE`` pragmas (``input:grab-all`` dereferences IRIs) and may
fetch a graph named in FROM; Jena's ``java:`` function IRIs load classes. None of that is
SPARQL 1.1, so lodpub sends a remote engine only standard queries (all tested in
tests/test_remote_limits.py):

- the prologue holds only BASE and PREFIX, then the query form (no pragmas);
- every prefix is declared (no engine-predefined prefix), and no IRI uses an engine's built-in
  namespace (``bif:``, ``sql:``, the XPath function namespace);
- a function called by IRI is an XSD cast (SPARQL 1.1's only functions with IRIs);
- FROM / FROM NAMED and the protocol's ``default-graph-uri`` / ``named-graph-uri`` name graphs
  of the published release only (nothing else of the engine is read or fetched).

Function calls and dataset clauses are read with rdflib's SPARQL grammar, only for the queries
that may hold them (a name followed by ``(``, or the keyword FROM): most queries cost one pass
of the tokenizer. No I/O here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lodpub.errors import DatasetError, QueryError, QuerySyntaxError
from lodpub.namespaces import QUERY_BASE
from lodpub.query.scan import QUERY_FORMS, Token, decode_escapes, tokens

XSD = "http://www.w3.org/2001/XMLSchema#"
BUILT_IN_PREFIXES = ("bif", "sql")  # Virtuoso: SQL built-ins, whatever a query declares
BUILT_IN_IRIS = re.compile(r"^(?:bif:|sql:|https?://www\.w3\.org/2005/xpath-functions)",
                           re.IGNORECASE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*$')
STANDARD_ONLY = "a remote SPARQL engine is sent standard SPARQL 1.1 only"


@dataclass(frozen=True)
class Reading:
    """A query as lodpub sends it to a remote engine, and the graphs it names itself."""

    text: str  # escapes decoded, as SPARQL reads it
    dataset: tuple[str, ...] = ()  # the graphs of its FROM / FROM NAMED clauses
    dataset_spans: tuple[tuple[int, int], ...] = ()  # where those clauses are in ``text``
    relative: bool = False  # it holds a relative IRI, which lodpub's BASE resolves

    def for_engine(self, *, protocol_dataset: bool) -> str:
        """The text to send: lodpub's BASE first where needed; FROM clauses dropped when the
        protocol names the dataset (SPARQL 1.1 Protocol 2.1.4: it overrides them, where
        Virtuoso would merge the two)."""
        text = self.text
        if protocol_dataset:
            for start, end in reversed(self.dataset_spans):
                text = text[:start] + " " * (end - start) + text[end:]
        # on the first line, so that the engine's line numbers stay the client's
        return f"BASE <{QUERY_BASE}> {text}" if self.relative else text


@functools.lru_cache(maxsize=1024)
def read(text: str) -> Reading:
    """Check ``text`` for a remote engine (see the module docstring) and describe it."""
    decoded = decode_escapes(text)
    found = list(tokens(decoded))
    names = _Names()
    position = names.prologue(found)
    calls, spans = names.body(found[position:])
    dataset: list[str] = []
    if spans or calls:
        dataset, functions = _parse(decoded)
        refused = sorted({f for f in functions if not f.startswith(XSD)})
        if refused:
            raise QueryError(f"{STANDARD_ONLY}: the function <{refused[0]}> is not part of it "
                             "(only XSD casts are called by IRI)")
    return Reading(decoded, tuple(dataset), tuple(spans), names.relative)


def check_graphs(names: Iterable[str], allowed: Iterable[str]) -> None:
    """Refuse a dataset naming a graph outside ``allowed`` (the published release's graphs)."""
    permitted = frozenset(allowed)
    names = list(names)
    for name in names:
        if not ABSOLUTE_IRI.match(name):
            raise DatasetError(f"default-graph-uri and named-graph-uri take absolute IRIs: "
                               f"{name!r} is not one")
    outside = sorted({g for g in names if g not in permitted})
    if outside:
        raise DatasetError(f"the graph <{outside[0]}> is not part of this dataset: FROM, FROM "
                           "NAMED, default-graph-uri and named-graph-uri may name only the "
                           f"release's graphs ({', '.join(sorted(permitted)) or 'none'})")


class _Names:
    """Prefixes and IRIs of one query, checked as the tokenizer meets them."""

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}
        self.relative = False

    def prologue(self, found: list[Token]) -> int:
        """Read BASE and PREFIX declarations; return where the query form is."""
        position = 0
        while position + 1 < len(found):
            word, after = found[position].text.upper(), found[position + 1]
            if word == "BASE" and after.kind == "iri":
                self.iri(after.text[1:-1])
                position += 2
            elif word == "PREFIX" and after.kind == "pname" and after.text.endswith(":") \
                    and _kind(found, position + 2) == "iri":
                self.declare(after.text[:-1], found[position + 2].text[1:-1])
                position += 3
            else:
                break
        form = found[position] if position < len(found) else None
        if form is None or form.kind != "word" or form.text.upper() not in QUERY_FORMS:
            first = form.text[:40] if form is not None else "nothing"
            raise QuerySyntaxError(f"{STANDARD_ONLY}: after BASE and PREFIX declarations the "
                                   "query must start with SELECT, ASK, CONSTRUCT or DESCRIBE, "
                                   f"not {first!r} (engine pragmas are refused)")
        return position

    def body(self, found: list[Token]) -> tuple[bool, list[tuple[int, int]]]:
        """Check every name after the prologue; return whether a name is followed by ``(``
        (maybe a function called by IRI) and the spans of the dataset clauses."""
        calls, spans = False, []
        for index, token in enumerate(found):
            before = found[index - 1] if index else None
            if token.text == "(" and before is not None and before.kind in ("iri", "pname"):
                calls = True
            if token.kind == "iri":
                self.iri(token.text[1:-1])
            elif token.kind == "pname" and not (before is not None and before.text == "_"
                                                and token.text.startswith(":")):
                self.pname(token.text)  # (``_:b`` is a blank node, not a prefixed name)
            elif token.kind == "word" and token.text.upper() == "FROM":
                last = index + (2 if _upper(found, index + 1) == "NAMED" else 1)
                if last < len(found):
                    spans.append((token.start, found[last].end))
        return calls, spans

    def declare(self, prefix: str, iri: str) -> None:
        if prefix.lower() in BUILT_IN_PREFIXES:
            raise QueryError(f"{STANDARD_ONLY}: the prefix {prefix}: names a remote engine's "
                             "built-in functions and is refused")
        self.iri(iri)
        self.prefixes[prefix] = iri

    def pname(self, name: str) -> None:
        prefix, _, local = name.partition(":")
        if prefix.lower() in BUILT_IN_PREFIXES:
            raise QueryError(f"{STANDARD_ONLY}: {name} calls a remote engine's built-in "
                             "functions and is refused")
        if prefix not in self.prefixes:
            raise QuerySyntaxError(f"the prefix {prefix}: is not declared; add "
                                   f"PREFIX {prefix}: <…> to the query ({STANDARD_ONLY})")
        self.iri(self.prefixes[prefix] + local)

    def iri(self, iri: str) -> None:
        if BUILT_IN_IRIS.match(iri):
            raise QueryError(f"{STANDARD_ONLY}: <{iri[:80]}> names a remote engine's built-in "
                             "functions and is refused")
        if not SCHEME.match(iri):
            self.relative = True


def _kind(found: list[Token], position: int) -> str:
    return found[position].kind if position < len(found) else ""


def _upper(found: list[Token], position: int) -> str:
    return found[position].text.upper() if position < len(found) else ""


def _parse(decoded: str) -> tuple[list[str], list[str]]:
    """The dataset clauses' IRIs and the IRIs of called functions, read with rdflib's grammar."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import Query
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        algebra = translateQuery(Query.parse_string(decoded, parse_all=True),
                                 base=QUERY_BASE).algebra
    except RecursionError:
        raise QuerySyntaxError("the query nests too deeply to be checked; it was not run") \
            from None
    except Exception as exc:  # the grammar's own errors: pyparsing, rdflib, ValueError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QuerySyntaxError(f"malformed query: {first}") from None
    dataset = [str(clause["default"] if "default" in clause else clause["named"])
               for clause in algebra.get("datasetClause") or ()]
    functions: list[str] = []
    stack: list = [algebra]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "Function" and node.get("iri") is not None:
                functions.append(str(node["iri"]))
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return dataset, functions
