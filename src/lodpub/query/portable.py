"""What lodpub checks before a query leaves for a remote engine: standard SPARQL 1.1, local graphs.

``scan.prepare`` has already checked size, nesting, updates and SERVICE. A remote engine adds
its own extensions to SPARQL, and some of them reach outside the data: Virtuoso 7 predefines
the prefixes ``bif:`` and ``sql:`` for its SQL built-ins (``bif:http_get`` makes the engine
fetch any URL, for the anonymous user too) and ``fn:`` for XPath functions (``fn:doc`` ends
the server process), takes ``DEFINE`` pragmas (``input:grab-all`` dereferences IRIs) and may
fetch a graph named in FROM; Jena's ``java:`` function IRIs load classes. None of that is
SPARQL 1.1, so lodpub sends a remote engine only standard queries (all tested in
tests/test_remote_limits.py):

- the query is read by rdflib's SPARQL 1.1 grammar, or refused: pragmas and other syntax of an
  engine's own are not part of it;
- every prefix is declared in the query (an engine predefines some, maybe differently), none is
  named ``bif`` or ``sql``, and no IRI, as written or as resolved, uses an engine's built-in
  namespace (``bif:``, ``sql:``, the XPath function namespace);
- a function called by IRI is an XSD cast (SPARQL 1.1's only functions with IRIs);
- FROM / FROM NAMED and the protocol's ``default-graph-uri`` / ``named-graph-uri`` name graphs
  of the published release only (nothing else of the engine is read or fetched).

Every query is parsed with rdflib's SPARQL grammar, and every decision is taken on what it
read, never on a hand-written tokenizer (text a tokenizer misreads cannot slip past): prefix
declarations and the prefixed names used, on the parse tree; IRIs (as written and as rdflib
resolves them) and functions called by IRI, on the parse tree, which holds every IRI the query
reads but that of ``^iri`` inside ``!(…)`` (refused), whereas rdflib's translation drops parts
(such as a FILTER inside FILTER EXISTS), and again on the algebra translated from it; the
dataset, on the algebra. Whether the query holds a relative IRI (lodpub then sends its BASE
first) is read from the parse tree too. Parsing costs tens of milliseconds, so ``read`` keeps
its last answers (pages and benchmarks repeat the same text).

The tokenizer only proposes where the FROM clauses are, for a request whose dataset replaces
them (``Reading.for_engine``): the text without them is parsed and checked again, and must
have no dataset clause left, else the request is refused. No I/O here.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lodpub.errors import DatasetError, QueryError, QuerySyntaxError
from lodpub.namespaces import QUERY_BASE
from lodpub.query.scan import PN_LOCAL_ESCAPE, SPARQL_GRAMMAR, decode_escapes, tokens

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
    relative: bool = False  # it holds a relative IRI, which lodpub's BASE resolves

    def for_engine(self, *, protocol_dataset: bool) -> str:
        """The text to send: lodpub's BASE first where needed; FROM clauses dropped when the
        protocol names the dataset (SPARQL 1.1 Protocol 2.1.4: it overrides them, where
        Virtuoso would merge the two)."""
        if protocol_dataset and self.dataset:
            return _without_dataset(self).for_engine(protocol_dataset=False)
        # on the first line, so that the engine's line numbers stay the client's
        return f"BASE <{QUERY_BASE}> {self.text}" if self.relative else self.text


@functools.lru_cache(maxsize=1024)
def read(text: str) -> Reading:
    """Check ``text`` for a remote engine (see the module docstring) and describe it."""
    from rdflib.plugins.sparql.algebra import translatePrologue, translateQuery
    from rdflib.plugins.sparql.parser import Query
    from rdflib.term import URIRef

    decoded = decode_escapes(text)
    with SPARQL_GRAMMAR:  # rdflib's grammar is not thread-safe (see ``scan``)
        with _unreadable_refused():
            parsed = Query.parse_string(decoded, parse_all=True)
        prologue = translatePrologue(parsed[0], QUERY_BASE)  # how rdflib resolves names, IRIs
        written = list(_nodes(parsed))  # taken before translation replaces prefixed names
        _check_names(parsed[0], written)
        _check_terms(written, prologue)
        with _unreadable_refused():
            algebra = translateQuery(parsed, base=QUERY_BASE).algebra
    _check_terms(_nodes(algebra), prologue)
    dataset = tuple(str(clause.default or clause.named) for clause in algebra.datasetClause or ())
    relative = any(isinstance(node, URIRef) and not SCHEME.match(node) for node in written)
    return Reading(decoded, dataset, relative)


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


@contextlib.contextmanager
def _unreadable_refused() -> Iterator[None]:
    """Turn rdflib's failure to read a query into the client's 400: what it cannot read cannot
    be checked, and is not sent."""
    from pyparsing import ParseBaseException

    try:
        yield
    except RecursionError:
        raise QuerySyntaxError("the query nests too deeply to be checked; it was not run") \
            from None
    except ParseBaseException as exc:  # the grammar's: where it stopped, as line:column
        raise QuerySyntaxError(f"malformed query at {exc.lineno}:{exc.col}: {exc.msg} "
                               f"({STANDARD_ONLY}: engine pragmas are refused, as is any other "
                               "syntax of an engine's own)") from None
    except Exception as exc:  # rdflib's own errors while it reads the parse: ValueError, …
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QuerySyntaxError(f"malformed query: {first} ({STANDARD_ONLY}: engine pragmas are "
                               "refused, as is any other syntax of an engine's own)") from None


def _check_names(clauses, written: list) -> None:
    """Refuse a prefix named like an engine's built-ins, and a prefixed name whose prefix the
    query does not declare: rdflib binds rdf:, rdfs:, xsd:, owl: and xml: by itself, and an
    engine may predefine those or others differently. The IRI a prefixed name spells with the
    prefix's IRI as written is checked too, for an engine that would not resolve that IRI."""
    declared: dict[str, str] = {}
    for clause in clauses:
        if clause.name == "PrefixDecl":
            prefix = clause.prefix or ""
            if prefix.lower() in BUILT_IN_PREFIXES:
                raise QueryError(f"{STANDARD_ONLY}: the prefix {prefix}: names a remote "
                                 "engine's built-in functions and is refused")
            declared[prefix] = str(clause.iri)
    for name in (node for node in written if _is(node, "pname")):
        prefix, local = name.prefix or "", name.localname or ""
        if prefix.lower() in BUILT_IN_PREFIXES:
            raise QueryError(f"{STANDARD_ONLY}: {prefix}:{local} calls a remote engine's "
                             "built-in functions and is refused")
        if prefix not in declared:
            raise QuerySyntaxError(f"the prefix {prefix}: is not declared; add "
                                   f"PREFIX {prefix}: <…> to the query ({STANDARD_ONLY})")
        _check_iri(declared[prefix] + local)


def _check_terms(nodes: Iterable, prologue) -> None:
    """Check every IRI, as ``prologue`` resolves it, and every function called by IRI.

    Run on the parse tree, which holds all the query says (rdflib's translation drops parts of
    it, such as a FILTER inside FILTER EXISTS), and on the algebra made of it. The grammar keeps
    every IRI it reads in the tree but one: that of ``^iri`` inside ``!(…)``, refused here.
    """
    from rdflib.term import Literal, URIRef

    for node in nodes:
        if isinstance(node, URIRef) or _is(node, "pname"):
            _check_iri(prologue.absolutize(node))
        elif isinstance(node, Literal) and node.datatype is not None:
            _check_iri(node.datatype)
        elif _is(node, "Function"):
            _check_function(prologue.absolutize(node.iri))
        elif _is(node, "InversePath") and not node:
            raise QuerySyntaxError(f"{STANDARD_ONLY}: ^ inside a negated property set "
                                   "(!(^…)) cannot be checked and is refused; write the "
                                   "inverse as a separate pattern")


def _check_function(iri: str) -> None:
    """Refuse a function called by IRI unless it is an XSD cast."""
    _check_iri(iri)
    iri = _unescaped(iri)
    if not iri.startswith(XSD):
        raise QueryError(f"{STANDARD_ONLY}: the function <{iri[:80]}> is not part of it "
                         "(only XSD casts are called by IRI)")


def _check_iri(iri: str) -> None:
    """Refuse an IRI in an engine's built-in namespaces, wherever it is: a call, or one of
    Virtuoso's magic predicates."""
    iri = _unescaped(iri)
    if BUILT_IN_IRIS.match(iri):
        raise QueryError(f"{STANDARD_ONLY}: <{iri[:80]}> names a remote engine's built-in "
                         "functions and is refused")


def _unescaped(iri: str) -> str:
    """The IRI a prefixed name stands for: rdflib keeps its local name's ``\\`` escapes."""
    return PN_LOCAL_ESCAPE.sub(r"\1", str(iri))


def _is(node, name: str) -> bool:
    """Whether ``node`` is a parse tree or algebra node of that name."""
    from rdflib.plugins.sparql.parserutils import CompValue

    return isinstance(node, CompValue) and node.name == name


def _nodes(root) -> Iterator:
    """Every node under ``root`` in a parse tree or algebra, in document order (without
    recursion: queries nest deep)."""
    from pyparsing import ParseResults
    from rdflib.paths import Path
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue | dict):
            stack.extend(reversed(dict.values(node)))
        elif isinstance(node, list | tuple | set | frozenset | ParseResults):
            stack.extend(reversed(list(node)))
        elif isinstance(node, Path):
            stack.extend(reversed(vars(node).values()))


def _without_dataset(reading: Reading) -> Reading:
    """``reading`` without its FROM clauses, checked again from the start.

    The tokenizer proposes where the clauses are; they are blanked (lines kept) and the text
    parsed again. Unless exactly the proposed clauses were the query's, and none is left, the
    request is refused rather than sent with a dataset that is not the one it asked for.
    """
    spans = _dataset_spans(reading.text)
    if len(spans) == len(reading.dataset):
        text = reading.text
        for start, end in reversed(spans):
            text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
        try:
            stripped = read(text)
        except QueryError:
            stripped = None
        if stripped is not None and not stripped.dataset:
            return stripped
    raise DatasetError("the query's FROM / FROM NAMED clauses could not be set aside for the "
                       "request's default-graph-uri / named-graph-uri (SPARQL 1.1 Protocol "
                       "2.1.4: those replace them); send the dataset one way only")


def _dataset_spans(text: str) -> list[tuple[int, int]]:
    """Where the tokenizer sees FROM [NAMED] and the graph's name (only a proposal)."""
    found = list(tokens(text))
    spans = []
    for index, token in enumerate(found):
        if token.kind == "word" and token.text.upper() == "FROM":
            named = index + 1 < len(found) and found[index + 1].text.upper() == "NAMED"
            last = index + (2 if named else 1)
            if last < len(found):
                spans.append((token.start, found[last].end))
    return spans
