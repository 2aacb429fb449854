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
from support.canary import Canary
from support.servers import make_app


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    yield server
    server.shutdown()
    server.server_close()


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
        store.pool.run(job, 10)
    assert canary.requests == []
