"""The answer cache in front of /sparql: a hit is the miss's answer, keys never collide, bounded.

Answers are parsed back and compared on meaning as well as byte for byte; ``X-Lodpub-Cache``
says whether an answer came from the cache.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.query import Result

from lodpub.query.scan import prepare
from lodpub.web.http.answercache import Answer, AnswerCache
from support.releases import DATA_TRIG, EX, KH
from support.servers import live_server, make_app

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
NAMES = f"SELECT ?who ?name WHERE {{ ?who <{EX}name> ?name }}"
KH_CONSTRUCT = f"CONSTRUCT {{ <{KH}> ?p ?o }} WHERE {{ <{KH}> ?p ?o }}"
JSON_TYPE = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"


def _numbers(n: int) -> str:
    return " ".join(str(i) for i in range(n))


@pytest.fixture(scope="module")
def app(tiny_release):
    """The tiny release with a 1 s time limit (an answer stopped at it is never kept)."""
    app = make_app(tiny_release, query_timeout=1.0, workers=2)
    yield app
    app.extensions["lodpub"].close()


def post(client, query: str, accept: str = JSON_TYPE, **params):
    data = {"query": query, **{k.replace("_", "-"): v for k, v in params.items()}}
    return client.post("/sparql", data=data, headers={"Accept": accept})


def names_of(response) -> set[str]:
    rows = json.loads(response.data)["results"]["bindings"]
    return {row["name"]["value"] for row in rows}


def headers_but_cache(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "X-Lodpub-Cache"}


def test_answer_cache_hit_is_the_same_bytes_and_headers(app):
    client = app.test_client()
    query = LABELS + " # hit-same-bytes"
    miss, hit = post(client, query), post(client, query)
    assert (miss.headers["X-Lodpub-Cache"], hit.headers["X-Lodpub-Cache"]) == ("miss", "hit")
    assert hit.status_code == miss.status_code == 200
    assert hit.data == miss.data
    assert headers_but_cache(hit) == headers_but_cache(miss)
    labels = {str(row[1]) for row in Result.parse(io.BytesIO(hit.data), format="json")}
    assert {"Kataib Hezbollah", "Popular Mobilization Forces"} <= labels


def test_answer_cache_get_keeps_etag_and_answers_304(app):
    client = app.test_client()
    url = "/sparql?query=" + quote(KH_CONSTRUCT)
    miss = client.get(url, headers={"Accept": "text/turtle"})
    hit = client.get(url, headers={"Accept": "text/turtle"})
    assert hit.headers["X-Lodpub-Cache"] == "hit"
    assert hit.headers["ETag"] == miss.headers["ETag"]
    assert hit.headers["Vary"] == "Accept"
    graph = Graph().parse(data=hit.data, format="turtle")
    assert (URIRef(KH), None, None) in graph
    again = client.get(url, headers={"Accept": "text/turtle", "If-None-Match": hit.headers["ETag"]})
    assert again.status_code == 304


def test_answer_cache_formats_do_not_collide(app):
    client = app.test_client()
    query = LABELS + " # formats"
    asks = [{"accept": JSON_TYPE}, {"accept": "application/sparql-results+xml"},
            {"accept": JSON_TYPE, "format": "csv"}, {"accept": "text/tab-separated-values"}]
    for _ in range(2):  # the second round is all hits, each still in its own format
        answers = [post(client, query, **ask) for ask in asks]
        kinds = [r.mimetype for r in answers]
        assert kinds == [JSON_TYPE, "application/sparql-results+xml", "text/csv",
                         "text/tab-separated-values"]
        for response, fmt in zip(answers, ["json", "xml", "csv", "tsv"], strict=True):
            labels = {str(row[1]) for row in Result.parse(io.BytesIO(response.data), format=fmt)}
            assert "Kataib Hezbollah" in labels
    assert {r.headers["X-Lodpub-Cache"] for r in answers} == {"hit"}


def test_answer_cache_dataset_params_do_not_collide(data_app):
    client = data_app.test_client()
    expected = {(): {"Alice", "Bob"}, ("g1",): {"Carol"}, ("g2",): {"Dave"}}
    for _ in range(2):
        seen = {}
        for graphs in expected:
            params = {"default_graph_uri": EX + graphs[0]} if graphs else {}
            response = post(client, NAMES, **params)
            seen[graphs] = names_of(response)
        assert seen == expected
    get = client.get("/sparql?query=" + quote(NAMES) + "&default-graph-uri=" + quote(EX + "g1"),
                     headers={"Accept": JSON_TYPE})
    assert names_of(get) == {"Carol"}


def test_answer_cache_byte_bound_evicts(tmp_path):
    app = make_app(data_files=[DATA_TRIG], result_cache_bytes=8000)
    try:
        client = app.test_client()
        cache = app.extensions["lodpub.answer_cache"]
        queries = [f"{NAMES} # {'padding ' * 40} {i}" for i in range(12)]
        for query in queries:
            assert names_of(post(client, query)) == {"Alice", "Bob"}
            assert cache.size_bytes <= 8000
        assert 0 < len(cache) < len(queries)
        first, last = post(client, queries[0]), post(client, queries[-1])
        assert first.headers["X-Lodpub-Cache"] == "miss"  # the oldest went first
        assert last.headers["X-Lodpub-Cache"] == "hit"
        assert names_of(first) == names_of(last) == {"Alice", "Bob"}
    finally:
        app.extensions["lodpub"].close()


def test_answer_cache_never_keeps_errors_or_timeouts(app):
    client = app.test_client()
    cache = app.extensions["lodpub.answer_cache"]
    slow = (f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {_numbers(300)} }} "
            f"VALUES ?b {{ {_numbers(300)} }} VALUES ?c {{ {_numbers(300)} }} "
            "FILTER(?a + ?b + ?c < 0) }")
    for query, status in [("SELECT ?x WHERE { ?x", 400), (slow, 503)]:
        before = len(cache)
        for _ in range(2):
            response = post(client, query)
            assert response.status_code == status
            assert response.headers["X-Lodpub-Cache"] == "miss"
        assert len(cache) == before


def test_answer_cache_skips_answers_that_change(app):
    client = app.test_client()
    for query in ["SELECT (RAND() AS ?r) WHERE {}", "SELECT (NOW() AS ?t) WHERE {}",
                  "SELECT (STRUUID() AS ?u) WHERE {}"]:
        assert not prepare(query).repeatable
        responses = [post(client, query) for _ in range(2)]
        assert [r.headers["X-Lodpub-Cache"] for r in responses] == ["miss", "miss"]
        assert all(json.loads(r.data)["results"]["bindings"] for r in responses)
    assert prepare(LABELS).repeatable


def test_answer_cache_does_not_keep_streamed_answers(app):
    client = app.test_client()
    query = f"SELECT * WHERE {{ VALUES ?a {{ {_numbers(40)} }} VALUES ?b {{ {_numbers(40)} }} }}"
    responses = [post(client, query) for _ in range(2)]
    assert [r.headers["X-Lodpub-Cache"] for r in responses] == ["miss", "miss"]
    assert "Content-Length" not in responses[0].headers  # streamed in chunks
    for response in responses:
        assert len(json.loads(response.data)["results"]["bindings"]) == 1600


def test_answer_cache_off_when_zero(tmp_path):
    app = make_app(data_files=[DATA_TRIG], result_cache_bytes=0)
    try:
        client = app.test_client()
        responses = [post(client, NAMES) for _ in range(2)]
        assert "lodpub.answer_cache" not in app.extensions
        assert all("X-Lodpub-Cache" not in r.headers for r in responses)
        assert names_of(responses[1]) == {"Alice", "Bob"}
    finally:
        app.extensions["lodpub"].close()


def test_answer_cache_lru_order_and_oversize():
    cache = AnswerCache(1000, max_entry_bytes=600)
    answer = Answer("200 OK", (("Content-Type", "text/csv"),), b"x" * 200)
    cache.put(("a",), answer)
    cache.put(("b",), answer)
    assert cache.get(("a",)) is answer  # a is now the most recently used
    cache.put(("c",), answer)  # over 1000 bytes: b, the least recently used, goes
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is answer and cache.get(("c",)) is answer
    assert cache.size_bytes <= 1000
    assert not cache.put(("big",), Answer("200 OK", (), b"x" * 700))
    assert cache.get(("big",)) is None


def test_answer_cache_through_waitress(data_app):
    with live_server(data_app) as base, requests.Session() as session:
        answers = [session.post(base + "/sparql", data={"query": NAMES + " # live"},
                                headers={"Accept": JSON_TYPE, "Content-Type": FORM},
                                timeout=30) for _ in range(2)]
        big = session.post(base + "/sparql", timeout=30, headers={"Accept": JSON_TYPE},
                           data={"query": f"SELECT * {{ VALUES ?a {{ {_numbers(60)} }} "
                                          f"VALUES ?b {{ {_numbers(60)} }} }}"})
    assert [a.headers["X-Lodpub-Cache"] for a in answers] == ["miss", "hit"]
    assert answers[0].content == answers[1].content
    assert {row["name"]["value"] for row in answers[1].json()["results"]["bindings"]} == {
        "Alice", "Bob"}
    assert len(big.json()["results"]["bindings"]) == 3600


# ----------------------------------------------------------------------------- pages and documents


@pytest.mark.parametrize("path,accept", [("/id/kataib-hezbollah.html", "text/html"),
                                         ("/id/kataib-hezbollah.ttl", "text/turtle"),
                                         ("/network", "text/html"), ("/", "text/html")])
def test_answer_cache_keeps_pages_and_documents(app, path, accept):
    client = app.test_client()
    first = client.get(path, headers={"Accept": accept})
    again = client.get(path, headers={"Accept": accept})
    assert (first.headers["X-Lodpub-Cache"], again.headers["X-Lodpub-Cache"]) == ("miss", "hit")
    assert first.data == again.data and first.headers["ETag"] == again.headers["ETag"]
    unchanged = client.get(path, headers={"Accept": accept,
                                          "If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.headers["X-Lodpub-Cache"] == "hit"
    assert unchanged.headers["ETag"] == again.headers["ETag"] and not unchanged.data


def test_answer_cache_keeps_a_page_per_host(app):
    client = app.test_client()
    forged = client.get("/network", headers={"Host": "evil.example"})
    trusted = client.get("/network")
    assert trusted.headers["X-Lodpub-Cache"] == "miss"  # not the page built for the other host
    assert b"http://localhost/" in trusted.data and b"http://localhost/" not in forged.data


def test_answer_cache_never_keeps_a_query_page_that_changes(app):
    client = app.test_client()
    for query in ("SELECT (RAND() AS ?r) {}", "SELECT (NOW() AS ?t) {}"):
        pages = [client.get("/query", query_string={"query": query}) for _ in range(2)]
        assert [p.headers["X-Lodpub-Cache"] for p in pages] == ["miss", "miss"]
    steady = [client.get("/query", query_string={"query": "ASK {}"}) for _ in range(2)]
    assert [p.headers["X-Lodpub-Cache"] for p in steady] == ["miss", "hit"]
