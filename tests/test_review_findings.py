"""Regression tests for what a QA review of the running product found (one test per finding)."""

from __future__ import annotations

import dataclasses
import gzip
import socket

import pytest
from click.testing import CliRunner

from lodpub.cli import main
from lodpub.web import create_app
from lodpub.web.views.labels import labels
from lodpub.web.views.vizdata import network

ID = "https://w3id.org/lodpub/id/"


@pytest.fixture(scope="module")
def real_app(release, release_settings):
    """The app serving the real release (one query worker)."""
    app = create_app(dataclasses.replace(release_settings, workers=1), release=release)
    yield app
    app.extensions["lodpub"].close()


@pytest.fixture
def client(real_app):
    """A test client of the real release."""
    return real_app.test_client()


@pytest.mark.parametrize("page", ["99999999999999999999999", "1" + "0" * 40])
def test_review_entity_page_number_beyond_any_page_is_404_not_500(client, page):
    response = client.get(f"/id/iraq.html?page={page}")
    assert response.status_code == 404
    assert f"no page {page}" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["\u00b2", "\u0661", "-1", "abc"])
def test_review_entity_page_number_must_be_ascii_digits(client, page):
    response = client.get("/id/iraq.html", query_string={"page": page})
    assert response.status_code == 400
    assert "positive whole number" in response.get_data(as_text=True)


def test_review_see_other_keeps_the_page_parameter(client):
    response = client.get("/id/iraq?page=2", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/id/iraq.html?page=2")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Page 2 of" in page


def test_review_network_leaves_out_what_the_source_denies(real_app):
    with real_app.app_context():
        _, edges = network(real_app.extensions["lodpub"].store, labels())
    found = {(e.source, e.target, e.kind): e for e in edges}
    # "it [Iran] was unable to dominate Iraq": a negated claim, not a claim that Iran controls Iraq
    assert (ID + "iran", ID + "iraq", "control") not in found
    # "unable to control the proliferation of new armed groups"
    assert (ID + "government-of-iraq", ID + "armed-group-proliferation", "control") not in found
    # "do not constitute a simple proxy-sponsor relationship"
    assert (ID + "iran", ID + "iraq", "backing") not in found
    # what the source does say stays: Iran maintains control over the Islamic Resistance
    edge = found[(ID + "iran", ID + "islamic-resistance-in-iraq", "control")]
    assert edge.claimed is False


def test_review_query_cli_names_a_missing_query_file(tmp_path):
    result = CliRunner().invoke(main, ["query", str(tmp_path / "missing.rq")])
    assert result.exit_code == 2
    assert "no such query file" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, FileNotFoundError)


def test_review_query_cli_refuses_a_non_utf8_query_file(tmp_path):
    path = tmp_path / "latin1.rq"
    path.write_bytes('SELECT * { ?s ?p "caf\u00e9" }'.encode("latin-1"))
    result = CliRunner().invoke(main, ["query", str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_review_source_download_has_one_charset(client, release):
    [entry] = [f for f in release.manifest["files"] if f["name"].startswith("sources/")]
    response = client.get(f"/downloads/{entry['name']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].count("charset") == 1


def test_review_gzip_downloads_are_labelled_gzip_and_unpack_to_rdf(client):
    response = client.get("/downloads/lodpub.nq.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers  # the checksum is of these bytes
    first = gzip.decompress(response.data).decode("utf-8").splitlines()[0]
    assert first.startswith("<") and first.endswith(" .")


def test_review_unsatisfiable_range_says_the_length(client):
    length = len(client.get("/downloads/lodpub.ttl").data)
    response = client.get("/downloads/lodpub.ttl", headers={"Range": f"bytes={length + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{length}"


def test_review_reconcile_preview_without_id_is_a_bad_request(client):
    response = client.get("/reconcile/preview")
    assert response.status_code == 400
    assert "id=" in response.get_json()["error"]


def test_review_reconcile_batch_names_the_query_that_is_not_an_object(client):
    batch = '{"q0": {"query": "Iraq"}, "q1": "Iran"}'
    response = client.post("/reconcile", data={"queries": batch})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "'q1'" in error and '"Iran"' in error


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                                 "vbscript:msgbox(1)"])
def test_review_query_page_never_links_to_script_iris(client, iri):
    query = f"SELECT ?x WHERE {{ BIND(IRI(\"{iri}\") AS ?x) }}"
    html = client.get("/query", query_string={"query": query}).get_data(as_text=True)
    results = html.split('<table class="results-table">', 1)[1].split("</table>", 1)[0]
    hrefs = [part.split('"', 1)[0] for part in results.split('href="')[1:]]
    assert hrefs, "the result should still be shown with a link"
    for href in hrefs:
        assert href.startswith("http://localhost/"), href  # this site only (query page, …)


def test_review_query_page_still_links_web_iris(client):
    query = 'SELECT ?x WHERE { BIND(<https://www.wikidata.org/wiki/Q796> AS ?x) }'
    html = client.get("/query", query_string={"query": query}).get_data(as_text=True)
    assert 'href="https://www.wikidata.org/wiki/Q796"' in html


@pytest.mark.parametrize("option", [["--port", "99999"], ["--port", "-1"], ["--timeout", "-1"],
                                    ["--timeout", "0"], ["--workers", "0"], ["--threads", "0"],
                                    ["--max-rows", "-3"]])
def test_review_serve_refuses_impossible_options(option):
    result = CliRunner().invoke(main, ["serve", *option, "--get", "/"])
    assert result.exit_code == 2
    assert f"Invalid value for '{option[0]}'" in result.output


def test_review_serve_says_when_the_port_is_taken(release_settings, release):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--dist", str(release_settings.dist_dir), "serve",
                                           "--port", str(port), "--workers", "1"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", ["/dataset", "/.well-known/void"])
def test_review_dataset_page_redirect_keeps_the_public_url_path(release_settings, release, path):
    settings = dataclasses.replace(release_settings, workers=1,
                                   public_url="https://lod.example.org/pub/")
    app = create_app(settings, release=release)
    try:
        response = app.test_client().get(path, headers={"Accept": "text/html"})
    finally:
        app.extensions["lodpub"].close()
    assert response.status_code == 303
    assert response.headers["Location"] == "https://lod.example.org/pub/dataset.html"


def test_review_dataset_iri_documents_live_under_the_public_url_path(release_settings, release):
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
