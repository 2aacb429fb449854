"""graph:wikidata: facts in Wikidata's RDF model, over the real ontology and tiny inline facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from lodpub.namespaces import (
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_WIKIDATA,
    ID,
    LPO,
    LPV,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    WD,
    WDT,
    WIKIBASE,
    XSD,
)
from lodpub.pipeline.wikibase import wikidata_time
from lodpub.pipeline.wikidata_graph import property_map, wikidata_view

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
    typing = set(view.objects(None, URIRef("http://www.wikidata.org/prop/P31")))
    assert len(statements - typing) == 2  # one membership, one designation


def test_wikidata_view_types_from_class_matches(view, ontology):
    # lpo:State skos:exactMatch wd:Q3624078 (sovereign state) in ontology/lodpub.ttl
    assert (URIRef("https://w3id.org/lodpub/ontology/State"),
            URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            WD["Q3624078"]) in ontology
    assert (WD["Q900000030"], WDT["P31"], WD["Q3624078"]) in view


# The example queries of src/lodpub/queries/wikidata/, run on the real release's endpoint store.

QUERIES = ROOT / "src" / "lodpub" / "queries" / "wikidata"


@pytest.fixture(scope="module")
def store(release_settings, release):
    from lodpub.query.store import open_store

    opened = open_store(release_settings, release=release)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def facts(store) -> Graph:
    return store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_FACTS}> {{ ?s ?p ?o }} }}")


def _item(facts: Graph, node):
    same = [o for o in facts.objects(node, OWL.sameAs) if str(o).startswith(str(WD))]
    return same[0] if same else node


def _expected(facts: Graph, cls, subject_prop, value_prop, shortcut, date_prop):
    pairs, dated = set(), set()
    for node in facts.subjects(RDF.type, cls):
        for s in facts.objects(node, subject_prop):
            for o in facts.objects(node, value_prop):
                pairs.add((_item(facts, s), _item(facts, o)))
                for date in facts.objects(node, date_prop):
                    dated.add((_item(facts, s), _item(facts, o), wikidata_time(date)[0]))
    for s, o in facts.subject_objects(shortcut):
        pairs.add((_item(facts, s), _item(facts, o)))
    return pairs, dated


def _run(store, name: str) -> list[dict]:
    return store.select((QUERIES / name).read_text(encoding="utf-8"))


def test_wikidata_queries_members_with_start_time(store, facts):
    rows = _run(store, "members-with-start-time.rq")
    pairs, dated = _expected(facts, LPO.Membership, ORG.member, ORG.organization, LPO.memberOf,
                             LPO.startDate)
    assert pairs, "the release states no membership"
    assert {(r["member"], r["organization"]) for r in rows} == pairs
    assert {(r["member"], r["organization"], r["start"]) for r in rows if "start" in r} == dated
    assert all("memberLabel" in r for r in rows)


def test_wikidata_queries_positions_held(store, facts):
    rows = _run(store, "positions-held.rq")
    pairs, dated = _expected(facts, LPO.Tenure, LPO.officeHolder, LPO.post, LPO.holdsPost,
                             LPO.startDate)
    assert {(r["person"], r["position"]) for r in rows} == pairs
    assert {(r["person"], r["position"], r["start"]) for r in rows if "start" in r} == dated


def test_wikidata_queries_terrorist_designations(store, facts):
    rows = _run(store, "terrorist-designations.rq")
    pairs, _ = _expected(facts, LPO.Designation, LPO.designatedParty, LPO.designatingAuthority,
                         LPO.designatedAsTerroristBy, LPO.date)
    assert {(r["party"], r["authority"]) for r in rows} == pairs


def test_wikidata_queries_statements_cite_sentences(store):
    rows = _run(store, "statement-references.rq")
    assert rows, "no statement in graph:wikidata has a reference"
    sentences = {r["s"] for r in store.select(
        f"SELECT ?s WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{ ?s a <{LPO.Sentence}> }} }}")}
    quotes = {str(r["q"]) for r in store.select(
        f"SELECT ?q WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{ ?c <{LPO.quote}> ?q }} }}")}
    for row in rows:
        assert row["rank"] == WIKIBASE.NormalRank
        assert row["referenceURL"] in sentences
        assert str(row["quotation"]) in quotes
    unreferenced = store.select(f"""SELECT ?st WHERE {{ GRAPH <{GRAPH_WIKIDATA}> {{
        ?item ?p ?st . ?st a <{WIKIBASE.Statement}> .
        FILTER(?p != <http://www.wikidata.org/prop/P31>)
        FILTER NOT EXISTS {{ ?st <{PROV.wasDerivedFrom}> ?ref }} }} }}""")
    assert unreferenced == []


def test_wikidata_queries_no_forecast_in_view(store, facts, ontology):
    mapping = property_map(ontology)
    view = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_WIKIDATA}> {{ ?s ?p ?o }} }}")
    rows = store.select(f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH_CLAIMS}> {{
        ?c <{LPO.modality}> ?m ; <{LPO.statement}> ?st .
        ?st <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o .
        FILTER(?m != <{LPV["fact"]}>) }} }}""")
    for row in rows:
        s, p, o = row["s"], row["p"], row["o"]
        if p not in mapping or (s, p, o) in facts:
            continue
        truthy = (_item(facts, s), WDT[mapping[p]], _item(facts, o))
        assert truthy not in view, f"a non-fact claim is in graph:wikidata: {truthy}"
    cited = store.select(f"""SELECT ?claim WHERE {{
        GRAPH <{GRAPH_WIKIDATA}> {{
          ?ref a <{WIKIBASE.Reference}> ; <{PROV.wasDerivedFrom}> ?claim }}
        GRAPH <{GRAPH_CLAIMS}> {{ ?claim <{LPO.modality}> ?m FILTER(?m != <{LPV["fact"]}>) }} }}""")
    assert cited == []
