"""Limits over a remote engine: the time limit, the row cap, nothing leaves but standard SPARQL on
the release's graphs, errors mapped to lodpub's statuses, and 503 while the engine is away.

Over the real engines (the Oxigraph server and Virtuoso, each holding the real release: a
filter over every pair of its ten thousand triples is far beyond a 1 s limit), and over
``FakeEngine`` where a deviation shows only at an engine's own limits (Virtuoso's partial
"anytime" answers and its row cap, Oxigraph's answers cut at its time limit), so that a test
reproduces it exactly. Nothing is timed: tests wait for answers and states, never durations.
"""

from __future__ import annotations

import io
import json
import threading
from urllib.parse import quote

import pytest
import requests
from rdflib.query import Result

from lodpub.errors import EngineFailure
from lodpub.query.remote import RemoteStore
from lodpub.query.store import Limits
from support.engines import ENGINES, FakeEngine, rows_answer
from support.servers import live_server, make_app
from support.serving import STOPPED_TAIL, cut_tail

# every pair of the release's triples, each pair's strings concatenated: a minute's work or
# more, which both engines interrupt promptly at their own limits (a COUNT over a three-way
# join, as the embedded tests use, the Oxigraph server stops only some 25 s past its limit)
HEAVY = ("SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f "
         "FILTER(STRLEN(CONCAT(STR(?c), STR(?f))) = 7777) } LIMIT 5")
ENDLESS = "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"  # at once, and for ages
KH = "https://w3id.org/lodpub/id/kataib-hezbollah"
SIMPLE = f"SELECT ?label WHERE {{ <{KH}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
GRAPHS = {f"https://w3id.org/lodpub/graph/{g}"
          for g in ("claims", "facts", "inferred", "links", "ontology", "wikidata")}


def sparql(app, query: str, **headers):
    return app.test_client().get("/sparql?query=" + quote(query), headers=headers)


def error_of(response) -> str:
    return json.loads(response.data)["error"]


@pytest.fixture(scope="module", params=list(ENGINES))
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def limited(kind, release, engine_for):
    """The real release over ``kind`` with a 1 s limit and a row cap of 2."""
    app = make_app(release, store=engine_for(kind, release).query_url, query_timeout=1.0,
                   max_rows=2)
    yield app
    app.extensions["lodpub"].close()


# ----------------------------------------------------------------------------- time limit


def test_remote_limits_time_limit_stops_a_query_while_others_answer(limited):
    answers = {}
    heavy = threading.Thread(target=lambda: answers.update(heavy=sparql(limited, HEAVY)))
    heavy.start()
    simple = sparql(limited, SIMPLE)
    heavy.join(60)
    assert simple.status_code == 200
    assert json.loads(simple.data)["results"]["bindings"][0]["label"]["value"] \
        == "Kata'ib Hezbollah"
    assert answers["heavy"].status_code == 503
    assert "query stopped after 1 s" in error_of(answers["heavy"])
    assert sparql(limited, SIMPLE).status_code == 200  # the engine is not left stuck


def test_remote_limits_a_stream_cut_at_the_limit_is_never_silently_short(limited):
    with live_server(limited) as base:
        with requests.get(base + "/sparql", params={"query": ENDLESS}, stream=True, timeout=60,
                          headers={"Accept": "application/n-triples"}) as response:
            if response.status_code == 503:  # stopped before the first chunk (Virtuoso)
                assert "query stopped after 1 s" in response.text
                return
            assert response.status_code == 200
            tail = cut_tail(response)
    assert tail.endswith(STOPPED_TAIL)


def test_remote_limits_the_oxigraph_servers_own_time_limit_is_a_503(release, engine_for):
    # D-O1: at --timeout-s the Oxigraph server answers 200 and appends its error to the cut body
    engine = engine_for("oxigraph", release, timeout_s=1)
    app = make_app(release, store=engine.query_url, query_timeout=60.0)
    try:
        response = sparql(app, HEAVY)
    finally:
        app.extensions["lodpub"].close()
    assert response.status_code == 503
    assert "the engine's time limit" in error_of(response)


def test_remote_limits_virtuosos_partial_anytime_answer_is_a_503(tiny_release):
    # Virtuoso: at its `timeout` parameter it answers 200 with what it has, and X-SQL-State
    engine = FakeEngine(tiny_release.version, lambda query: rows_answer(
        1, {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}))
    app = make_app(tiny_release, store=engine.url, query_timeout=2.0)
    try:
        response = sparql(app, SIMPLE)
    finally:
        app.extensions["lodpub"].close()
        engine.close()
    assert response.status_code == 503
    assert "the engine's time limit" in error_of(response)
    assert engine.forms[0]["timeout"] == ["2000"]  # Virtuoso's own limit, in ms, went along


def test_remote_limits_the_deadline_holds_the_whole_answer(tiny_release):
    # an engine that sends a little every half second never waits out a read timeout
    body = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
        {"n": {"type": "literal", "value": str(i)}} for i in range(10)]}}).encode()
    parts = [body[i:i + 20] for i in range(0, len(body), 20)]
    engine = FakeEngine(tiny_release.version, lambda query: (
        200, {"Content-Type": "application/sparql-results+json"}, parts, 0.3))
    store = RemoteStore(engine.url, release=tiny_release.version, limits=Limits(timeout=1.0))
    try:
        with pytest.raises(Exception, match="query stopped after 1 s"):
            store.select(SIMPLE)
    finally:
        store.close()
        engine.close()


@pytest.mark.parametrize(("answer", "status", "says", "retry"), [
    (lambda q: (200, {"Content-Type": "application/sparql-results+json"},
                [b'{"head":{"vars":["n"]},"results":{"bindings":[',
                 b"The SPARQL operation has been cancelled"], 0.0),
     503, "the engine's time limit", None),
    (lambda q: (200, {"Content-Type": "application/sparql-results+json"},
                [b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":'], 0.0),
     500, "internal error", None),
    (lambda q: (500, {"Content-Length": "40"},
                [b"Virtuoso S1T00 Error SR171: Transaction "], 0.0),
     503, "the engine's time limit", None),
    (lambda q: (503, {"Retry-After": "7", "Content-Length": "4"}, [b"busy"], 0.0),
     503, "unavailable", "7"),
    (lambda q: (404, {"Content-Length": "9"}, [b"not found"], 0.0), 500, "internal error", None),
    (lambda q: (400, {"Content-Length": "29"}, [b"error at 1:10: expected WHERE"], 0.0),
     400, "error at 1:10", None),
], ids=["oxigraph-cut-at-its-limit", "cut-body", "virtuoso-timeout-500", "engine-busy",
        "wrong-url", "syntax"])
def test_remote_limits_engine_errors_are_mapped(tiny_release, answer, status, says, retry):
    engine = FakeEngine(tiny_release.version, answer)
    app = make_app(tiny_release, store=engine.url)
    try:
        response = sparql(app, SIMPLE)
    finally:
        app.extensions["lodpub"].close()
        engine.close()
    assert response.status_code == status
    assert says in error_of(response) and "Traceback" not in response.text
    assert response.headers.get("Retry-After") == retry


# ----------------------------------------------------------------------------- row cap


@pytest.mark.parametrize(("accept", "fmt"), [("application/sparql-results+json", "json"),
                                             ("application/sparql-results+xml", "xml"),
                                             ("text/csv", "csv")])
def test_remote_limits_row_cap_is_flagged(limited, accept, fmt):
    response = sparql(limited, LABELS, Accept=accept)
    assert response.status_code == 200
    assert response.headers["X-Lodpub-Truncated"] == "true"
    assert response.headers["X-Lodpub-Max-Rows"] == "2"
    assert len(list(Result.parse(io.BytesIO(response.data), format=fmt))) == 2
    if fmt != "csv":
        assert b"urn:lodpub:truncated:max-rows=2" in response.data


def test_remote_limits_row_cap_silent_when_nothing_cut_and_pages_spared(limited):
    response = sparql(limited, LABELS + " LIMIT 2")
    assert "X-Lodpub-Truncated" not in response.headers
    assert len(limited.extensions["lodpub"].store.select(
        "SELECT * WHERE { GRAPH <https://w3id.org/lodpub/graph/facts> { ?s ?p ?o } }")) > 2


def test_remote_limits_an_engines_own_row_cap_is_flagged_never_silent(tiny_release):
    # Virtuoso's ResultSetMaxRows cuts an answer and says so only in X-SPARQL-MaxRows
    engine = FakeEngine(tiny_release.version, lambda q: rows_answer(3, {"X-SPARQL-MaxRows": "3"}))
    app = make_app(tiny_release, store=engine.url)
    try:
        response = sparql(app, SIMPLE)
        with pytest.raises(EngineFailure, match="cut an answer at 3 rows"):
            app.extensions["lodpub"].store.select(SIMPLE)  # a page must not lose rows
    finally:
        app.extensions["lodpub"].close()
        engine.close()
    assert response.headers["X-Lodpub-Truncated"] == "true"
    assert response.headers["X-Lodpub-Max-Rows"] == "3"
    assert json.loads(response.data)["lodpub"] == {"truncated": True, "max_rows": 3}


# ----------------------------------------------------------------------------- what leaves


def test_remote_limits_nothing_reaches_out_through_the_engine(limited, canary):
    url = canary.url
    refused = {
        f"SELECT * WHERE {{ SERVICE <{url}service> {{ ?s ?p ?o }} }}": "SERVICE",
        f'SELECT (bif:http_get("{url}bif") AS ?x) {{}}': "built-in",
        f'PREFIX b: <bif:> SELECT (b:http_get("{url}bif2") AS ?x) {{}}': "built-in",
        f'SELECT (fn:doc("{url}fn") AS ?x) {{}}': "not declared",
        f'define input:grab-all "yes" SELECT * {{ <{url}grab> ?p ?o }}': "pragmas",
        f"SELECT * FROM <{url}from> {{ ?s ?p ?o }}": "not part of this dataset",
        f"SELECT * FROM NAMED <{url}named> {{ GRAPH ?g {{ ?s ?p ?o }} }}":
            "not part of this dataset",
    }
    for query, says in refused.items():
        response = sparql(limited, query)
        assert response.status_code == 400, query
        assert says in error_of(response), query
    dataset = limited.test_client().get("/sparql", query_string={
        "query": "ASK { ?s ?p ?o }", "default-graph-uri": url + "dataset"})
    assert dataset.status_code == 400 and "not part of this dataset" in error_of(dataset)
    assert canary.requests == []
    assert sparql(limited, SIMPLE).status_code == 200  # and the engine still answers


def test_remote_limits_only_the_releases_graphs_are_read(limited):
    rows = limited.extensions["lodpub"].store.select(  # (the public row cap is 2)
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {str(row["g"]) for row in rows} == GRAPHS
    record = sparql(limited, "SELECT * FROM <urn:lodpub:publication> WHERE { ?s ?p ?o }")
    assert record.status_code == 400  # lodpub's own record of the release stays out of sight


# ----------------------------------------------------------------------------- engine away


def test_remote_limits_engine_down_is_503_and_lodpub_recovers(kind, tiny_release, engine_for):
    engine = engine_for(kind, tiny_release, purpose="stopped and started")
    app = make_app(tiny_release, store=engine.query_url)
    client = app.test_client()
    try:
        assert sparql(app, "ASK { ?s ?p ?o }").status_code == 200
        engine.stop()
        assert sparql(app, "ASK { ?s ?p ?o }").status_code == 200  # from the answer cache
        down = sparql(app, "ASK { ?s ?p ?o . FILTER(isIRI(?s)) }")
        health = client.get("/health")
        page = client.get("/id/kataib-hezbollah", headers={"Accept": "text/turtle"},
                          follow_redirects=True)
        engine.start()
        back = sparql(app, "ASK { ?s ?p ?o . FILTER(isIRI(?s)) }")
        health_back = client.get("/health")
    finally:
        app.extensions["lodpub"].close()
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    assert "cannot be reached" in error_of(down)
    assert health.status_code == 503 and page.status_code == 503
    assert back.status_code == 200 and json.loads(back.data)["boolean"] is True
    assert health_back.status_code == 200


def test_remote_limits_an_engine_holding_another_release_is_503(kind, tiny_release, release,
                                                                 engine_for):
    engine = engine_for(kind, release)  # it holds the real release, not the tiny one
    app = make_app(tiny_release, store=engine.query_url)
    try:
        response = sparql(app, SIMPLE)
        health = app.test_client().get("/health")
    finally:
        app.extensions["lodpub"].close()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert f"holds release {release.version}" in error_of(response)
    assert health.status_code == 503
    assert json.loads(health.data)["engine"]["release"] == release.version
