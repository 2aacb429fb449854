"""graph:links: every entity's link status, item, evidence (PROV) and candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from lodpub.namespaces import DCTERMS, LPO, LPV, PROV, RDF, RDFS, SKOS, WD, XSD
from lodpub.pipeline.linkgraph import citable_url, link_counts, links_graph
from lodpub.pipeline.records import Entity, load_entities
from lodpub.pipeline.wikidata_terms import load_terms, problems
from lodpub.settings import load_settings
from support import ROOT


def _entity(entity_id: str, wikidata: dict) -> Entity:
    return Entity(entity_id, entity_id.title(), (), ("ArmedGroup",), None, wikidata,
                  Path("data/entities/x.yaml"), 1)


LINKED = _entity("kh", {
    "status": "linked", "qid": "Q900000001",
    "evidence": [
        {"source": "https://example.org/items/Q900000001", "label": "Kata'ib Hezbollah",
         "retrieved": "2026-11-20", "note": "label shown on the item page"},
        {"source": "owner/repo/path.csv@0123abc", "label": "Kataib Hezbollah"},
    ],
})
UNVERIFIED = _entity("kss", {"status": "unverified", "candidates": [
    {"qid": "Q900000003", "label": "Kata'ib Sayyid al-Shuhada", "source": "owner/repo/x@1"}]})
NONE = _entity("event", {"status": "none", "reason": "an event the text describes only"})


@pytest.fixture
def graph() -> Graph:
    return links_graph([LINKED, UNVERIFIED, NONE])


def test_links_status_concepts(graph):
    assert graph.value(LINKED.iri, LPO.linkStatus) == LPV["linked"]
    assert graph.value(UNVERIFIED.iri, LPO.linkStatus) == LPV["unverified"]
    assert graph.value(NONE.iri, LPO.linkStatus) == LPV["no-item"]
    assert graph.value(NONE.iri, LPO.linkReason) == Literal(
        "an event the text describes only", lang="en")


def test_links_evidence_is_prov_with_source_and_label(graph):
    nodes = sorted(graph.objects(LINKED.iri, LPO.linkEvidence))
    assert len(nodes) == 2
    first, second = nodes
    assert {LPO.LinkEvidence, PROV.Entity} <= set(graph.objects(first, RDF.type))
    assert graph.value(first, LPO.wikidataItem) == WD["Q900000001"]
    assert graph.value(first, DCTERMS.source) == URIRef("https://example.org/items/Q900000001")
    assert graph.value(first, LPO.labelSeen) == Literal("Kata'ib Hezbollah")
    assert graph.value(first, LPO.retrievedOn) == Literal("2026-11-20", datatype=XSD.date)
    assert graph.value(first, SKOS.note) is not None
    # a short commit is no citable form: the source stays a string, and the shapes refuse it
    assert graph.value(second, DCTERMS.source) == Literal("owner/repo/path.csv@0123abc")
    assert graph.value(LINKED.iri, LPO.wikidataItem) == WD["Q900000001"]


def test_links_candidates_only_for_unverified(graph):
    (candidate,) = graph.objects(UNVERIFIED.iri, LPO.linkCandidate)
    assert (candidate, RDF.type, LPO.LinkCandidate) in graph
    assert graph.value(candidate, LPO.wikidataItem) == WD["Q900000003"]
    assert graph.value(candidate, RDFS.label) == Literal("Kata'ib Sayyid al-Shuhada")
    assert graph.value(UNVERIFIED.iri, LPO.wikidataItem) is None
    assert list(graph.objects(NONE.iri, LPO.linkCandidate)) == []


def test_links_counts():
    assert link_counts([LINKED, UNVERIFIED, NONE, NONE]) == {
        "linked": 1, "unverified": 1, "none": 2}


def test_links_ontology_terms_are_labelled_and_defined():
    ontology = Graph().parse(ROOT / "ontology" / "links.ttl")
    used = {LPO.linkStatus, LPO.wikidataItem, LPO.linkEvidence, LPO.linkCandidate,
            LPO.labelSeen, LPO.retrievedOn, LPO.linkReason, LPO.LinkEvidence, LPO.LinkCandidate}
    for term in used:
        assert ontology.value(term, RDFS.label, any=False) is not None, term
        assert ontology.value(term, SKOS.definition) is not None, term


def test_links_every_real_entity_has_one_status_and_evidence_when_linked():
    entities = load_entities(load_settings(ROOT).data_dir)
    assert entities, "data/entities/ holds no entity records"
    graph = links_graph(entities)
    for entity in entities:
        statuses = list(graph.objects(entity.iri, LPO.linkStatus))
        assert len(statuses) == 1, entity.id
        if statuses[0] == LPV["linked"]:
            evidence = list(graph.objects(entity.iri, LPO.linkEvidence))
            assert evidence, f"{entity.id} is linked without evidence"
            for node in evidence:
                assert graph.value(node, DCTERMS.source) is not None, entity.id
                assert graph.value(node, LPO.labelSeen) is not None, entity.id


def test_links_repository_source_becomes_the_file_at_its_commit():
    commit = "7fda0afd3e75391d9480c22ed3a2b91f50e08eb6"
    path = "contributions/countries/countries.json"
    source = f"dr5hn/countries-states-cities-database:{path}@{commit}"
    assert citable_url(source) == (
        "https://github.com/dr5hn/countries-states-cities-database/blob/"
        f"{commit}/{path}")
    assert citable_url("https://example.org/a b") is None
    assert citable_url("stored file id 60308570873 found with a search") is None
    assert citable_url("owner/repo:path@0123abc") is None  # the whole commit, please


def test_links_terms_file_backs_every_ontology_alignment():
    ontology = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(path)
    assert problems(load_terms(ROOT / "data"), ontology) == []


def test_links_terms_problems_name_the_term_and_the_fix():
    ontology = Graph().parse(data="""
        @prefix lpo: <https://w3id.org/lodpub/ontology/> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix wd: <http://www.wikidata.org/entity/> .
        lpo:Agreement skos:exactMatch wd:Q321839 .""", format="turtle")
    terms = {"classes": {"agreement": {"status": "linked", "qid": "Q321839", "evidence": [
        {"source": "stored file id 1 (the index does not name its repository)",
         "label": "agreement"}]}}, "properties": {"P31": {"status": "unverified"}}}
    found = problems(terms, ontology)
    assert any("classes.agreement, evidence 1: source 'stored file id 1" in f
               and "not something a reader can open" in f for f in found)
    assert any("properties.P31: an unverified term needs a `reason:`" in f for f in found)
    terms["classes"]["agreement"]["status"] = "unverified"
    assert any("Agreement is aligned to http://www.wikidata.org/entity/Q321839" in f
               for f in problems(terms, ontology))


def test_links_no_uncheckable_evidence_in_data_docs_or_pages():
    """Sources are named so that a reader can open them; never a stored-file number or a
    description of how a search was run."""
    words = ("stored file id", "file id ", "find_string", "search tool", "the index does not")
    files = [*(ROOT / "data").rglob("*.yaml"), *(ROOT / "docs").glob("*.md"), ROOT / "README.md",
             *(ROOT / "src" / "lodpub" / "web" / "templates").glob("*.html")]
    found = [(path.name, word) for path in files for word in words
             if word in path.read_text(encoding="utf-8").casefold()]
    assert found == []
