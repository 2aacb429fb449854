"""What lodpub checks before a query leaves for a remote engine (``query/portable.py``), and the
engine dialects it knows (``query/dialects.py``). No engine runs here: these are the refusals
that keep a query from reaching one (tests/test_remote_limits.py sends them to real engines)."""

from __future__ import annotations

import pytest

from lodpub.errors import ConfigError, DatasetError, QueryError, QuerySyntaxError
from lodpub.namespaces import QUERY_BASE
from lodpub.query import portable
from lodpub.query.connection import Endpoint
from lodpub.query.dialects import GENERIC, OXIGRAPH, VIRTUOSO, recognise

FACTS = "https://w3id.org/lodpub/graph/facts"
XSD = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"


@pytest.mark.parametrize(("query", "says"), [
    # Virtuoso's predefined prefixes for its SQL built-ins (bif:http_get fetches any URL)
    ('SELECT (bif:http_get("http://127.0.0.1:9/") AS ?x) {}', "built-in"),
    ('PREFIX b: <bif:> SELECT (b:http_get("http://127.0.0.1:9/") AS ?x) {}', "built-in"),
    ('SELECT (<bif:http_get>("http://127.0.0.1:9/") AS ?x) {}', "built-in"),
    ('SELECT (<SQL:proc>(1) AS ?x) {}', "built-in"),
    # the XPath functions Virtuoso maps onto its own (fn:doc ends its process)
    ('SELECT (fn:doc("http://127.0.0.1:9/") AS ?x) {}', "not declared"),
    ('PREFIX fn: <http://www.w3.org/2005/xpath-functions/#> SELECT (fn:doc("x") AS ?x) {}',
     "built-in"),
    # an engine's pragmas before the query form (input:grab-all dereferences IRIs)
    ('define input:grab-all "yes" SELECT * { ?s ?p ?o }', "pragmas are refused"),
    ('DEFINE get:soft "soft" SELECT * FROM <http://127.0.0.1:9/> { ?s ?p ?o }',
     "pragmas are refused"),
    # prefixes an engine predefines but the query does not declare
    ("SELECT * { ?s rdfs:label ?o }", "prefix rdfs: is not declared"),
    # a function called by IRI that is not an XSD cast (Jena loads java: classes)
    ('PREFIX j: <java:org.example.> SELECT (j:Run("x") AS ?x) {}', "only XSD casts"),
    ("SELECT ?x { BIND(<http://example.org/f>(1) AS ?x) }", "only XSD casts"),
], ids=["bif", "bif-declared", "bif-iri", "sql-iri", "fn-undeclared", "fn-iri", "define",
        "define-get-soft", "undeclared", "java-function", "other-function"])
def test_remote_checks_refuse_what_is_not_standard_sparql(query, says):
    with pytest.raises(QueryError, match=says):
        portable.read(query)


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o }",
    "PREFIX : <http://example.org/> SELECT * { _:b :p ?o ; :q (1 2) }",
    XSD + 'SELECT (xsd:integer("1") AS ?n) {}',
    'SELECT * { ?s ?p "bif:http_get(1)" } # bif:http_get in a string and a comment',
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:p ?o FILTER(?o IN (ex:a, ex:b)) }",
    "BASE <http://example.org/> PREFIX ex: <x#> ASK { <a> ex:p ?o }",
])
def test_remote_checks_let_standard_queries_through(query):
    portable.read(query)


def test_remote_checks_relative_iris_get_lodpubs_base_on_the_first_line():
    reading = portable.read("SELECT * {\n <thing> ?p ?o }")
    sent = reading.for_engine(protocol_dataset=False)
    assert sent == f"BASE <{QUERY_BASE}> SELECT * {{\n <thing> ?p ?o }}"  # line numbers kept
    assert portable.read("SELECT * { ?s ?p ?o }").for_engine(protocol_dataset=False) \
        == "SELECT * { ?s ?p ?o }"


def test_remote_checks_read_the_dataset_clauses():
    reading = portable.read(f"PREFIX g: <https://w3id.org/lodpub/graph/>\n"
                            f"SELECT * FROM g:facts FROM NAMED <{FACTS}> {{ ?s ?p ?o }}")
    assert reading.dataset == (FACTS, FACTS)
    # SPARQL 1.1 Protocol 2.1.4: a protocol dataset overrides FROM; Virtuoso merges the two,
    # so lodpub sends the query without its FROM clauses when the request names a dataset
    sent = reading.for_engine(protocol_dataset=True)
    assert "FROM" not in sent and "{ ?s ?p ?o }" in sent and sent.count("\n") == 1
    assert "FROM NAMED" in reading.for_engine(protocol_dataset=False)


def test_remote_checks_graphs_outside_the_release_are_refused():
    portable.check_graphs([FACTS], [FACTS, "https://w3id.org/lodpub/graph/claims"])
    with pytest.raises(DatasetError, match="not part of this dataset"):
        portable.check_graphs(["urn:lodpub:publication"], [FACTS])
    with pytest.raises(DatasetError, match="absolute IRIs"):
        portable.check_graphs(["facts"], [FACTS])


def test_remote_checks_an_unparsable_query_that_needs_reading_is_a_syntax_error():
    with pytest.raises(QuerySyntaxError, match="malformed query"):
        portable.read("SELECT * FROM <x> { ?s ?p ")


# Text a hand-written tokenizer misreads: an IRI ended at an escape, a prefixed name ended at '#'
# or "'" (the rest of the line then read as a comment or a string), a keyword spelled with an
# escape. Every decision is the SPARQL parser's, so each is read as the engine reads it.
EX = "PREFIX ex: <http://example.org/>\n"
BIF_CALL = 'BIND(bif:http_get("http://127.0.0.1:9/") AS ?x)'


@pytest.mark.parametrize(("query", "says"), [
    ("SELECT ?x { ?s <http://x.example/\\u0041#> ?o " + BIF_CALL + " }", "built-in"),
    (EX + "SELECT ?x { ?s ex:a\\#x ?o " + BIF_CALL + " }", "built-in"),
    (EX + "SELECT ?x { ?s ex:a\\' ?o " + BIF_CALL + " }", "built-in"),
    (EX + "SELECT ?x { ?s ex:a\\'x ?o . ?s ?p 'y' " + BIF_CALL + " }", "built-in"),
    ('DEFINE input:grab-all "yes" SELECT * { ?s ?p ?o }', "pragmas are refused"),
    ("SELECT (<http\\u003A//www.w3.org/2005/xpath-functions\\u0023doc>(\"x\") AS ?x) {}",
     "built-in"),
    ("SELECT (xsd:integer(\"1\") AS ?x) {}", "prefix xsd: is not declared"),  # rdflib binds it
    ('SELECT ("1"^^xsd:integer AS ?x) {}', "prefix xsd: is not declared"),
    ("SELECT * { ?s :p ?o }", "prefix : is not declared"),
    ("PREFIX BIF: <http://example.org/> SELECT * { ?s BIF:p ?o }", "prefix BIF: names"),
    ("PREFIX Sql: <http://example.org/> ASK {}", "prefix Sql: names"),
    # a relative prefix IRI that spells bif: unresolved, for an engine that would not resolve it
    ('PREFIX b: <bi> SELECT (b:f:http_get("x") AS ?x) {}', "built-in"),
    ('PREFIX w: <http://www.w3.org/2005/> SELECT (w:xpath-functions\\#doc("x") AS ?x) {}',
     "built-in"),
    ('BASE <http://www.w3.org/2005/> SELECT (<xpath-functions#doc>("x") AS ?x) {}', "built-in"),
    ('BASE <bif:> SELECT (<http_get>("x") AS ?x) {}', "built-in"),
    # rdflib's algebra drops a FILTER inside FILTER EXISTS: the parse tree is checked as well
    ("SELECT * { FILTER EXISTS { ?s ?p ?o FILTER(<java:Run>(?o)) } }", "only XSD casts"),
    ("SELECT * { ?s ?p ?o } ORDER BY <http://example.org/f>(?o)", "only XSD casts"),
    ("SELECT * { ?s <sql:x>/<http://example.org/y> ?o }", "built-in"),
    ("SELECT * { ?s ?p ?o } VALUES ?o { <bif:x> }", "built-in"),
    ('SELECT * { ?s ?p "x"^^<bif:t> }', "built-in"),
    ("DESCRIBE <bif:x>", "built-in"),
    # rdflib's grammar keeps no IRI of ^iri inside !(…): what it cannot see is refused
    ("SELECT * { ?s !(<http://example.org/a>|^<bif:x>) ?o }", "cannot be checked"),
], ids=["escape-in-iri", "hash-in-pname", "quote-ends-pname", "quote-in-pname", "define",
        "escaped-function-iri", "xsd-undeclared", "xsd-datatype-undeclared", "empty-undeclared",
        "bif-uppercase", "sql-mixed-case", "relative-prefix", "escaped-local-name",
        "base-resolved", "base-bif", "function-in-exists", "function-in-order-by", "path",
        "values", "datatype", "describe", "negated-inverse"])
def test_remote_checks_read_what_a_tokenizer_misreads(query, says):
    with pytest.raises(QueryError, match=says):
        portable.read(query)


def test_remote_checks_an_escaped_from_is_a_from():
    # \u0046ROM is FROM to the parser and to the engine: its graph is checked like any other
    reading = portable.read("SELECT * \\u0046ROM <http://other.example/> { ?s ?p ?o }")
    assert reading.dataset == ("http://other.example/",)
    with pytest.raises(DatasetError, match="not part of this dataset"):
        portable.check_graphs(reading.dataset, [FACTS])
    # '#' inside an IRI starts no comment: the second FROM is read, and its graph checked
    hashed = portable.read(f"SELECT * FROM <{FACTS}#x> FROM <http://other.example/> {{}}")
    assert hashed.dataset == (f"{FACTS}#x", "http://other.example/")
    # and what only looks like FROM, in a string or a comment, is none
    assert portable.read('SELECT * { ?s ?p "FROM <http://other.example/>" } # FROM <x>') \
        .dataset == ()


def test_remote_checks_a_protocol_dataset_leaves_no_from_in_the_text_sent():
    from rdflib.plugins.sparql.parser import parseQuery

    for query in [f"SELECT * \\u0046ROM <{FACTS}> {{ ?s ?p ?o }}",
                  f"SELECT * FROM <{FACTS}#a> FROM\nNAMED <{FACTS}> {{ ?s ?p ?o }}"]:
        sent = portable.read(query).for_engine(protocol_dataset=True)
        assert parseQuery(sent)[1].datasetClause is None, sent
        assert sent.count("\n") == query.count("\n")  # the engine's line numbers stay the client's


def test_remote_checks_a_from_the_tokenizer_misplaces_is_refused_not_sent():
    # after ex:a\' a tokenizer reads a string, so it misses the real FROM and proposes the one
    # in the literal: with the proposal blanked the parser still finds a FROM, so nothing is sent
    query = (EX + "SELECT (ex:a\\' AS ?x) FROM <http://other.example/> "
             f"{{ ?s ?p \"it's FROM <{FACTS}>\" }}")
    reading = portable.read(query)
    assert reading.dataset == ("http://other.example/",)
    assert "FROM" in reading.for_engine(protocol_dataset=False)
    with pytest.raises(DatasetError, match="could not be set aside"):
        reading.for_engine(protocol_dataset=True)


def test_remote_checks_the_grammar_keeps_every_iri_it_reads():
    """rdflib's grammar drops whatever a rule reads outside its named parts: the checks walk its
    parse tree, so an IRI dropped there would go unchecked. Only ``^iri`` inside ``!(…)`` is,
    and that is refused (above); a new rdflib that drops another fails here."""
    import pyparsing as pp
    from rdflib.plugins.sparql import parser
    from rdflib.plugins.sparql.parserutils import Comp, Param

    def parts(element):
        if isinstance(element, pp.ParseExpression):
            return list(element.exprs)
        if isinstance(element, pp.ParseElementEnhance) and element.expr is not None:
            return [element.expr]
        return []

    def dropped(rule):
        out, stack, seen = set(), parts(rule), set()
        while stack:
            element = stack.pop()
            if id(element) in seen or isinstance(element, Param | pp.Suppress):
                continue
            seen.add(id(element))
            if isinstance(element, Comp) or element is parser.IRIREF:
                out.add(element.name if isinstance(element, Comp) else "IRIREF")
            elif isinstance(element, pp.Group):
                out.add("Group")
            else:
                stack.extend(parts(element))
        return out

    losses, stack, seen = {}, [parser.Query], set()
    while stack:
        element = stack.pop()
        if id(element) not in seen:
            seen.add(id(element))
            if isinstance(element, Comp) and dropped(element):
                losses[element.name] = dropped(element)
            stack.extend(parts(element))
    assert losses == {"InversePath": {"pname", "IRIREF"}}


def test_remote_dialects_recognised_by_server_header():
    assert recognise("Oxigraph/0.5.13") is OXIGRAPH
    assert recognise("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu  ") is VIRTUOSO
    assert recognise("Apache Jena Fuseki (5.2.0)") is GENERIC
    assert recognise(None) is GENERIC


def test_remote_dialects_derive_write_endpoints():
    assert OXIGRAPH.update_url("http://h:7878/query") == "http://h:7878/update"
    assert OXIGRAPH.gsp_url("http://h:7878/query") == "http://h:7878/store"
    assert VIRTUOSO.update_url("http://h:8890/sparql") == "http://h:8890/sparql-auth"
    assert VIRTUOSO.gsp_url("http://h:8890/sparql") == "http://h:8890/sparql-graph-crud-auth"
    assert VIRTUOSO.timeout_parameters(2.5) == [("timeout", "2500")]
    assert OXIGRAPH.timeout_parameters(2.5) == []
    with pytest.raises(ConfigError, match="--gsp URL"):
        GENERIC.gsp_url("http://h:3030/ds/sparql")


def test_remote_endpoint_keeps_credentials_apart():
    endpoint = Endpoint.parse("http://dba:s%40cret@127.0.0.1:8890/sparql")
    assert endpoint.url == "http://127.0.0.1:8890/sparql"
    assert endpoint.credentials == ("dba", "s@cret")
    assert endpoint.basic_auth()["Authorization"].startswith("Basic ")
    assert Endpoint.parse("https://[::1]/q").url == "https://[::1]/q"
    with pytest.raises(ConfigError):
        Endpoint.parse("ftp://host/sparql")
