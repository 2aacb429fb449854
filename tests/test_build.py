"""The build: a real release from the real data; deterministic, atomic, honest about kinds."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys

import pytest
from rdflib import Graph

from lodpub.errors import QuoteError, RecordError
from lodpub.namespaces import (
    CLAIM,
    DCTERMS,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    GRAPH_WIKIDATA,
    ID,
    LPO,
    LPV,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
)
from lodpub.pipeline.build import build
from lodpub.pipeline.records import load_entities, load_records
from lodpub.pipeline.sources import load_sources
from lodpub.release import Release
from support import record_file_quoting, record_files
from support.rdf import named_graphs

RELEASE_FILES = {
    "lodpub.ttl", "lodpub.trig", "lodpub.nq.gz", "lodpub.nt.gz", "lodpub.jsonld",
    "ontology.ttl", "ontology.rdf", "shapes.ttl", "void.ttl", "shacl-report.ttl",
    "shacl-report.txt",
}


def _graphs(release: Release) -> dict:
    return named_graphs(release.path / "lodpub.trig")


def test_build_writes_every_file_with_checksums(release, release_settings):
    expected = RELEASE_FILES | {f"sources/{s}.txt" for s in load_sources(release_settings.data_dir)}
    names = {entry["name"] for entry in release.manifest["files"]}
    assert names == expected
    sums = (release.path / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    for name in expected | {"release.json"}:
        digest = hashlib.sha256((release.path / name).read_bytes()).hexdigest()
        assert listed[name] == digest, name
    for entry in release.manifest["files"]:
        assert entry["size"] == (release.path / entry["name"]).stat().st_size
    assert release.manifest["conforms"] is True


def test_build_dumps_parse_back_with_the_right_graphs(release):
    graphs = _graphs(release)
    for graph in (GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_CLAIMS, GRAPH_LINKS, GRAPH_INFERRED,
                  GRAPH_WIKIDATA):
        assert len(graphs[graph]) == release.manifest["graphs"][str(graph)]
    published = Graph().parse(release.path / "lodpub.ttl", format="turtle")
    expected = sum(release.manifest["graphs"][str(g)]
                   for g in (GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_INFERRED))
    assert len(published) <= expected  # the union may merge duplicates
    nt = gzip.decompress((release.path / "lodpub.nt.gz").read_bytes()).decode()
    assert len(Graph().parse(data=nt, format="nt")) == len(published)
    Graph().parse(release.path / "ontology.rdf", format="xml")
    json.loads((release.path / "lodpub.jsonld").read_text())


def test_build_is_byte_for_byte_deterministic(copy_settings, tmp_path):
    first = build(copy_settings)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # another process, another set order
    subprocess.run(
        [sys.executable, "-c", "from lodpub.cli import main; main()",
         "--project", str(copy_settings.project_dir), "--dist", str(tmp_path / "again"), "build"],
        check=True, env=env, capture_output=True)
    again = Release.at(tmp_path / "again" / "current")
    assert again.version == first.version
    for entry in first.manifest["files"]:
        name = entry["name"]
        assert (again.path / name).read_bytes() == (first.path / name).read_bytes(), name
    assert (again.path / "SHA256SUMS").read_bytes() == (first.path / "SHA256SUMS").read_bytes()


def _statements(claims: Graph, modality):
    for claim in claims.subjects(LPO.modality, modality):
        for node in claims.objects(claim, LPO.statement):
            yield claim, (claims.value(node, RDF.subject), claims.value(node, RDF.predicate),
                          claims.value(node, RDF.object))


def test_build_projects_only_reported_facts(release, release_settings):
    graphs = _graphs(release)
    facts, claims = graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS]
    kinds = {r.kind for r in load_records(release_settings.data_dir)}
    assert kinds >= {"fact", "forecast", "assessment", "recommendation"}
    reported = {triple for _, triple in _statements(claims, LPV.fact)}
    disputed = {tuple(claims.value(st, p) for p in (RDF.subject, RDF.predicate, RDF.object))
                for st in claims.objects(None, LPO.disputedStatement)}
    assert disputed and reported  # a disputed statement is reported, but stays a claim
    assert all((triple in facts) != (triple in disputed) for triple in reported)
    for kind in kinds - {"fact"}:
        for claim, triple in _statements(claims, LPV[kind]):
            if triple[1] == RDF.type:
                continue  # an entity's curated type is not the claim's content
            assert triple not in facts or triple in reported, f"{claim} leaks {triple}"


def test_build_every_record_is_a_claim_with_its_quote(release, release_settings):
    claims = _graphs(release)[GRAPH_CLAIMS]
    for record in load_records(release_settings.data_dir):
        assert (CLAIM[record.id], LPO.modality, LPV[record.kind]) in claims
        assert str(claims.value(CLAIM[record.id], LPO.quote)) == record.quote


def test_build_accounts_for_every_sentence(release_settings):
    from lodpub.pipeline.stats import collect

    for document, coverage in collect(release_settings)["coverage"].items():
        assert coverage["missing_sentences"] == [], document
        assert coverage["accounted_for_percent"] == 100.0, document


def test_build_links_only_with_evidence(release_settings):
    for entity in load_entities(release_settings.data_dir):
        block = entity.wikidata
        if block["status"] == "linked":
            assert block["evidence"], entity.id
            assert all(e.get("source") and e.get("label") for e in block["evidence"]), entity.id


def test_build_failure_keeps_the_current_release(copy_settings):
    first = build(copy_settings, reason=False)
    records = record_files(copy_settings.data_dir)[0]
    text = records.read_text(encoding="utf-8")
    quote_line = next(line for line in text.splitlines() if line.strip().startswith("quote:"))
    records.write_text(text.replace(quote_line, quote_line.replace("quote: ", "quote: XX", 1), 1),
                       encoding="utf-8")
    with pytest.raises(QuoteError, match=r"record '.*'\): the quote is not in .* verbatim"):
        build(copy_settings, reason=False)
    assert Release.latest(copy_settings).version == first.version
    assert (first.path / "lodpub.ttl").is_file()
    leftovers = [p for p in copy_settings.releases_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_build_rejects_unknown_entity_with_file_and_line(copy_settings):
    records = record_file_quoting(
        copy_settings.data_dir, "Iraq needs continued U.S. support to maintain its security.")
    records.write_text(records.read_text(encoding="utf-8") + (
        "\n- id: broken-entity-reference\n"
        "  quote: \"Iraq needs continued U.S. support to maintain its security.\"\n"
        "  kind: assessment\n"
        "  statements:\n"
        "    - [no-such-entity, memberOf, iraq]\n"), encoding="utf-8")
    with pytest.raises(RecordError, match=r"\.yaml:\d+ \(record 'broken-entity-reference'\).*"
                                          r"'no-such-entity' is not an entity id"):
        build(copy_settings, reason=False)


def test_build_rejects_invalid_turtle_naming_the_file(copy_settings):
    broken = copy_settings.ontology_dir / "broken.ttl"
    broken.write_text("@prefix x: <urn:x:> .\nx:a x:b \n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"broken\.ttl: not valid Turtle"):
        build(copy_settings, reason=False)
    assert not Release.exists(copy_settings)


ANNOTATIONS = {str(p) for p in (RDFS.label, SKOS.altLabel, SCHEMA.description, OWL.sameAs)}


def test_build_every_fact_carries_a_sentence(release):
    graphs = _graphs(release)
    facts, claims = graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS]
    stated = {triple for _, triple in _statements(claims, LPV.fact)}
    metadata = set(claims.objects(None, DCTERMS.publisher)) | set(
        claims.objects(None, DCTERMS.creator))
    unsupported = [(s, p, o) for s, p, o in facts if str(s).startswith(str(ID))
                   and str(p) not in ANNOTATIONS and (s, p, o) not in stated
                   and not (p == RDF.type and s in metadata)]
    assert unsupported == []


def test_build_disputed_statements_stay_claims_of_their_sources(release):
    graphs = _graphs(release)
    facts, claims = graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS]
    disagreements = list(claims.subjects(RDF.type, LPO.Disagreement))
    assert disagreements
    for node in disagreements:
        positions = claims.objects(node, LPO.position)
        documents = {claims.value(c, PROV.wasDerivedFrom) for c in positions}
        assert len(documents) >= 2, node  # these documents differ from one another
        for statement in claims.objects(node, LPO.disputedStatement):
            triple = tuple(claims.value(statement, p) for p in (RDF.subject, RDF.predicate,
                                                               RDF.object))
            assert triple not in facts, (node, triple)
