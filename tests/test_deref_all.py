"""Every IRI the release mints dereferences, as an HTML page and as Turtle that parses back,
over every store (the embedded engine and each remote one: conftest's ``each_real_app``).

The IRIs are read from the release's TriG dump (not from the store the server uses), so an IRI
the pages forget cannot hide. Sentence IRIs (``…/source/doc#s12``) are served by their
document: the HTML page must carry the anchor and the Turtle the sentence's triples.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import Graph, URIRef

from lodpub.namespaces import BASE, DATASET_IRI
from support.html import Links

HTML = {"Accept": "text/html"}
TURTLE = {"Accept": "text/turtle"}


def _iris_in(path, syntax, prefix: str) -> set[str]:
    found: set[str] = set()
    with path.open("rb") as fh:
        for quad in ox.parse(fh, format=syntax):
            for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
                if isinstance(term, ox.NamedNode) and term.value.startswith(prefix):
                    found.add(term.value)
    return found


def release_iris(release) -> list[str]:
    """Every IRI under BASE in the release (TriG dump, shapes, SHACL report): subjects, predicates,
    objects and graph names; and from void.ttl the dataset IRI and its fragments (its
    distributions, checksums and linkset), which the dataset's own documents serve."""
    found = _iris_in(release.path / "lodpub.trig", ox.RdfFormat.TRIG, BASE)
    found |= _iris_in(release.path / "shapes.ttl", ox.RdfFormat.TURTLE, BASE)
    found |= _iris_in(release.path / "shacl-report.ttl", ox.RdfFormat.TURTLE, BASE)
    found |= {iri for iri in _iris_in(release.path / "void.ttl", ox.RdfFormat.TURTLE, BASE)
              if iri.partition("#")[0] == str(DATASET_IRI)}
    return sorted(found)


def _follow(client, iri: str, headers: dict):
    path = "/" + iri[len(BASE):].partition("#")[0]
    first = client.get(path, headers=headers)
    assert first.status_code == 303, f"{iri}: {first.status_code}"
    target = urlsplit(first.headers["Location"])
    return client.get(target.path, headers=headers)


def _check(app, document: str, iris: list[str]) -> list[str]:
    """What is wrong with dereferencing ``document`` and the fragment IRIs it serves."""
    client = app.test_client()
    page = _follow(client, document, HTML)
    if page.status_code != 200 or page.mimetype != "text/html":
        return [f"{document}: HTML page answered {page.status_code} {page.mimetype}"]
    ids = Links(page.get_data(as_text=True)).ids
    problems = [f"{iri}: the page has no anchor" for iri in iris
                if "#" in iri and iri.partition("#")[2] not in ids]
    response = _follow(client, document, TURTLE)
    if response.status_code != 200:
        return problems + [f"{document}: Turtle document answered {response.status_code}"]
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    for iri in iris:
        node = URIRef(iri)
        if (node, None, None) not in graph and (None, None, node) not in graph:
            problems.append(f"{iri}: the Turtle document says nothing about it")
    return problems


def test_deref_all_release_iris_have_pages_and_turtle(each_real_app, release):
    documents: dict[str, list[str]] = {}
    for iri in release_iris(release):
        documents.setdefault(iri.partition("#")[0], []).append(iri)
    assert sum(len(v) for v in documents.values()) > 100  # the seed document mints hundreds
    assert len(documents[str(DATASET_IRI)]) > 10  # the dataset, its files and checksums
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = pool.map(lambda item: _check(each_real_app, *item), sorted(documents.items()))
        problems = [p for batch in found for p in batch]
    assert not problems, "\n".join(problems[:20])


def test_deref_all_dataset_iri_is_a_cool_uri(each_real_app):
    client = each_real_app.test_client()
    for headers, ext in ((HTML, "html"), (TURTLE, "ttl"), ({}, "html"),
                         ({"Accept": "application/ld+json"}, "jsonld"),
                         ({"Accept": "application/n-triples"}, "nt"),
                         ({"Accept": "application/rdf+xml"}, "rdf")):
        thing = client.get("/dataset", headers=headers)
        assert thing.status_code == 303, headers
        assert urlsplit(thing.headers["Location"]).path == f"/dataset.{ext}"
        assert thing.headers["Vary"] == "Accept" and 'rel="alternate"' in thing.headers["Link"]
    document = client.get("/dataset.ttl")
    assert document.status_code == 200 and document.headers["ETag"]
    assert 'rel="describes"' in document.headers["Link"]
    graph = Graph().parse(data=document.get_data(as_text=True), format="turtle")
    assert (DATASET_IRI, None, None) in graph
    assert client.get("/dataset.ttl", headers={"If-None-Match": document.headers["ETag"]}
                      ).status_code == 304


def test_deref_all_every_claim_on_entity_pages_links_its_sentence(each_real_app, release):
    client = each_real_app.test_client()
    entities = [i for i in release_iris(release) if i.startswith(BASE + "id/") and "#" not in i]
    missing = []
    for iri in entities:
        path, page = "/" + iri[len(BASE):] + ".html", 1
        while True:
            html = client.get(f"{path}?page={page}").get_data(as_text=True)
            cards = html.split('<article class="claim')[1:]
            missing += [f"{iri} page {page}" for card in cards if "sentence-link" not in card]
            if 'rel="next"' not in html:
                break
            page += 1
    assert not missing, "\n".join(missing[:20])
