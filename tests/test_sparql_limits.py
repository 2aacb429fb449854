"""Limits that hold: the time and memory limits, a busy pool, the row cap, no outbound requests.

The pathological query is a cross product of every triple with every triple with every triple
over a few thousand triples: far beyond the 1 s limit these tests configure. Nothing here is
timed: waits are for a state (a worker busy, the pool back to full strength), never durations.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from urllib.parse import quote

import pytest
import requests
from rdflib.query import Result

from lodpub.errors import QueryTimeout
from lodpub.query.remote import RemoteStore
from lodpub.query.store import EmbeddedStore, Limits
from lodpub.web import create_app
from support.canary import Canary
from support.releases import DATA_TRIG, EX
from support.servers import live_server, settings_for
from support.serving import STOPPED_TAIL, cut_tail
from support.waiting import at_full_strength, wait_for

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = f"SELECT ?n WHERE {{ <{EX}s7> <{EX}name> ?n }}"


@pytest.fixture(scope="module")
def canaries():
    answer = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "from the allowed service"}}]}}).encode()
    servers = {"silent": Canary(), "allowed": Canary(answer), "hanging": Canary(answer, 5.0)}
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def big_data(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.nt"
    lines = [f'<{EX}s{i}> <{EX}name> "n{i}" .\n' for i in range(3000)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory, big_data, canaries):
    allow = (canaries["allowed"].url, canaries["hanging"].url)
    settings = settings_for(tmp_path_factory.mktemp("limits"), query_timeout=1.0, workers=2,
                            service_allowlist=allow)
    app = create_app(settings, data_files=[big_data, DATA_TRIG])
    yield app
    app.extensions["lodpub"].close()


def sparql(app, query: str, **headers):
    return app.test_client().get("/sparql?query=" + quote(query), headers=headers)


def test_limits_pathological_query_stopped_while_others_answer(app):
    pool = app.extensions["lodpub"].store.runner
    before = pool.pids()
    answers = {}
    heavy = threading.Thread(target=lambda: answers.update(heavy=sparql(app, CROSS)))
    heavy.start()
    wait_for(lambda: pool.busy() == 1)
    simple = sparql(app, SIMPLE)
    assert simple.status_code == 200
    assert json.loads(simple.data)["results"]["bindings"][0]["n"]["value"] == "n7"
    heavy.join(30)
    stopped = answers["heavy"]
    assert stopped.status_code == 503
    assert "query stopped after 1 s" in json.loads(stopped.data)["error"]
    killed = before - pool.pids()
    assert len(killed) == 1
    wait_for(lambda: at_full_strength(pool))
    with pytest.raises(ProcessLookupError):
        os.kill(killed.pop(), 0)  # the stopped query no longer runs anywhere
    assert sparql(app, SIMPLE).status_code == 200


def test_limits_timeout_error_as_text(app):
    response = sparql(app, CROSS, Accept="application/sparql-results+json, text/plain;q=0.5")
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert "stopped after 1 s" in response.data.decode()


def test_limits_busy_pool_answers_503_with_retry_after(tmp_path, big_data):
    # The only worker stays busy until the app is closed (a query that outlasts any test, under
    # a limit no test reaches): no replacement can free it meanwhile, however slow the machine.
    settings = settings_for(tmp_path, workers=1, query_timeout=600.0)
    store = EmbeddedStore.for_files(settings, [big_data], queue_wait=0.1)
    app = create_app(settings, data_files=[big_data], store=store)
    heavy = threading.Thread(target=lambda: sparql(app, ENDLESS))
    try:
        heavy.start()
        wait_for(lambda: store.runner.busy() == 1)
        response = sparql(app, SIMPLE)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert "busy" in json.loads(response.data)["error"]
    finally:
        app.extensions["lodpub"].close()
        heavy.join(30)
    assert not heavy.is_alive()


# ----------------------------------------------------------------------------- row cap


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    settings = settings_for(tmp_path_factory.mktemp("capped"), max_rows=2, workers=1)
    app = create_app(settings, data_files=[DATA_TRIG])
    yield app
    app.extensions["lodpub"].close()


ALL = "SELECT * WHERE { ?s ?p ?o }"  # 4 triples in data.trig's default graph


def test_limits_row_cap_flags_json(capped):
    response = sparql(capped, ALL)
    body = json.loads(response.data)
    assert response.headers["X-Lodpub-Truncated"] == "true"
    assert response.headers["X-Lodpub-Max-Rows"] == "2"
    assert len(body["results"]["bindings"]) == 2
    assert "urn:lodpub:truncated:max-rows=2" in body["head"]["link"]
    assert body["lodpub"] == {"truncated": True, "max_rows": 2}
    parsed = Result.parse(io.BytesIO(response.data), format="json")  # still valid SPARQL JSON
    assert len(list(parsed)) == 2


def test_limits_row_cap_flags_xml_and_csv(capped):
    xml = sparql(capped, ALL, Accept="application/sparql-results+xml")
    assert b'<link href="urn:lodpub:truncated:max-rows=2"/>' in xml.data
    assert len(list(Result.parse(io.BytesIO(xml.data), format="xml"))) == 2
    csv = sparql(capped, ALL, Accept="text/csv")
    assert csv.headers["X-Lodpub-Truncated"] == "true"
    assert len(csv.data.decode().strip().splitlines()) == 3  # header + 2 rows


def test_limits_row_cap_silent_when_nothing_cut(capped):
    response = sparql(capped, ALL + " LIMIT 2")
    assert "X-Lodpub-Truncated" not in response.headers
    assert "lodpub" not in json.loads(response.data)


def test_limits_row_cap_spares_the_pages_helpers(capped):
    # lodpub's own pages query through select(): they must never lose rows silently
    assert len(capped.extensions["lodpub"].store.select(ALL)) == 4


def test_limits_stream_cut_at_the_limit_is_never_silently_short(app, caplog):
    # rows start flowing at once, but nine million of them take longer than the 1 s limit
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    pool = app.extensions["lodpub"].store.runner
    # earlier tests stopped queries; their replacement workers must be up, or the query could
    # wait for a worker past its queue time and get a 503 instead of a stream
    wait_for(lambda: at_full_strength(pool))
    with live_server(app) as base:
        with requests.get(base + "/sparql", params={"query": endless}, stream=True,
                          headers={"Accept": "text/tab-separated-values"},
                          timeout=30) as response:
            assert response.status_code == 200, response.text
            tail = cut_tail(response)
        # what arrived ends with a line saying why it stops there
        assert tail.endswith(STOPPED_TAIL)
        assert requests.get(base + "/sparql", params={"query": SIMPLE},
                            timeout=30).status_code == 200
        # the server log says what happened in one line, not with a traceback as for a crash
        # (read while the server runs: its own shutdown is none of this test's business)
        wait_for(lambda: any("answer cut mid-stream" in r.getMessage() for r in caplog.records))
        server_log = [r for r in caplog.records if r.name.startswith("waitress")]
    assert not [r for r in server_log if r.levelno >= logging.ERROR or r.exc_info]
    assert any("answer cut mid-stream: query stopped after 1 s" in r.getMessage()
               for r in server_log)


def test_limits_remote_store_holds_the_time_limit(canaries):
    store = RemoteStore(canaries["hanging"].url, limits=Limits(timeout=0.5))
    try:
        with pytest.raises(QueryTimeout, match="stopped after 0.5 s"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
    finally:
        store.close()


# ----------------------------------------------------------------------------- memory limit


@pytest.fixture(scope="module")
def thrifty(tmp_path_factory, big_data):
    """One worker that may take 150 MB for a query, and a generous time limit."""
    settings = settings_for(tmp_path_factory.mktemp("memory"), workers=1, query_timeout=60.0,
                            query_memory_mb=150)
    app = create_app(settings, data_files=[big_data])
    yield app
    app.extensions["lodpub"].close()


def test_limits_memory_limit_stops_a_query_and_replaces_its_worker(thrifty):
    # nine million rows to sort: gigabytes if nothing stops it, long before the 60 s limit
    hog = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } ORDER BY ?o ?c"
    pool = thrifty.extensions["lodpub"].store.runner
    before = pool.pids()
    response = sparql(thrifty, hog)
    assert response.status_code == 503
    assert "query used more than 150 MB" in json.loads(response.data)["error"]
    assert response.headers["Retry-After"]
    wait_for(lambda: at_full_strength(pool))
    assert pool.pids().isdisjoint(before)  # the worker that held the memory is gone
    assert sparql(thrifty, SIMPLE).status_code == 200


def test_limits_memory_limit_spares_ordinary_queries(thrifty):
    assert sparql(thrifty, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").status_code == 200


def test_limits_busy_pool_answers_pages_503_with_retry_after(tmp_path, tiny_release, big_data):
    from support.servers import make_app

    # The only worker stays busy until the app is closed (see the test above).
    app = make_app(tiny_release, workers=1, query_timeout=600.0)
    store = app.extensions["lodpub"].store
    store.runner.queue_wait = 0.1
    heavy = threading.Thread(target=lambda: sparql(app, ENDLESS))
    try:
        heavy.start()
        wait_for(lambda: store.runner.busy() == 1)
        for path in ("/id/kataib-hezbollah.html", "/query?query=ASK%7B%7D", "/"):
            response = app.test_client().get(path, headers={"Accept": "text/html"})
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "2", path
    finally:
        app.extensions["lodpub"].close()
        heavy.join(30)
    assert not heavy.is_alive()
