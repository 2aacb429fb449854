"""Pages of a corpus: each document, what several support, where they differ, one at a time.

Asked of the real release (three documents: a Brookings analysis and two joint statements, both
published as excerpts).
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from lodpub.namespaces import CLAIM, DATASET_IRI, LPO, SOURCE, VOID
from support.html import Links

STATEMENT_2024 = "us-iraq-joint-statement-2024-09-27"
STATEMENT_2021 = "iraq-cjtf-oir-joint-statement-2021-11-05"
MISSION_END = "when-the-coalition-mission-in-iraq-ends"


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_landing_lists_each_document_and_where_they_differ(real_client):
    html = _html(real_client, "/")
    hrefs = Links(html).hrefs()
    for document in ("brookings-iraq-2025", STATEMENT_2024, STATEMENT_2021):
        assert f"http://localhost/source/{document}.html" in hrefs
    assert html.count('class="excerpt-tag"') == 2  # the two statements could not be retrieved whole
    assert "Where the documents differ" in html
    assert f"http://localhost/claim/{MISSION_END}.html" in hrefs
    assert "facts supported by more than one document" in html


def test_document_lists_mark_metadata_the_document_does_not_state(real_client):
    graph = Graph().parse(data=real_client.get(f"/source/{STATEMENT_2024}.ttl").get_data(
        as_text=True), format="turtle")
    assert set(graph.objects(SOURCE[STATEMENT_2024], LPO.notStatedInDocument)) == {
        DCTERMS.title, DCTERMS.publisher, DCTERMS.issued}
    for path in ("/", "/source"):
        items = {href.removeprefix("http://localhost/source/").removesuffix(".html"): text
                 for href, text in Links(_html(real_client, path)).items
                 if href and href.startswith("http://localhost/source/")}
        assert "(date not stated in the document)" in items[STATEMENT_2024]
        assert "(publisher not stated in the document)" in items[STATEMENT_2024]
        assert "(date not stated in the document)" not in items[STATEMENT_2021]
        assert "(title not stated in the document)" in items["brookings-iraq-2025"]
        assert "(publisher not stated" not in items["brookings-iraq-2025"]


def test_sources_page_lists_every_document(real_client):
    links = Links(_html(real_client, "/source"))
    assert {f"http://localhost/source/{d}.html" for d in (STATEMENT_2021, STATEMENT_2024)} <= set(
        links.hrefs())


def test_source_page_says_when_a_document_is_an_excerpt(real_client):
    html = _html(real_client, f"/source/{STATEMENT_2024}.html")
    assert "An excerpt." in html and "The Coalition appreciates the role of I" in html
    assert "excerpt" in Links(html).ids
    assert "An excerpt." not in _html(real_client, "/source/brookings-iraq-2025.html")


def test_entity_page_shows_how_many_sources_support_it_and_where_they_differ(real_client):
    html = _html(real_client, "/id/cjtf-oir.html")
    assert "Supported by 3 sources:" in html
    assert "supported by 2 sources" in html  # CJTF-OIR operates under the Coalition (2 documents)
    assert "sources-differ" in Links(html).ids
    assert f"http://localhost/claim/{MISSION_END}.html" in Links(html).hrefs()


def test_disagreement_page_sets_each_source_beside_the_other(real_client):
    html = _html(real_client, f"/claim/{MISSION_END}.html")
    assert "The agreed-upon plan was a phased withdrawal" in html
    assert "no later than the end of September 2025" in html
    assert html.count("In dispute:") == 2 and "2025-12" in html and "2025-09" in html
    graph = Graph().parse(data=real_client.get(f"/claim/{MISSION_END}.ttl").data, format="turtle")
    node = CLAIM[MISSION_END]
    assert (node, RDF.type, LPO.Disagreement) in graph
    assert len(set(graph.objects(node, LPO.position))) == 2


def test_timeline_marks_disputed_dates_and_narrows_to_one_document(real_client):
    everything = _html(real_client, "/timeline")
    assert '<tr class="disputed">' in everything
    one = _html(real_client, f"/timeline?source={STATEMENT_2024}")
    assert "Continued operation of the Coalition" in one
    assert "Iraq War" in everything and "Iraq War" not in one  # Brookings' event, not theirs
    svg = real_client.get(f"/timeline.svg?source={STATEMENT_2024}")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    missing = real_client.get("/timeline?source=no-such-document")
    assert missing.status_code == 404


def test_network_narrows_to_one_document(real_client):
    html = _html(real_client, f"/network?source={STATEMENT_2021}")
    assert "Iraqi Security Forces" in html
    assert "Kata'ib Hezbollah" not in html and "Kataib Hezbollah" not in html


def test_dataset_describes_each_document_as_a_part(real_client, release):
    void = Graph().parse(release.path / "void.ttl", format="turtle")
    parts = set(void.objects(DATASET_IRI, VOID.subset))
    documents = {p for p in parts if void.value(p, DCTERMS.source) is not None}
    assert {void.value(p, DCTERMS.source) for p in documents} == {
        SOURCE[s["id"]] for s in release.manifest["sources"]}
    for part in documents:
        assert (part, DCTERMS.isPartOf, DATASET_IRI) in void
        assert any(void.value(c, VOID["class"]) == LPO.Claim
                   for c in void.objects(part, VOID.classPartition))
    ids = Links(_html(real_client, "/dataset.html")).ids
    assert {str(p).partition("#")[2] for p in documents} <= ids


def test_reconcile_manifest_names_no_document(real_client, release):
    name = real_client.get("/reconcile").get_json()["name"]
    assert name == f"lodpub entities of {len(release.manifest['sources'])} source documents"
    assert "Iraq" not in name  # it named the first document's subject
