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
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from lodpub.store import QuerySyntaxError, RemoteStore
from lodpub.web import create_app
from sparql_fixtures import KH, live_server, settings_for, write_release

pytestmark = pytest.mark.server
LABELS = f"SELECT ?label WHERE {{ <{KH}> <{RDFS.label}> ?label }}"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    write_release(root)
    app = create_app(settings_for(root))
    with live_server(app) as url:
        yield url
    app.extensions["lodpub"].close()


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
        assert len(store.construct(f"DESCRIBE <{KH}>")) == 4
        with pytest.raises(QuerySyntaxError, match="400"):
            store.select("SELECT ?x WHERE {")
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_live_serve_entry_point(tmp_path):
    write_release(tmp_path)
    port = _free_port()
    code = ("import sys; from lodpub.settings import load_settings; "
            "from lodpub.web.server import serve; "
            f"serve(load_settings(sys.argv[1]), host='127.0.0.1', port={port}, workers=1, "
            "threads=2)")
    process = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)])
    try:
        end = time.monotonic() + 60  # synchronisation only: wait for the port to open
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/sparql",
                                        params={"query": LABELS}, timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < end
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["results"]["bindings"][0]["label"]["value"] == "Kataib Hezbollah"
        description = requests.get(f"http://127.0.0.1:{port}/sparql",
                                   headers={"Accept": "text/turtle"}, timeout=5)
        graph = Graph().parse(data=description.text, format="turtle")
        endpoint = URIRef(f"http://127.0.0.1:{port}/sparql")
        assert (endpoint, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"),
                endpoint) in graph
    finally:
        process.terminate()
        process.wait(10)
