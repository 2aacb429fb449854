"""scan.prepare: a query's size, nesting, form and SERVICE endpoints, before any engine runs."""

from __future__ import annotations

import pytest

from lodpub.errors import (
    PayloadTooLarge,
    QuerySyntaxError,
    QueryTooComplex,
    ServiceRefused,
    UpdateRefused,
)
from lodpub.query.scan import decode_escapes, prepare, service_endpoints


@pytest.mark.parametrize("query,targets", [
    ("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }", ["http://a/"]),
    ("PREFIX w: <http://w/> SELECT * { SERVICE SILENT w:sparql { ?s ?p ?o } }",
     ["http://w/sparql"]),
    ("PREFIX w: <http://w/> SELECT * { ?s ?p ?o . service w:a\\#b { ?s ?p ?o } }",
     ["http://w/a#b"]),
    ("SELECT * { ?s ?p 'SERVICE <http://a/>' } # SERVICE <http://b/>", []),
    ('SELECT * { ?s ?p """multi\nSERVICE <http://c/>""" }', []),
    ("SELECT * { ?s <http://x/SERVICE> ?o }", []),
    ("SELECT * { FILTER NOT EXISTS { SERVICE <http://n/> { ?s ?p ?o } } }", ["http://n/"]),
    ("SELECT * { ?s ?p ?o MINUS { SERVICE <http://m/> { ?s ?p ?o } } }", ["http://m/"]),
    ("ASK { { SELECT * { SERVICE <http://sub/> { ?s ?p ?o } } } }", ["http://sub/"]),
    ("BASE <http://b.example/> SELECT * { SERVICE <rel> { ?s ?p ?o } }",
     ["http://b.example/rel"]),
])
def test_scan_service_endpoints_read_with_the_grammar(query, targets):
    assert service_endpoints(decode_escapes(query)) == targets


def test_scan_service_variable_is_refused():
    with pytest.raises(ServiceRefused, match="variable"):
        prepare("SELECT * { SERVICE ?x { ?s ?p ?o } }")


def test_scan_service_query_the_grammar_cannot_read_is_refused():
    # a SERVICE the check cannot see is never let through: the query is refused instead
    with pytest.raises((QuerySyntaxError, ServiceRefused)):
        prepare("SELECT * { SERVICE <http://a/> { SERVICE <http://b/> { ?s ?p ?o } } }")
    with pytest.raises(QuerySyntaxError, match="could not be checked"):
        prepare("SELECT * { SERVICE <http://a/> { ?s ?p ")


def test_scan_allowlist():
    query = "SELECT * { SERVICE <http://a/> { ?s ?p ?o } SERVICE <http://b/> { ?s ?p ?o } }"
    with pytest.raises(ServiceRefused, match="http://b/"):
        prepare(query, allowlist=("http://a/",))
    assert prepare(query, allowlist=("http://a/", "http://b/")).services == (
        "http://a/", "http://b/")


def test_scan_escapes_are_decoded_as_sparql_decodes_them():
    assert decode_escapes(r"\u0053ERVICE \U0001F600 \u00410042") == "SERVICE \U0001F600 A0042"
    with pytest.raises(ServiceRefused):
        prepare(r"SELECT * { \u0053ERVICE <http://a/> { ?s ?p ?o } }")


@pytest.mark.parametrize("query,form", [
    ("PREFIX ex: <http://e/> SELECT * {}", "SELECT"), ("ask {}", "ASK"),
    ("# SELECT\nCONSTRUCT WHERE {}", "CONSTRUCT"), ("DESCRIBE <http://e/>", "DESCRIBE"),
])
def test_scan_query_form(query, form):
    assert prepare(query).form == form


@pytest.mark.parametrize("update", [
    "INSERT DATA { <a> <b> <c> }", "BASE <http://x/> DELETE WHERE {}", "DROP ALL",
])
def test_scan_updates_are_refused(update):
    with pytest.raises(UpdateRefused, match="read-only"):
        prepare(update)


def test_scan_size_limit():
    with pytest.raises(PayloadTooLarge, match="100 bytes"):
        prepare("SELECT * { ?s ?p ?o } #" + "x" * 100, max_bytes=100)


@pytest.mark.parametrize("opener", ["{", "(", "[", "!", "<<", "\\u007B"])
def test_scan_nesting_limit_names_the_limit(opener):
    with pytest.raises(QueryTooComplex, match="more than 50"):
        prepare("SELECT * WHERE " + opener * 60, max_nesting=50)
    prepare("SELECT * WHERE { ?s ?p ?o }", max_nesting=50)


def test_scan_repeatable_queries():
    assert prepare("SELECT * { ?s ?p ?o }").repeatable
    assert not prepare("SELECT (RAND() AS ?r) {}").repeatable
    assert not prepare("SELECT * { BIND(now () AS ?t) }").repeatable


def test_scan_and_portable_read_queries_from_many_threads_at_once():
    """rdflib's SPARQL grammar is not thread-safe: without the shared lock, threads reading at
    once refused valid queries as malformed (97 of 240 requests in one run over a remote
    engine). Distinct texts, so no answer comes from a cache."""
    from concurrent.futures import ThreadPoolExecutor

    from lodpub.query import portable

    def read(n: int) -> None:
        text = (f"PREFIX ex: <http://example.org/> SELECT ?class (COUNT(?s) AS ?n) WHERE {{ "
                f"GRAPH ?g {{ ?s a ?class }} FILTER(?n != {n}) }} GROUP BY ?class")
        portable.read(text)
        service_endpoints(f"SELECT * WHERE {{ SERVICE <http://example.org/{n}> {{ ?s ?p ?o }} }}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(read, range(400)))  # any error of the grammar's own is raised here
