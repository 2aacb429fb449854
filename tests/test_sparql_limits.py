"""Limits that hold: the time limit, a busy pool, the row cap, and no outbound requests.

The pathological query is a cross product of every triple with every triple with every triple
over a few thousand triples: far beyond the 1 s limit these tests configure.
"""

from __future__ import annotations

import http.server
import io
import json
import logging
import os
import threading
import time
from urllib.parse import quote

import pytest
import requests
from rdflib.query import Result

from lodpub.errors import QueryTimeout
from lodpub.query.scan import refused_services, scan
from lodpub.query.store import OxigraphStore, RemoteStore
from lodpub.web import create_app
from sparql_fixtures import DATA_TRIG, EX, live_server, settings_for

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = f"SELECT ?n WHERE {{ <{EX}s7> <{EX}name> ?n }}"


class Canary(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that records every request; optionally answers SPARQL JSON."""

    daemon_threads = True

    def __init__(self, answer: bytes | None = None, delay: float = 0.0):
        self.requests: list[str] = []
        self.answer, self.delay = answer, delay
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                canary.requests.append(f"{self.command} {self.path}")
                time.sleep(canary.delay)
                body = canary.answer or b"canary"
                self.send_response(200 if canary.answer else 404)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        threading.Thread(target=self.serve_forever, daemon=True).start()


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


def wait_for(condition, limit: float = 30.0) -> None:
    """Wait until ``condition()`` holds (synchronisation only; nothing is timed)."""
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.02)


def test_limits_pathological_query_stopped_while_others_answer(app):
    pool = app.extensions["lodpub"].store.pool
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
    wait_for(lambda: len(pool.pids()) == 2 and pool.busy() == 0)
    with pytest.raises(ProcessLookupError):
        os.kill(killed.pop(), 0)  # the stopped query no longer runs anywhere
    assert sparql(app, SIMPLE).status_code == 200


def test_limits_timeout_error_as_text(app):
    response = sparql(app, CROSS, Accept="application/sparql-results+json, text/plain;q=0.5")
    assert response.status_code == 503 and response.mimetype == "text/plain"
    assert "stopped after 1 s" in response.data.decode()


def test_limits_busy_pool_answers_503_with_retry_after(tmp_path, big_data):
    settings = settings_for(tmp_path, workers=1, query_timeout=1.0)
    store = OxigraphStore.for_files(settings, [big_data], queue_wait=0.1)
    app = create_app(settings, data_files=[big_data], store=store)
    try:
        heavy = threading.Thread(target=lambda: sparql(app, CROSS))
        heavy.start()
        wait_for(lambda: store.pool.busy() == 1)
        response = sparql(app, SIMPLE)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert "busy" in json.loads(response.data)["error"]
        heavy.join(30)
        wait_for(lambda: store.pool.busy() == 0 and len(store.pool.pids()) == 1)
        assert sparql(app, SIMPLE).status_code == 200
    finally:
        app.extensions["lodpub"].close()


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


# ----------------------------------------------------------------------------- outbound requests


def test_limits_no_outbound_request_for_service_or_from(app, canaries):
    url = canaries["silent"].url
    refused = [
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { BIND(<" + url + "> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        # the engine unescapes \u in IRIs: a disguised IRI must not slip past the check
        "SELECT * WHERE { SERVICE <" + url.rstrip("/") + "\\u002F> { ?s ?p ?o } }",
    ]
    for query in refused:
        response = sparql(app, query)
        assert response.status_code == 400, query
        assert "service_allowlist" in json.loads(response.data)["error"]
    graph = f"{url}g"
    for query, params in [(f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}", ""),
                          (f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                           ""),
                          ("SELECT * WHERE { ?s ?p ?o }", "&default-graph-uri=" + quote(graph)),
                          ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                           "&named-graph-uri=" + quote(graph))]:
        response = app.test_client().get("/sparql?query=" + quote(query) + params)
        assert response.status_code == 200
        assert json.loads(response.data)["results"]["bindings"] == []
    assert canaries["silent"].requests == []


def test_limits_service_keyword_in_strings_comments_iris_is_not_a_call(app):
    query = ('SELECT ?n WHERE { ?s <http://example.org/SERVICE> ?x . '
             f'<{EX}s7> <{EX}name> ?n FILTER(?n != "SERVICE <http://evil/>") }}'
             " # SERVICE <http://evil/>")
    response = sparql(app, query)
    assert response.status_code == 200


def test_limits_allowlisted_service_is_called(app, canaries):
    url = canaries["allowed"].url
    response = sparql(app, f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }}")
    assert response.status_code == 200
    bindings = json.loads(response.data)["results"]["bindings"]
    assert bindings == [{"x": {"type": "literal", "value": "from the allowed service"}}]
    assert len(canaries["allowed"].requests) == 1


def test_limits_allowlisted_service_is_held_to_the_time_limit(app, canaries):
    url = canaries["hanging"].url
    response = sparql(app, f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }}")
    assert response.status_code == 503
    assert "stopped after 1 s" in json.loads(response.data)["error"]


@pytest.mark.parametrize("query,targets", [
    ("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }", ["http://a/"]),
    ("PREFIX w: <http://w/> SELECT * { SERVICE SILENT w:sparql { ?s ?p ?o } }", ["http://w/sparql"]),
    ("SELECT * { SERVICE ?x { ?s ?p ?o } }", [None]),
    ("SELECT * { ?s ?p 'SERVICE <http://a/>' } # SERVICE <http://b/>", []),
    ('SELECT * { ?s ?p """multi\nSERVICE <http://c/>""" }', []),
    ("SELECT * { ?s <http://x/SERVICE> ?o }", []),
])
def test_queryscan_finds_service_targets(query, targets):
    assert scan(query).services == targets


def test_queryscan_allowlist():
    info = scan("SELECT * { SERVICE <http://a/> {} SERVICE <http://b/> {} }")
    assert refused_services(info, ("http://a/",)) == ["http://b/"]


@pytest.mark.parametrize("query,form", [
    ("PREFIX ex: <http://e/> SELECT * {}", "SELECT"), ("ask {}", "ASK"),
    ("# SELECT\nCONSTRUCT WHERE {}", "CONSTRUCT"), ("DESCRIBE <http://e/>", "DESCRIBE"),
    ("INSERT DATA { <a> <b> <c> }", "INSERT"), ("BASE <http://x/> DELETE WHERE {}", "DELETE"),
])
def test_queryscan_query_form(query, form):
    assert scan(query).form == form


def test_limits_row_cap_spares_the_pages_helpers(capped):
    # lodpub's own pages query through select(): they must never lose rows silently
    assert len(capped.extensions["lodpub"].store.select(ALL)) == 4


def test_limits_stream_cut_at_the_limit_is_never_silently_short(app, caplog):
    # rows start flowing at once, but nine million of them take longer than the 1 s limit
    endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    pool = app.extensions["lodpub"].store.pool
    # earlier tests stopped queries; their replacement workers must be up, or the query could
    # wait for a worker past its queue time and get a 503 instead of a stream
    wait_for(lambda: len(pool.pids()) == 2 and pool.busy() == 0)
    with live_server(app) as base:
        with requests.get(base + "/sparql", params={"query": endless}, stream=True,
                          headers={"Accept": "text/tab-separated-values"},
                          timeout=30) as response:
            assert response.status_code == 200, response.text
            tail = b""
            with pytest.raises(requests.exceptions.ChunkedEncodingError):
                for chunk in response.iter_content(65536):
                    tail = (tail + chunk)[-4096:]
        # what arrived ends with a line saying why it stops there
        assert tail.endswith(b"\n# lodpub: query stopped after 1 s (the time limit); "
                             b"this answer is incomplete\n")
        assert requests.get(base + "/sparql", params={"query": SIMPLE},
                            timeout=30).status_code == 200
    # the server log says what happened in one line, not with a traceback as for a crash
    server_log = [r for r in caplog.records if r.name.startswith("waitress")]
    assert not [r for r in server_log if r.levelno >= logging.ERROR or r.exc_info]
    assert any("answer cut mid-stream: query stopped after 1 s" in r.getMessage()
               for r in server_log)


def test_limits_remote_store_holds_the_time_limit(canaries):
    store = RemoteStore(canaries["hanging"].url, query_timeout=0.5)
    try:
        with pytest.raises(QueryTimeout, match="stopped after 0.5 s"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
    finally:
        store.close()
