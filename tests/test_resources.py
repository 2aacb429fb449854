"""Dereferencing: 303 by Accept, document URLs, Link headers, base mapping, 404s, entity pages."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS

from lodpub.namespaces import CLAIM, ID, LPO, ONTOLOGY_IRI, SOURCE
from support.html import Links
from support.rdf import parse_rdf
from support.releases import BUSY_STATEMENTS
from support.servers import make_app

RDF_FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
               "nt": ("application/n-triples", "nt"), "rdf": ("application/rdf+xml", "xml")}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def app(tiny_app):
    """The app serving the tiny release."""
    return tiny_app


@pytest.mark.parametrize("accept,ext", [
    ("text/html,application/xhtml+xml,*/*;q=0.8", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/turtle;q=0.5, application/rdf+xml", "rdf"),
    ("application/json", "jsonld"),
    ("*/*", "html"),
])
def test_resources_thing_redirects_by_accept(client, accept, ext):
    response = client.get("/id/kataib-hezbollah", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://localhost/id/kataib-hezbollah.{ext}"
    assert response.headers["Vary"] == "Accept"


def test_resources_thing_without_accept_goes_to_html(client):
    response = client.get("/id/kataib-hezbollah", headers={"Accept": ""})
    assert response.headers["Location"].endswith(".html")


def test_resources_format_parameter_wins_over_accept(client):
    response = client.get("/id/kataib-hezbollah?format=nt", headers=HTML)
    assert response.headers["Location"].endswith("/id/kataib-hezbollah.nt")


def test_resources_link_header_names_every_alternate(client):
    for path in ("/id/kataib-hezbollah", "/id/kataib-hezbollah.ttl"):
        link = client.get(path, headers={"Accept": "text/turtle"}).headers["Link"]
        for ext, (media, _) in RDF_FORMATS.items():
            if not path.endswith(ext):
                url = f"http://localhost/id/kataib-hezbollah.{ext}"
                assert f'<{url}>; rel="alternate"; type="{media}"' in link
        assert 'rel="license"' in link


def test_resources_unservable_accept_is_406(client):
    response = client.get("/id/kataib-hezbollah", headers={"Accept": "application/pdf"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["error"]


@pytest.mark.parametrize("ext", sorted(RDF_FORMATS))
def test_resources_entity_document_parses_back(client, ext):
    media, _ = RDF_FORMATS[ext]
    response = client.get(f"/id/kataib-hezbollah.{ext}")
    assert response.status_code == 200
    assert response.mimetype == media
    graph = parse_rdf(response.get_data(as_text=True), media)
    kh = ID["kataib-hezbollah"]
    assert (kh, RDF.type, LPO.ArmedGroup) in graph
    assert (kh, LPO.memberOf, ID.pmf) in graph
    assert (kh, RDF.type, LPO.Organization) in graph  # inferred, served too
    # the claim that supports it comes along, with its reified statement and quote
    assert (CLAIM["kh-member"], LPO.statement, URIRef(CLAIM["kh-member"] + "#s1")) in graph
    assert (URIRef(CLAIM["kh-member"] + "#s1"), RDF.object, ID.pmf) in graph
    assert (None, FOAF.primaryTopic, kh) in graph


def test_resources_claim_document_holds_its_provenance(client):
    graph = Graph().parse(data=client.get("/claim/erbil-withdrawal.ttl").get_data(as_text=True),
                          format="turtle")
    claim = CLAIM["erbil-withdrawal"]
    assert (claim, LPO.sentence, URIRef(f"{SOURCE}doc#s4")) in graph
    assert (URIRef(CLAIM["erbil-withdrawal"] + "#s2"), RDF.object, Literal("2026", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYear"))) in graph


def test_resources_claim_statements_keep_the_record_order(client):
    links = Links(client.get("/claim/ordered.html").get_data(as_text=True))
    places = [h for h in links.hrefs() if "/id/place-" in h]
    assert places[:11] == [f"http://localhost/id/place-{i:03d}.html" for i in range(1, 12)]


def test_resources_claim_page_shows_its_text_anchor(client):
    html = client.get("/claim/kh-member.html").get_data(as_text=True)
    ids = Links(html).ids
    assert {"s1", "anchor", "quote-selector", "position-selector"} <= ids
    assert "<mark>Kataib Hezbollah is part of the Popular Mobilization Forces.</mark>" in html
    assert "Characters 18 to 78" in html


def test_resources_source_document_has_every_sentence(client):
    graph = Graph().parse(data=client.get("/source/doc.ttl").get_data(as_text=True),
                          format="turtle")
    numbers = sorted(int(n) for n in graph.objects(None, LPO.sentenceNumber))
    assert numbers == [1, 2, 3, 4]


def test_resources_unknown_iri_gets_helpful_404(client):
    response = client.get("/id/kataib-hezbolah", headers=HTML)
    assert response.status_code == 404
    links = Links(response.get_data(as_text=True))
    assert "http://localhost/id/kataib-hezbollah.html" in links.hrefs()
    assert any("/query?" in href for href in links.hrefs())


def test_resources_unknown_iri_is_json_404_for_programs(client):
    response = client.get("/id/no-such-thing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "not in this release" in response.get_json()["error"]


def test_resources_unknown_extension_is_404(client):
    assert client.get("/id/kataib-hezbollah.pdf", headers=HTML).status_code == 404


def test_resources_path_with_sparql_syntax_is_refused(client):
    assert client.get("/id/x%3E%20%7B", headers=HTML).status_code == 404


def test_resources_trusted_request_host_is_mapped(client):
    response = client.get("/id/kataib-hezbollah", base_url="http://localhost:8080",
                          headers={"Accept": "text/turtle"})
    assert response.headers["Location"] == "http://localhost:8080/id/kataib-hezbollah.ttl"
    page = client.get("/id/kataib-hezbollah.html", base_url="http://localhost:8080")
    assert "http://localhost:8080/id/pmf.html" in Links(page.get_data(as_text=True)).hrefs()


@pytest.mark.parametrize("host", ["lod.example:8080", "evil.example", "[::1]x", "a b"])
def test_resources_untrusted_host_gets_relative_links(client, host):
    response = client.get("/id/kataib-hezbollah", headers={"Accept": "text/turtle",
                                                             "Host": host})
    assert response.headers["Location"] == "/id/kataib-hezbollah.ttl"
    page = client.get("/id/kataib-hezbollah.html", headers={"Host": host})
    hrefs = Links(page.get_data(as_text=True)).hrefs()
    assert "/id/pmf.html" in hrefs and not any(host in href for href in hrefs)


def test_resources_public_url_setting_is_mapped(tiny_release):
    app = make_app(tiny_release, public_url="https://data.example.org/lodpub/")
    try:
        client = app.test_client()
        response = client.get("/id/kataib-hezbollah", headers=HTML)
        assert response.headers["Location"] == "https://data.example.org/lodpub/id/kataib-hezbollah.html"
        html = client.get("/id/kataib-hezbollah.html").get_data(as_text=True)
        links = Links(html).hrefs()
        assert "https://data.example.org/lodpub/id/pmf.html" in links
        # navigation, stylesheet and downloads follow the public URL too
        assert "https://data.example.org/lodpub/query" in links
        assert "https://data.example.org/lodpub/downloads" in links
        assert 'href="https://data.example.org/lodpub/static/style.css"' in html
    finally:
        app.extensions["lodpub"].close()


def test_resources_entity_page_shows_claims_with_sentence_links(client):
    html = client.get("/id/united-states.html").get_data(as_text=True)
    links = Links(html)
    assert "The United States will likely withdraw from Erbil by the end of 2026." in html
    assert "http://localhost/source/doc.html#s4" in links.hrefs()
    assert links.href_of("the author") == "http://localhost/id/author.html"
    assert "forecast" in html


def test_resources_entity_page_marks_inferred_types(client):
    html = client.get("/id/kataib-hezbollah.html").get_data(as_text=True)
    types = html.split('class="types"', 1)[1].split("</p>", 1)[0]
    assert "organization</a> <span class=\"inferred\"" in types
    assert "armed group</a> <span" not in types


def test_resources_entity_page_states_validation_and_links_shapes(client):
    html = client.get("/id/kataib-hezbollah.html").get_data(as_text=True)
    assert "this release conforms to its" in html
    assert "http://localhost/shapes/" in Links(html).hrefs()


def test_resources_entity_page_embeds_schema_org(client):
    links = Links(client.get("/id/kataib-hezbollah.html").get_data(as_text=True))
    [(_, body)] = [(a, t) for a, t in links.scripts if a.get("type") == "application/ld+json"]
    data = json.loads(body)
    assert data["@id"] == str(ID["kataib-hezbollah"])
    assert data["name"] == "Kataib Hezbollah"
    assert data["sameAs"] == ["http://www.wikidata.org/entity/Q1739175"]
    assert data["license"].startswith("https://creativecommons.org/")


def test_resources_schema_org_type_follows_the_ontology_alignment(client):
    links = Links(client.get("/id/iran.html").get_data(as_text=True))
    [body] = [t for a, t in links.scripts if a.get("type") == "application/ld+json"]
    assert json.loads(body)["@type"] == ["Country"]


def test_resources_entity_page_shows_wikidata_link_and_status(client):
    html = client.get("/id/kataib-hezbollah.html").get_data(as_text=True)
    assert "http://www.wikidata.org/entity/Q1739175" in Links(html).hrefs()
    assert "http://localhost/vocab/linked.html" in Links(html).hrefs()


def test_resources_entity_page_shows_link_evidence(client):
    html = client.get("/id/kataib-hezbollah.html").get_data(as_text=True)
    assert "wikidata-evidence-1" in Links(html).ids
    evidence = html.split('id="wikidata-evidence-1"', 1)[1].split("</div>", 1)[0]
    assert "Kata&#39;ib Hezbollah" in evidence and "example/repo:items.csv@0123abc" in evidence
    graph = parse_rdf(client.get("/id/kataib-hezbollah.ttl").get_data(as_text=True),
                      "text/turtle")
    node = URIRef(ID["kataib-hezbollah"] + "#wikidata-evidence-1")
    assert (node, LPO.labelSeen, Literal("Kata'ib Hezbollah")) in graph


def test_resources_long_lists_are_paged(client):
    first = Links(client.get("/id/busy.html").get_data(as_text=True))
    second = Links(client.get("/id/busy.html?page=2").get_data(as_text=True))
    places = lambda links: {h for h in links.hrefs() if "/id/place-" in h}  # noqa: E731
    assert len(places(first)) == 50 and len(places(second)) == 50
    assert not places(first) & places(second)
    assert "?page=2" in first.hrefs()
    pages = -(-BUSY_STATEMENTS // 50)
    assert client.get(f"/id/busy.html?page={pages + 1}", headers=HTML).status_code == 404
    assert client.get("/id/busy.html?page=zero", headers=HTML).status_code == 400


def test_resources_incoming_statements_are_listed(client):
    html = client.get("/id/pmf.html").get_data(as_text=True)
    incoming = html.split('class="statements-in"', 1)[1].split("</section>", 1)[0]
    assert "Kataib Hezbollah" in incoming


def test_resources_document_is_conditional(client):
    first = client.get("/id/kataib-hezbollah.ttl")
    again = client.get("/id/kataib-hezbollah.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_resources_ontology_iri_negotiates(client):
    assert client.get("/ontology", headers=HTML).headers["Location"].endswith("/ontology.html")
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=client.get(response.headers["Location"]).get_data(as_text=True),
                          format="turtle")
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    assert (LPO.ArmedGroup, RDFS.subClassOf, LPO.Organization) in graph


def test_resources_term_page_shows_shape_usage_and_alignments(client):
    html = client.get("/ontology/ArmedGroup.html").get_data(as_text=True)
    links = Links(html)
    assert "An organized group that uses armed force." in html
    assert "An armed group needs exactly one English label." in html  # the SHACL shape
    assert "Every entity needs a label." in html  # a SPARQL-targeted shape, via sh:property
    assert "http://localhost/ontology/Organization.html" in links.hrefs()  # subClassOf
    assert "http://www.wikidata.org/entity/Q17149090" in links.hrefs()  # closeMatch
    assert "http://localhost/id/kataib-hezbollah.html" in links.hrefs()  # an example
    assert "4 instances" in html  # Kataib Hezbollah, PMF, hostile, busy


def test_resources_property_page_shows_domain_range_and_shape(client):
    html = client.get("/ontology/memberOf.html").get_data(as_text=True)
    domain = html.split(">domain<", 1)[1].split("</tr>", 1)[0]
    assert "organization" in domain
    assert "memberOf must point at an organization." in html
    assert "Every entity needs a label." not in html
    term_graph = Graph().parse(data=client.get("/ontology/memberOf.ttl").get_data(as_text=True),
                               format="turtle")
    assert (LPO.memberOf, RDFS.range, LPO.Organization) in term_graph


def test_resources_shape_iri_dereferences(client):
    location = client.get("/shapes/ArmedGroupShape", headers=HTML).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "An armed group needs exactly one English label." in html
    assert "instances of lpo:ArmedGroup" in html
    graph = parse_rdf(client.get("/shapes/ArmedGroupShape.ttl").get_data(as_text=True),
                      "text/turtle")
    shape = URIRef("https://w3id.org/lodpub/shapes/ArmedGroupShape")
    assert (shape, URIRef("http://www.w3.org/ns/shacl#targetClass"), LPO.ArmedGroup) in graph


def test_resources_shapes_iri_lists_every_shape(client):
    location = client.get("/shapes/", headers=HTML).headers["Location"]
    assert location == "http://localhost/shapes.html"
    links = Links(client.get(location).get_data(as_text=True))
    assert "http://localhost/shapes/MemberShape.html" in links.hrefs()
    graph = parse_rdf(client.get("/shapes.ttl").get_data(as_text=True), "text/turtle")
    assert (URIRef("https://w3id.org/lodpub/shapes/MemberShape"), None, None) in graph


def test_resources_property_page_links_every_use(client):
    html = client.get("/ontology/place.html").get_data(as_text=True)
    assert "used in 120 plain statements" in html
    link = next(h for h in Links(html).hrefs() if "/query?" in h)
    table = client.get(urlsplit(link).path + "?" + urlsplit(link).query).get_data(as_text=True)
    assert "120 rows" in table


def test_resources_concept_page_lists_claims_of_that_kind(client):
    html = client.get("/vocab/forecast.html").get_data(as_text=True)
    assert "The United States will likely withdraw from Erbil" in html


def test_resources_graph_iri_dereferences(client):
    location = client.get("/graph/facts", headers=HTML).headers["Location"]
    assert location.endswith("/graph/facts.html")
    graph = Graph().parse(data=client.get("/graph/inferred.nt").get_data(as_text=True), format="nt")
    assert (ID.pmf, RDF.type, LPO.Organization) in graph


# ----------------------------------------------------------------------------- found by a QA review


@pytest.mark.parametrize("page", ["99999999999999999999999", "1" + "0" * 40])
def test_resources_entity_page_number_beyond_any_page_is_404_not_500(real_client, page):
    response = real_client.get(f"/id/iraq.html?page={page}")
    assert response.status_code == 404
    assert f"no page {page}" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["\u00b2", "\u0661", "-1", "abc"])
def test_resources_entity_page_number_must_be_ascii_digits(real_client, page):
    response = real_client.get("/id/iraq.html", query_string={"page": page})
    assert response.status_code == 400
    assert "positive whole number" in response.get_data(as_text=True)


def test_resources_see_other_keeps_the_page_parameter(real_client):
    response = real_client.get("/id/iraq?page=2", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/id/iraq.html?page=2")
    page = real_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Page 2 of" in page


@pytest.mark.parametrize("path", ["/id/%25", "/id/%zz", "/claim/%0x", "/id/a%2", "/source/%",
                                  "/id/%3C%3E", "/vocab/%22"])
def test_resources_stray_percent_is_a_404(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "not a lodpub IRI path" in response.get_json()["error"]
