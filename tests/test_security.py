"""Safe to put on the internet: nothing leaves the machine, no client can poison what others see.

Outbound requests are stopped by two independent layers (docs/security.md): the SERVICE check
reads the query with a SPARQL grammar (``scan.prepare``), and the processes that run queries
have no network when the allow-list is empty (``isolation.isolate_network``). Each layer is
tested on its own: the first with an app whose workers do have the network (an allow-list is
set), the second by handing a SERVICE query straight to a worker, past the first layer.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from lodpub.errors import EngineFailure
from lodpub.query.engine import Job
from support.servers import make_app


@pytest.fixture(scope="module")
def networked_app(tiny_release, canary):
    """An app whose query workers keep the network: something else is allow-listed."""
    app = make_app(tiny_release, service_allowlist=("http://127.0.0.1:9/allowed",))
    yield app
    app.extensions["lodpub"].close()


def obfuscated_service_queries(url: str) -> list[str]:
    """SERVICE calls to ``url`` written every way the grammar allows (and the tokenizer missed)."""
    host = url.rstrip("/")
    bare = host.removeprefix("http://")
    return [
        f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        # \u escapes are decoded before parsing: in the IRI, and in the keyword itself
        "SELECT * WHERE { SERVICE <" + host + "\\u002F> { ?s ?p ?o } }",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?s ?p ?o }} }}",
        # the findings of the review: an escape before '#' ended a tokenizer's IRI, then the
        # rest of the line read as a comment; '\#' and "\'" in prefixed names did the same
        "SELECT ?canary WHERE { OPTIONAL { ?s <http://x.example/\\u0041#> ?o } "
        f"SERVICE <{url}u-escape> {{ ?canary ?b ?c }} }}",
        "PREFIX ex: <http://e.example/> SELECT * WHERE { ?s ex:a\\#x ?o . "
        f"SERVICE <{url}hash> {{ ?a ?b ?c }} }}",
        "PREFIX ex: <http://e.example/> SELECT * WHERE { ?s ex:a\\'x ?o . "
        f"SERVICE <{url}quote> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o # comment\n SERVICE <{url}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ SERVICE <{url}> {{ SERVICE <{url}inner> {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT (EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} AS ?x) {{}}",
        f"BASE <{url}> SELECT * {{ SERVICE <relative> {{ ?s ?p ?o }} }}",
        f"PREFIX : <{url}> SELECT * {{ SERVICE : {{ ?s ?p ?o }} }}",
        f"SELECT * {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ OPTIONAL {{ SERVICE <http://{bare}> {{ ?s ?p ?o }} }} }}",
    ]


def test_security_service_check_refuses_every_obfuscated_call(networked_app, canary):
    client = networked_app.test_client()
    for query in obfuscated_service_queries(canary.url):
        response = client.get("/sparql?query=" + quote(query))
        assert response.status_code == 400, (query, response.data)
        page = client.get("/query?query=" + quote(query))  # the query page: the same check
        assert page.status_code == 400, query
    assert canary.requests == []


def test_security_from_and_dataset_parameters_never_fetch(networked_app, canary):
    client = networked_app.test_client()
    graph = f"{canary.url}g"
    for query, params in [(f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}", ""),
                          (f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                           ""),
                          ("SELECT * WHERE { ?s ?p ?o }", "&default-graph-uri=" + quote(graph)),
                          ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                           "&named-graph-uri=" + quote(graph))]:
        response = client.get("/sparql?query=" + quote(query) + params)
        assert response.status_code == 200
        assert json.loads(response.data)["results"]["bindings"] == []
    assert canary.requests == []


def test_security_service_keyword_in_strings_comments_iris_is_not_a_call(client):
    query = ('SELECT ?l WHERE { ?s <http://example.org/SERVICE> ?x . '
             '?s <http://www.w3.org/2000/01/rdf-schema#label> ?l '
             'FILTER(?l != "SERVICE <http://evil/>") } # SERVICE <http://evil/>')
    assert client.get("/sparql?query=" + quote(query)).status_code == 200


def test_security_workers_have_no_network_without_an_allowlist(tiny_app, canary):
    # the second layer alone: a SERVICE call handed to a worker past the query check
    store = tiny_app.extensions["lodpub"].store
    assert store.health()["network_isolation"].startswith("network namespace")
    job = Job(query=f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
    with pytest.raises(EngineFailure, match="Network is unreachable"):
        store.runner.run(job, 10)
    assert canary.requests == []


# ----------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,   # killed a worker before
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 3500 + "?o" + ")" * 3500 + ") }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 4000 + "?o) }",
    "SELECT * WHERE { ?s ?p ?o " + "FILTER EXISTS { ?s ?p ?o " * 1200 + "}" * 1200 + " }",
])
def test_security_deep_nesting_within_the_limit_is_answered_not_a_crash(client, tiny_app, query):
    pool = tiny_app.extensions["lodpub"].store.runner
    before = pool.pids()
    response = client.post("/sparql", data={"query": query})
    assert response.status_code in (200, 400), response.data[:200]  # 400: not valid SPARQL
    assert pool.pids() == before  # no worker died


@pytest.mark.parametrize("opener", ["{", "(", "!", "[", "\\u007B"])
def test_security_nesting_beyond_the_limit_is_a_400_naming_it(client, opener):
    query = "SELECT * WHERE " + opener * 5000 + " ?s ?p ?o "
    response = client.post("/sparql", data={"query": query})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "more than 4096" in error and "max_query_nesting" in error


# ----------------------------------------------------------------------------- Host header


@pytest.mark.parametrize("path", ["/network", "/timeline", "/network.svg", "/timeline.svg",
                                  "/id/kataib-hezbollah.html", "/"])
def test_security_a_forged_host_never_reaches_another_visitor(tiny_release, path):
    app = make_app(tiny_release)  # a fresh app: nothing cached yet
    try:
        client = app.test_client()
        forged = client.get(path, headers={"Host": "evil.example"})
        assert forged.status_code == 200
        assert b"evil.example" not in forged.data  # relative links for an untrusted host
        later = client.get(path)  # the next visitor, on a trusted host
        assert b"evil.example" not in later.data
        assert b"http://localhost/" in later.data or path.endswith(".svg")
        malformed = client.get(path.split(".")[0], headers={"Host": "a b", "Accept": "text/html"})
        assert malformed.status_code < 500
        assert "http:///" not in malformed.headers.get("Location", "")
    finally:
        app.extensions["lodpub"].close()


# ----------------------------------------------------------------------------- the query page


def test_security_query_page_reads_no_more_than_it_shows(real_client):
    # a hundred times every triple: the page shows the first 1,000 and reads no further
    query = ("CONSTRUCT { ?s ?p ?x } WHERE { ?s ?p ?o . VALUES ?x { "
             + " ".join(str(i) for i in range(100)) + " } }")
    response = real_client.get("/query", query_string={"query": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "More than 1000 triples: the first 1000 are shown" in page
    assert page.count("<tr>") < 1100
