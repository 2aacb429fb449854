"""graph:links: every entity's link status, item, evidence (PROV) and candidates."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from lodpub.namespaces import DCTERMS, LPO, LPV, PROV, RDF, RDFS, SKOS, WD, XSD
from lodpub.pipeline.linkgraph import link_counts, links_graph
from lodpub.pipeline.records import Entity, load_entities
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
    # a repository path is not an IRI: it stays a string, as recorded
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
