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
