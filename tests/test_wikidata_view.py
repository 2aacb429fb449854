"""graph:wikidata: facts in Wikidata's RDF model, over the real ontology and tiny inline facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from lodpub.namespaces import ID, PREFIXES, WD, XSD
from lodpub.wikidata_view import property_map, wikidata_view

ROOT = Path(__file__).resolve().parents[1]
PREFIX_LINES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
PREFIX_LINES += "PREFIX pqv: <http://www.wikidata.org/prop/qualifier/value/>\n"

FACTS = PREFIX_LINES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n") + """
id:kh a lpo:ArmedGroup ; rdfs:label "Kataib Hezbollah"@en ; skos:altLabel "Kata'ib Hizballah"@en ;
    owl:sameAs wd:Q900000001 ; lpo:memberOf id:irr .
id:irr a lpo:Organization ; rdfs:label "Islamic Resistance in Iraq"@en .
id:us a lpo:State ; rdfs:label "United States"@en ; owl:sameAs wd:Q900000030 .
id:kh-in-irr a lpo:Membership ; org:member id:kh ; org:organization id:irr ;
    lpo:startDate "2023"^^xsd:gYear .
id:kh-designation a lpo:Designation ; lpo:designatedParty id:kh ;
    lpo:designatingAuthority id:us ; lpo:date "2009-06-24"^^xsd:date .
"""
CLAIMS = PREFIX_LINES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n") + """
claim:irr-2023 a lpo:Claim ; lpo:modality lpv:fact ;
    lpo:quote "Kataib Hezbollah joined the Islamic Resistance in Iraq in 2023." ;
    lpo:sentence <https://w3id.org/lodpub/source/brookings-iraq-2025#s7> ;
    prov:wasDerivedFrom source:brookings-iraq-2025 ;
    lpo:statement <https://w3id.org/lodpub/claim/irr-2023#s1> ,
                  <https://w3id.org/lodpub/claim/irr-2023#s2> .
<https://w3id.org/lodpub/claim/irr-2023#s1> a rdf:Statement ; rdf:subject id:kh-in-irr ;
    rdf:predicate org:member ; rdf:object id:kh .
<https://w3id.org/lodpub/claim/irr-2023#s2> a rdf:Statement ; rdf:subject id:kh-in-irr ;
    rdf:predicate lpo:startDate ; rdf:object "2023"^^xsd:gYear .
claim:future a lpo:Claim ; lpo:modality lpv:forecast ;
    lpo:statement <https://w3id.org/lodpub/claim/future#s1> .
<https://w3id.org/lodpub/claim/future#s1> a rdf:Statement ; rdf:subject id:kh ;
    rdf:predicate lpo:memberOf ; rdf:object id:us .
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def view(ontology) -> Graph:
    facts = Graph().parse(data=FACTS, format="turtle")
    claims = Graph().parse(data=CLAIMS, format="turtle")
    return wikidata_view(facts, claims, ontology)


def _rows(graph: Graph, query: str) -> list[tuple]:
    return [tuple(row) for row in graph.query(PREFIX_LINES + query)]


def test_wikidata_view_property_map_reads_exact_matches(ontology):
    mapping = property_map(ontology)
    assert mapping[URIRef("https://w3id.org/lodpub/ontology/memberOf")] == "P463"
    assert mapping[URIRef("https://w3id.org/lodpub/ontology/startDate")] == "P580"
    # closeMatch is not an exact counterpart
    assert URIRef("https://w3id.org/lodpub/ontology/location") not in mapping


def test_wikidata_view_members_with_start_time(view):
    rows = _rows(view, """
        SELECT ?member ?start WHERE {
          ?member p:P463 ?statement .
          ?statement ps:P463 id:irr ; pq:P580 ?start .
        }""")
    assert rows == [(WD["Q900000001"], Literal("2023-01-01T00:00:00Z", datatype=XSD.dateTime))]


def test_wikidata_view_one_statement_per_membership(view):
    # the memberOf shortcut and the membership node are one statement, as in Wikidata
    assert len(_rows(view, "SELECT ?s WHERE { wd:Q900000001 p:P463 ?s }")) == 1
    assert (WD["Q900000001"], URIRef("http://www.wikidata.org/prop/direct/P463"),
            ID["irr"]) in view


def test_wikidata_view_keeps_precision_and_rank(view):
    rows = _rows(view, """
        SELECT ?precision ?rank WHERE {
          wd:Q900000001 p:P463 ?st . ?st wikibase:rank ?rank ; pqv:P580 ?v .
          ?v wikibase:timePrecision ?precision ; wikibase:timeCalendarModel wd:Q1985727 .
        }""")
    assert rows == [(Literal(9), URIRef("http://wikiba.se/ontology#NormalRank"))]


def test_wikidata_view_designation_point_in_time(view):
    rows = _rows(view, """
        SELECT ?by ?when WHERE { wd:Q900000001 p:P3461 ?st . ?st ps:P3461 ?by ; pq:P585 ?when }""")
    assert rows == [(WD["Q900000030"], Literal("2009-06-24T00:00:00Z", datatype=XSD.dateTime))]


def test_wikidata_view_references_point_at_sentence_and_quote(view):
    rows = _rows(view, """
        SELECT ?doc ?url ?quote ?claim WHERE {
          wd:Q900000001 p:P463 ?st . ?st prov:wasDerivedFrom ?ref .
          ?ref pr:P248 ?doc ; pr:P854 ?url ; pr:P1683 ?quote ; prov:wasDerivedFrom ?claim .
        }""")
    assert len(rows) == 1
    doc, url, quote, claim = rows[0]
    assert doc == URIRef("https://w3id.org/lodpub/source/brookings-iraq-2025")
    assert url == URIRef("https://w3id.org/lodpub/source/brookings-iraq-2025#s7")
    assert quote.language == "en" and "joined" in quote
    assert claim == URIRef("https://w3id.org/lodpub/claim/irr-2023")


def test_wikidata_view_never_holds_forecasts(view):
    assert (WD["Q900000001"], URIRef("http://www.wikidata.org/prop/direct/P463"),
            WD["Q900000030"]) not in view
    assert not _rows(view, "SELECT ?r WHERE { ?r prov:wasDerivedFrom claim:future }")


def test_wikidata_view_labels_linked_items(view):
    assert (WD["Q900000001"], URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("Kataib Hezbollah", lang="en")) in view


def test_wikidata_view_is_deterministic(ontology, view):
    again = wikidata_view(Graph().parse(data=FACTS, format="turtle"),
                          Graph().parse(data=CLAIMS, format="turtle"), ontology)
    assert set(again) == set(view)
    statements = {s for s in view.subjects() if str(s).startswith(str(ID) + "wds-")}
    assert len(statements) == 2
