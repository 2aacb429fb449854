"""Downloads and the dataset description: listing, conditional and ranged files, VoID."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
from rdflib import Namespace, URIRef
from rdflib.namespace import RDF

from lodpub.web import create_app
from support.rdf import parse_rdf

VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef("https://w3id.org/lodpub/dataset")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SOURCE = "sources/doc.txt"


def test_downloads_listing_json(client, tiny_release):
    response = client.get("/downloads", headers={"Accept": "application/json"})
    data = json.loads(response.data)
    assert data["version"] == tiny_release.version
    files = {f["name"]: f for f in data["files"]}
    trig = files["lodpub.trig"]
    body = (tiny_release.path / "lodpub.trig").read_bytes()
    assert trig["sha256"] == hashlib.sha256(body).hexdigest()
    assert trig["size"] == len(body) and trig["format"] == "TriG"
    assert trig["url"] == "/downloads/lodpub.trig"
    assert SOURCE in files


def test_downloads_listing_html(client, tiny_release):
    response = client.get("/downloads", headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    page = response.data.decode()
    assert tiny_release.version in page and 'href="/downloads/lodpub.trig"' in page
    assert hashlib.sha256(b"").hexdigest() not in page  # real digests, not empty-file ones


def test_downloads_file_headers(client, tiny_release):
    response = client.get("/downloads/lodpub.trig")
    body = (tiny_release.path / "lodpub.trig").read_bytes()
    assert response.status_code == 200 and response.data == body
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert response.headers["Last-Modified"]
    assert response.mimetype == "application/trig"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_downloads_file_conditional_304(client):
    first = client.get("/downloads/void.ttl")
    by_etag = client.get("/downloads/void.ttl", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get("/downloads/void.ttl",
                         headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_etag.status_code == by_date.status_code == 304


def test_downloads_file_range_206(client, tiny_release):
    body = (tiny_release.path / SOURCE).read_bytes()
    response = client.get("/downloads/" + SOURCE, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.data == body[10:20]
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(body)}"


def test_downloads_unknown_file_404(client):
    for name in ("nothing.ttl", "../release.json", "sources/../release.json", "lodpub.ttl/x"):
        response = client.get("/downloads/" + name)
        assert response.status_code == 404, name
        assert json.loads(response.data)["ok"] is False


RDF_ACCEPTS = [("text/turtle", "turtle", "ttl"), ("application/ld+json", "json-ld", "jsonld"),
               ("application/n-triples", "nt", "nt"), ("application/rdf+xml", "xml", "rdf")]


def _assert_void(graph) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert int(graph.value(DATASET, VOID.triples)) > 0
    assert (DATASET, VOID.sparqlEndpoint, None) in graph


@pytest.mark.parametrize("accept,fmt,ext", RDF_ACCEPTS)
def test_downloads_void_negotiated(client, accept, fmt, ext):
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    _assert_void(parse_rdf(response.data, fmt))


@pytest.mark.parametrize("accept,fmt,ext", RDF_ACCEPTS)
def test_downloads_dataset_iri_see_other_to_its_description(client, accept, fmt, ext):
    response = client.get("/dataset", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://localhost/dataset.{ext}"
    assert response.headers["Vary"] == "Accept"
    document = client.get(f"/dataset.{ext}")
    assert document.status_code == 200 and document.mimetype == accept
    graph = parse_rdf(document.data, fmt)
    _assert_void(graph)
    doc = URIRef(f"https://w3id.org/lodpub/dataset.{ext}")
    assert (doc, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), DATASET) in graph


def test_downloads_dataset_iri_for_people_is_its_page(client):
    response = client.get("/dataset", headers={"Accept": BROWSER})
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/dataset.html"
    assert client.get("/dataset").headers["Location"] == "http://localhost/dataset.html"
    assert client.get("/dataset?format=ttl", headers={"Accept": BROWSER}).headers[
        "Location"] == "http://localhost/dataset.ttl"
    page = client.get("/dataset.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "lodpub test dataset" in html and "https://w3id.org/lodpub/dataset" in html
    assert 'href="http://localhost/sparql"' in html  # the endpoint on the serving host


def test_downloads_dataset_documents_link_alternates_and_revalidate(client):
    links = client.get("/dataset", headers={"Accept": "text/turtle"}).headers["Link"]
    for ext in ("html", "ttl", "jsonld", "nt", "rdf"):
        assert f"<http://localhost/dataset.{ext}>; rel=\"alternate\"" in links
    document = client.get("/dataset.jsonld")
    link = document.headers["Link"]
    assert '<http://localhost/dataset>; rel="describes"' in link
    assert "dataset.jsonld>" not in link and "<http://localhost/dataset.ttl>" in link
    again = client.get("/dataset.jsonld", headers={"If-None-Match": document.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/dataset.ttl").headers["ETag"] != document.headers["ETag"]


def test_downloads_void_browser_redirect_and_406(client):
    browser = client.get("/.well-known/void", headers={"Accept": BROWSER})
    assert browser.status_code == 303
    assert browser.headers["Location"] == "http://localhost/dataset.html"
    assert client.get("/dataset", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/dataset.png").status_code == 404


def test_downloads_void_conditional(client):
    first = client.get("/.well-known/void")
    again = client.get("/.well-known/void", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_downloads_absent_in_data_mode(data_client):
    for path in ("/downloads", "/dataset", "/dataset.ttl", "/.well-known/void"):
        response = data_client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404, path
        assert "--data" in json.loads(response.data)["error"]


# ----------------------------------------------------------------------------- the real release


def test_downloads_real_release_files_match_manifest(real_app, release):
    client = real_app.test_client()
    listing = json.loads(client.get("/downloads?format=json").data)
    assert listing["version"] == release.version
    assert {f["name"] for f in listing["files"]} == {f["name"] for f in release.manifest["files"]}
    for entry in listing["files"]:
        response = client.get(entry["url"])
        assert response.status_code == 200, entry["name"]
        assert hashlib.sha256(response.data).hexdigest() == entry["sha256"], entry["name"]
        assert int(response.headers["Content-Length"]) == entry["size"]


def test_downloads_real_void_describes_dumps_and_wikidata_links(real_app, release):
    graph = parse_rdf(real_app.test_client().get("/.well-known/void").data, "turtle")
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert (DATASET, VOID.sparqlEndpoint, None) in graph
    dumps = {str(o).rsplit("/", 1)[-1] for o in graph.objects(DATASET, VOID.dataDump)}
    assert "lodpub.ttl" in dumps and "lodpub.trig" in dumps
    assert (None, RDF.type, VOID.Linkset) in graph
    assert (DATASET, URIRef("http://purl.org/dc/terms/license"), None) in graph
    assert (DATASET, VOID.vocabulary, None) in graph
    total = int(graph.value(DATASET, VOID.triples))
    assert total == sum(release.manifest["graphs"].values())


def test_downloads_real_store_counts_match_the_build(real_app, release):
    counts = real_app.extensions["lodpub"].graph_counts()
    for graph, triples in release.manifest["graphs"].items():
        assert counts.get(graph, 0) == triples, graph


def test_downloads_checksums_and_manifest_download_and_verify(real_client, release):
    sums = real_client.get("/downloads/SHA256SUMS")
    assert sums.status_code == 200 and sums.mimetype == "text/plain"
    lines = sums.get_data(as_text=True).splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    for name, digest in listed.items():
        body = real_client.get(f"/downloads/{name}").get_data()
        assert hashlib.sha256(body).hexdigest() == digest, name
    assert real_client.get("/downloads/release.json").get_json()["version"] == release.version
    page = real_client.get("/downloads", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "SHA256SUMS" in page and "/query" in page  # the site's navigation


DCAT = Namespace("http://www.w3.org/ns/dcat#")
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
GZIP_TYPE = URIRef(MEDIA_TYPES + "application/gzip")


def test_downloads_compressed_dumps_say_format_and_compression(real_app, release):
    client = real_app.test_client()
    void = parse_rdf(client.get("/.well-known/void").data, "turtle")
    listing = {f["name"]: f for f in json.loads(client.get("/downloads?format=json").data)["files"]}
    manifest = {f["name"]: f for f in release.manifest["files"]}
    html = client.get("/downloads", headers={"Accept": BROWSER}).get_data(as_text=True)
    compressed = {"lodpub.nq.gz": "application/n-quads", "lodpub.nt.gz": "application/n-triples"}
    for name, inner in compressed.items():
        assert manifest[name]["media_type"] == listing[name]["media_type"] == inner
        assert manifest[name]["compress_format"] == listing[name]["compress_format"] == \
            "application/gzip"
        dist = URIRef(f"{DATASET}#dist-{name}")
        assert set(void.objects(dist, DCAT.mediaType)) == {URIRef(MEDIA_TYPES + inner)}
        assert set(void.objects(dist, DCAT.compressFormat)) == {GZIP_TYPE}
        served = client.get(f"/downloads/{name}")
        assert served.headers["Content-Type"] == "application/gzip"
        syntax = ox.RdfFormat.from_media_type(inner)  # what the description says is inside
        quads = list(ox.parse(gzip.decompress(served.data), format=syntax))
        assert len(quads) == manifest[name]["triples"]
        row = html.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
        assert inner in row and "compressed: application/gzip" in row
    described = set(void.subjects(RDF.type, DCAT.Distribution))
    assert len(described) > len(compressed)
    for name, entry in manifest.items():  # nothing else claims a compression
        dist = URIRef(f"{DATASET}#dist-{name}")
        if name not in compressed and dist in described:
            assert "compress_format" not in entry
            assert (dist, DCAT.compressFormat, None) not in void
            media = URIRef(MEDIA_TYPES + entry["media_type"].split(";")[0])
            assert set(void.objects(dist, DCAT.mediaType)) == {media}


# ----------------------------------------------------------------------------- found by a QA review


def test_downloads_source_download_has_one_charset(real_client, release):
    entries = [f for f in release.manifest["files"] if f["name"].startswith("sources/")]
    assert len(entries) == len(release.manifest["sources"]) > 1  # one text per document
    for entry in entries:
        response = real_client.get(f"/downloads/{entry['name']}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].count("charset") == 1


def test_downloads_gzip_downloads_are_labelled_gzip_and_unpack_to_rdf(real_client):
    response = real_client.get("/downloads/lodpub.nq.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers  # the checksum is of these bytes
    first = gzip.decompress(response.data).decode("utf-8").splitlines()[0]
    assert first.startswith("<") and first.endswith(" .")


def test_downloads_unsatisfiable_range_says_the_length(real_client):
    length = len(real_client.get("/downloads/lodpub.ttl").data)
    response = real_client.get("/downloads/lodpub.ttl", headers={"Range": f"bytes={length + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{length}"


@pytest.mark.parametrize("path", ["/dataset", "/.well-known/void"])
def test_downloads_dataset_page_redirect_keeps_the_public_url_path(release_settings, release, path):
    settings = dataclasses.replace(release_settings, workers=1,
                                   public_url="https://lod.example.org/pub/")
    app = create_app(settings, release=release)
    try:
        response = app.test_client().get(path, headers={"Accept": "text/html"})
    finally:
        app.extensions["lodpub"].close()
    assert response.status_code == 303
    assert response.headers["Location"] == "https://lod.example.org/pub/dataset.html"


def test_downloads_dataset_iri_documents_live_under_the_public_url_path(release_settings, release):
    settings = dataclasses.replace(release_settings, workers=1,
                                   public_url="https://lod.example.org/pub/")
    app = create_app(settings, release=release)
    try:
        client = app.test_client()
        thing = client.get("/dataset", headers={"Accept": "text/turtle"})
        page = client.get("/dataset.html").get_data(as_text=True)
        document = client.get("/dataset.ttl")
    finally:
        app.extensions["lodpub"].close()
    assert thing.headers["Location"] == "https://lod.example.org/pub/dataset.ttl"
    assert '<https://lod.example.org/pub/dataset.rdf>; rel="alternate"' in thing.headers["Link"]
    assert '<https://lod.example.org/pub/dataset>; rel="describes"' in document.headers["Link"]
    assert 'href="https://lod.example.org/pub/sparql"' in page
    assert 'href="https://lod.example.org/pub/downloads/lodpub.ttl"' in page
