"""A real server (lodpub's waitress server on a free port) queried by real clients.

SPARQLWrapper, rdflib's SPARQLStore, raw HTTP, lodpub's own RemoteStore, and `serve()` itself
started in a subprocess the way `lodpub serve` runs it.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from urllib.parse import quote, urlsplit

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from lodpub.errors import QuerySyntaxError
from lodpub.query.remote import RemoteStore
from support.releases import KH

pytestmark = pytest.mark.server
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
LABELS = f"SELECT ?label WHERE {{ <{KH}> <{RDFS.label}> ?label }}"


@pytest.fixture(scope="module")
def base_url(tiny_server):
    return tiny_server


def test_live_sparqlwrapper_select_and_construct(base_url):
    client = SPARQLWrapper(base_url + "/sparql")
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert bindings == [{"label": {"type": "literal", "value": "Kataib Hezbollah",
                                   "xml:lang": "en"}}]
    client.setQuery(f"CONSTRUCT {{ <{KH}> ?p ?o }} WHERE {{ <{KH}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert (URIRef(KH), RDFS.label, Literal("Kataib Hezbollah", lang="en")) in graph


def test_live_sparqlwrapper_post(base_url):
    client = SPARQLWrapper(base_url + "/sparql")
    client.setMethod("POST")
    client.setQuery(f"ASK {{ <{KH}> ?p ?o }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


def test_live_rdflib_sparqlstore(base_url):
    graph = Graph(store=SPARQLStore(base_url + "/sparql", returnFormat="json"))
    labels = [row.label for row in graph.query(LABELS)]
    assert labels == [Literal("Kataib Hezbollah", lang="en")]
    assert (URIRef(KH), RDFS.label, Literal("Kataib Hezbollah", lang="en")) in graph


def test_live_raw_http(base_url):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/sparql?query=" + quote(LABELS),
                 headers={"Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert json.loads(body)["results"]["bindings"][0]["label"]["value"] == "Kataib Hezbollah"
    conn.request("POST", "/sparql", body=b"SELECT ?x WHERE {",
                 headers={"Content-Type": "application/sparql-query"})
    response = conn.getresponse()
    assert response.status == 400 and b"1:" in response.read()
    conn.close()


def test_live_remote_store_against_lodpub(base_url):
    store = RemoteStore(base_url + "/sparql")
    try:
        assert store.select(LABELS) == [{"label": Literal("Kataib Hezbollah", lang="en")}]
        assert store.ask(f"ASK {{ <{KH}> ?p ?o }}") is True
        assert (URIRef(KH), RDFS.label, None) in store.construct(f"DESCRIBE <{KH}>")
        with pytest.raises(QuerySyntaxError, match="refused"):
            store.select("SELECT ?x WHERE {")
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_live_serve_entry_point_on_the_real_release(release, release_settings):
    """serve() in its own process, as `lodpub serve` runs it, on the session's real release."""
    port = _free_port()
    code = ("import sys; from lodpub.settings import load_settings; "
            "from lodpub.web.server import serve; "
            "serve(load_settings(sys.argv[1], dist_dir=sys.argv[2]), host='127.0.0.1', "
            f"port={port}, workers=1, threads=2)")
    process = subprocess.Popen([sys.executable, "-c", code, str(release_settings.project_dir),
                                str(release_settings.resolved_dist)])
    endpoint = f"http://127.0.0.1:{port}/sparql"
    try:
        end = time.monotonic() + 120  # synchronisation only: wait for the port to open
        while True:
            try:
                description = requests.get(endpoint, headers={"Accept": "text/turtle"},
                                           timeout=10)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < end
                time.sleep(0.1)
        graph = Graph().parse(data=description.text, format="turtle")
        assert (URIRef(endpoint), SD.endpoint, URIRef(endpoint)) in graph
        counts = {str(graph.value(n, SD.name)): int(graph.value(graph.value(n, SD.graph),
                                                                VOID.triples))
                  for n in graph.subjects(RDF.type, SD.NamedGraph)}
        assert counts == {g: n for g, n in release.manifest["graphs"].items() if n}
        facts = "https://w3id.org/lodpub/graph/facts"
        answer = requests.get(endpoint, params={
            "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{facts}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"}, timeout=10).json()
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == \
            release.manifest["graphs"][facts]
    finally:
        process.terminate()
        process.wait(10)
