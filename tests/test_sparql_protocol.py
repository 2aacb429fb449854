"""The SPARQL 1.1 Protocol at /sparql, through Flask's test client: formats and error statuses.

Results are parsed back (rdflib's SPARQL result parsers and RDF parsers) and asserted on meaning.
Every test that takes ``client`` runs over each store: the embedded engine, the Oxigraph server
and Virtuoso (conftest's ``each_tiny_app``).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.query import Result

from lodpub.formats import GRAPH_FORMATS
from lodpub.namespaces import DEFAULT_GRAPHS
from lodpub.query.remote import RemoteStore
from lodpub.web import create_app
from support.rdf import parse_rdf
from support.releases import CLAIMS, DATA_TRIG, EX, FACTS, KH, write_release
from support.servers import settings_for

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
LABELS_OR_QUOTES = ("SELECT ?s ?label WHERE { { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
                    "?label } UNION { ?s <https://w3id.org/lodpub/ontology/quote> ?label } }")
KH_CONSTRUCT = f"CONSTRUCT {{ <{KH}> ?p ?o }} WHERE {{ <{KH}> ?p ?o }}"


@pytest.fixture
def client(each_tiny_app):
    """A client of the tiny release's app over each store in turn (conftest's ``STORES``)."""
    return each_tiny_app.test_client()


def get(client, query: str, accept: str | None = None, **params):
    url = "/sparql?query=" + quote(query)
    for key, value in params.items():
        url += f"&{key.replace('_', '-')}={quote(value)}"
    return client.get(url, headers={"Accept": accept} if accept else {})


def labels_of(result: Result) -> set[str]:
    return {str(row[1]) for row in result}


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv")])
def test_sparql_select_each_format(client, accept, fmt):
    response = get(client, LABELS, accept)
    assert response.status_code == 200
    assert response.mimetype == accept
    result = Result.parse(io.BytesIO(response.data), format=fmt)
    assert {"Kataib Hezbollah", "Popular Mobilization Forces", "armed group"} <= labels_of(result)


def test_sparql_select_json_keeps_term_kinds(client):
    response = get(client, LABELS)
    assert response.headers["Content-Length"] == str(len(response.data))  # small: not chunked
    bindings = json.loads(response.data)["results"]["bindings"]
    kh = next(b for b in bindings if b["s"]["value"] == KH)
    assert kh["s"]["type"] == "uri"
    assert kh["label"] == {"type": "literal", "value": "Kataib Hezbollah", "xml:lang": "en"}


def test_sparql_csv_is_plain_values(client):
    rows = list(csv.DictReader(io.StringIO(get(client, LABELS, "text/csv").data.decode())))
    assert {"s": KH, "label": "Kataib Hezbollah"} in rows


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"), ("application/sparql-results+xml", "xml")])
def test_sparql_ask_formats(client, accept, fmt):
    yes = get(client, f"ASK {{ <{KH}> ?p ?o }}", accept)
    no = get(client, "ASK { <http://example.org/nothing> ?p ?o }", accept)
    assert Result.parse(io.BytesIO(yes.data), format=fmt).askAnswer is True
    assert Result.parse(io.BytesIO(no.data), format=fmt).askAnswer is False


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/trig", "trig"), ("application/n-quads", "nquads")])
def test_sparql_construct_each_format(client, accept, fmt):
    response = get(client, KH_CONSTRUCT, accept)
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = parse_rdf(response.data, fmt)
    assert (URIRef(KH), RDFS.label, Literal("Kataib Hezbollah", lang="en")) in graph
    assert (URIRef(KH), RDF.type, URIRef("https://w3id.org/lodpub/ontology/ArmedGroup")) in graph


def test_sparql_describe_defaults_to_turtle(client):
    response = get(client, f"DESCRIBE <{KH}>")
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    assert (URIRef(KH), RDFS.label, Literal("Kataib Hezbollah", lang="en")) in graph


@pytest.mark.parametrize("accept,expected", [
    ("application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
    ("text/tab-separated-values;q=0.2, application/sparql-results+json;q=0.8",
     "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/*;q=0.5, application/sparql-results+xml;q=0.1", "text/csv"),
])
def test_sparql_accept_qvalues(client, accept, expected):
    assert get(client, LABELS, accept).mimetype == expected


@pytest.mark.parametrize("name,expected", [("xml", "application/sparql-results+xml"),
                                           ("tsv", "text/tab-separated-values"),
                                           ("text/csv", "text/csv")])
def test_sparql_format_parameter_overrides_accept(client, name, expected):
    assert get(client, LABELS, "application/sparql-results+json", format=name).mimetype == expected


def test_sparql_format_parameter_for_construct(client):
    response = get(client, KH_CONSTRUCT, format="ntriples")
    assert response.mimetype == "application/n-triples"
    assert (URIRef(KH), RDFS.label, None) in Graph().parse(data=response.data, format="nt")


def test_sparql_post_form(client):
    response = client.post("/sparql", data={"query": LABELS},
                           headers={"Accept": "application/sparql-results+json"})
    assert "Kataib Hezbollah" in labels_of(Result.parse(io.BytesIO(response.data), format="json"))


def test_sparql_post_query_body(client):
    response = client.post("/sparql", data=LABELS.encode(),
                           content_type="application/sparql-query; charset=utf-8")
    assert response.status_code == 200
    assert "Kataib Hezbollah" in labels_of(Result.parse(io.BytesIO(response.data), format="json"))


def test_sparql_default_graph_holds_only_what_the_publisher_asserts(client):
    # a release's default graph merges ontology, facts, inferred and wikidata, not claims
    result = Result.parse(io.BytesIO(get(client, LABELS_OR_QUOTES).data), format="json")
    assert "Kataib Hezbollah" in labels_of(result)  # graph:facts
    assert not any("withdraw from Erbil" in label for label in labels_of(result))  # claims
    in_claims = f"SELECT ?label WHERE {{ GRAPH <{CLAIMS}> {{ ?c ?p ?label }} }}"
    quotes = {r["label"]["value"] for r in json.loads(get(client, in_claims).data)[
        "results"]["bindings"]}
    assert any("withdraw from Erbil" in q for q in quotes)  # still there, by name


def test_sparql_default_graph_uri_narrows_dataset(client):
    response = get(client, LABELS_OR_QUOTES, default_graph_uri=CLAIMS)
    labels = labels_of(Result.parse(io.BytesIO(response.data), format="json"))
    assert "Popular Mobilization Forces" not in labels  # a label in graph:facts only
    assert any("withdraw from Erbil" in label for label in labels)


def test_sparql_named_graph_uri_limits_graph_clause(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = get(client, query, named_graph_uri=FACTS)
    rows = list(Result.parse(io.BytesIO(response.data), format="json"))
    assert [str(row[0]) for row in rows] == [FACTS]


def test_sparql_post_form_dataset_parameters(client):
    response = client.post("/sparql", data={"query": LABELS, "default-graph-uri": FACTS})
    labels = labels_of(Result.parse(io.BytesIO(response.data), format="json"))
    assert "Kataib Hezbollah" in labels and not any("withdraw from" in x for x in labels)


def test_sparql_from_selects_local_graph(client):
    query = f"SELECT ?label FROM <{FACTS}> WHERE {{ ?s <{RDFS.label}> ?label }}"
    rows = json.loads(get(client, query).data)["results"]["bindings"]
    labels = {r["label"]["value"] for r in rows}
    assert "Popular Mobilization Forces" in labels and "Test document" not in labels


def test_sparql_data_files_keep_their_default_graph(data_app):
    client = data_app.test_client()
    query = f"SELECT ?n WHERE {{ ?s <{EX}name> ?n }}"
    names = {str(r[0]) for r in Result.parse(io.BytesIO(get(client, query).data), format="json")}
    assert names == {"Alice", "Bob"}  # not Carol or Dave: they live in named graphs
    graph_query = f"SELECT ?n WHERE {{ GRAPH <{EX}g1> {{ ?s <{EX}name> ?n }} }}"
    rows = json.loads(get(client, graph_query).data)["results"]["bindings"]
    assert [r["n"]["value"] for r in rows] == ["Carol"]


def test_sparql_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef("http://localhost/sparql")  # localhost is a trusted host by default
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV")) \
        in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) not in graph  # claims are left out
    counts = {str(graph.value(n, SD.name)): int(graph.value(graph.value(n, SD.graph), VOID.triples))
              for n in graph.subjects(RDF.type, SD.NamedGraph)}
    assert counts[FACTS] > 0 and counts[CLAIMS] > 0
    default = graph.value(graph.value(service, SD.defaultDataset), SD.defaultGraph)
    parts = {str(g) for g in graph.objects(default, DCTERMS.hasPart)}
    assert parts == {str(g) for g in DEFAULT_GRAPHS}
    assert "what the publisher asserts" in str(graph.value(default, RDFS.comment))
    total = int(graph.value(default, VOID.triples))
    present = [counts[g] for g in parts if g in counts]
    assert counts[FACTS] <= total <= sum(present)  # the merge of its parts (duplicates once)


def test_sparql_service_description_of_data_files(data_app):
    response = data_app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef("http://localhost/sparql")
    assert (service, SD.feature, SD.UnionDefaultGraph) not in graph
    dataset = graph.value(service, SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) == 4
    named = {str(graph.value(n, SD.name)): int(graph.value(graph.value(n, SD.graph), VOID.triples))
             for n in graph.objects(dataset, SD.namedGraph)}
    assert named == {f"{EX}g1": 2, f"{EX}g2": 1}


def test_sparql_service_description_follows_only_trusted_hosts(client):
    def endpoint(base_url):
        response = client.get("/sparql", base_url=base_url,
                              headers={"Accept": "application/n-triples"})
        return next(Graph().parse(data=response.data, format="nt").objects(None, SD.endpoint))

    assert str(endpoint("http://127.0.0.1:8080")) == "http://127.0.0.1:8080/sparql"
    # a Host header that is not trusted never becomes a URL anyone is given
    assert str(endpoint("http://evil.example:8080")) == "https://w3id.org/lodpub/sparql"


def test_sparql_service_description_uses_public_url(tmp_path):
    settings = settings_for(tmp_path, workers=1, public_url="https://data.example.org/lod/")
    app = create_app(settings, data_files=[DATA_TRIG])
    try:
        response = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
        graph = Graph().parse(data=response.data, format="turtle")
        endpoint = URIRef("https://data.example.org/lod/sparql")
        assert (endpoint, SD.endpoint, endpoint) in graph
    finally:
        app.extensions["lodpub"].close()


def test_sparql_service_description_json_ld(client):
    response = client.get("/sparql?format=jsonld")
    graph = parse_rdf(response.data, "json-ld")
    assert (None, RDF.type, SD.Service) in graph


def test_sparql_browser_without_query_goes_to_query_page(client):
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": browser})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/query")


def test_sparql_browser_with_query_goes_to_query_page(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = get(client, LABELS, browser)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/query" and parse_qs(location.query) == {"query": [LABELS]}
    download = get(client, LABELS, browser, format="csv")  # an explicit format is honoured
    assert download.status_code == 200 and download.mimetype == "text/csv"


def test_sparql_browser_redirects_keep_the_public_url_path(tmp_path):
    write_release(tmp_path)
    app = create_app(settings_for(tmp_path, public_url="https://lod.example.org/pub/"))
    try:
        client = app.test_client()
        bare = client.get("/sparql", headers={"Accept": "text/html"})
        with_query = get(client, "ASK {}", "text/html")
    finally:
        app.extensions["lodpub"].close()
    assert bare.headers["Location"] == "https://lod.example.org/pub/query"
    assert with_query.headers["Location"].startswith("https://lod.example.org/pub/query?query=")


def test_sparql_get_etag_and_304(client):
    first = get(client, LABELS)
    etag = first.headers["ETag"]
    assert json.loads(first.data)["results"]["bindings"]
    again = client.get("/sparql?query=" + quote(LABELS), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other_format = get(client, LABELS, "text/csv")
    assert other_format.headers["ETag"] != etag


def test_sparql_cors_headers_and_preflight(client):
    assert get(client, LABELS).headers["Access-Control-Allow-Origin"] == "*"
    assert get(client, LABELS, "text/csv").headers["X-Content-Type-Options"] == "nosniff"
    preflight = client.options("/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


# ----------------------------------------------------------------------------- errors


def error_of(response) -> str:
    body = json.loads(response.data)
    assert body["ok"] is False and body["status"] == response.status_code
    return body["error"]


def test_sparql_400_malformed_query_has_line_and_column(client):
    response = get(client, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o ++) }")
    assert response.status_code == 400
    assert "3:" in error_of(response)  # the parser's line:column


def test_sparql_400_two_query_parameters(client):
    response = client.get("/sparql?query=" + quote(LABELS) + "&query=" + quote(LABELS))
    assert response.status_code == 400
    assert "2 `query` parameters" in error_of(response)


def test_sparql_400_post_without_content_type(client):
    response = client.post("/sparql", data=LABELS.encode(), headers={"Content-Type": ""})
    assert response.status_code == 400
    assert "Content-Type" in error_of(response)


def test_sparql_400_update_sent_as_query(client):
    response = get(client, "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    assert response.status_code == 400
    assert "read-only" in error_of(response)


def test_sparql_400_empty_post(client):
    response = client.post("/sparql", data={})
    assert response.status_code == 400


def test_sparql_400_update_request(client):
    # SPARQL 1.1 Protocol: an update sent to the query service is a bad request
    form = client.post("/sparql", data={"update": "CLEAR ALL"})
    body = client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update")
    in_url = client.get("/sparql?update=CLEAR%20ALL")
    assert form.status_code == body.status_code == in_url.status_code == 400
    assert all("read-only" in error_of(r) for r in (form, body, in_url))


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["foo", " ", "http://exa mple.org/"])
def test_sparql_400_dataset_iri_not_absolute(client, param, value):
    response = client.get("/sparql", query_string={param: value, "query": "ASK {}"})
    assert response.status_code == 400
    assert "absolute IRI" in error_of(response)


def test_sparql_405_other_methods(client):
    response = client.delete("/sparql")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_sparql_406_unacceptable(client):
    assert get(client, LABELS, "image/png").status_code == 406
    assert get(client, KH_CONSTRUCT, "application/sparql-results+json").status_code == 406
    assert get(client, LABELS, format="turtle").status_code == 406


def test_sparql_413_oversized_query(client, tiny_app):
    limit = tiny_app.extensions["lodpub"].settings.max_query_bytes
    big = LABELS + " #" + "x" * limit
    body = client.post("/sparql", data=big.encode(), content_type="application/sparql-query")
    form = client.post("/sparql", data={"query": big})
    url = get(client, big)
    assert body.status_code == form.status_code == url.status_code == 413
    assert str(limit) in error_of(body)


def test_sparql_415_unsupported_content_type(client):
    response = client.post("/sparql", data=LABELS, content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in error_of(response)


def test_sparql_errors_render_html_for_browsers(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.post("/sparql", data={"query": "SELEC"}, headers={"Accept": browser})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert b"400 Bad Request" in response.data and b"Traceback" not in response.data
    missing = client.get("/no/such/page", headers={"Accept": browser})
    assert missing.status_code == 404 and missing.mimetype == "text/html"


def test_sparql_500_is_short_and_logged(tmp_path, caplog):
    write_release(tmp_path)
    store = RemoteStore("http://127.0.0.1:9/sparql")  # never contacted by this test
    app = create_app(settings_for(tmp_path), store=store)

    @app.get("/__crash_for_test")
    def crash():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__crash_for_test")
    assert response.status_code == 500
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert any("secret internals" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_sparql_service_description_in_every_graph_format(client, fmt):
    response = client.get("/sparql", query_string={"format": fmt.names[0]})
    assert response.status_code == 200 and response.mimetype == fmt.media_type
    graph = parse_rdf(response.data, fmt)
    assert (None, RDF.type, SD.Service) in graph
