"""`lodpub link --verify`: every linked item re-checked, from recorded answers and a stand-in API.

The answers (tests/fixtures/wikidata/verify-responses.json) are written by hand in the shape of
Wikidata's wbgetentities answers, with fictitious Q9000003xx items: one as recorded, one whose
label is another name, one redirected, one deleted, one of another class.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lodpub.cli import main
from lodpub.curate.verify import verify
from lodpub.namespaces import ID, LPO, XSD
from lodpub.pipeline.linkgraph import links_graph
from lodpub.pipeline.records import load_entities
from lodpub.settings import load_settings
from support.wikidata import stand_in_api

RESPONSES = Path(__file__).parent / "fixtures" / "wikidata" / "verify-responses.json"


def _linked(entity_id: str, label: str, kind: str, qid: str) -> str:
    return (f"- id: {entity_id}\n  label: {label}\n  type: [{kind}]\n"
            f"  wikidata: {{status: linked, qid: {qid}, evidence: "
            f"[{{source: 'https://example.org/{qid}', label: {label}}}]}}\n")


ENTITIES = "".join([
    _linked("iraq", "Iraq", "State", "Q900000301"),
    _linked("pmf", "Popular Mobilization Forces", "ArmedGroup", "Q900000302"),
    _linked("kataib-hezbollah", "Kataib Hezbollah", "ArmedGroup", "Q900000303"),
    _linked("gone", "Some Gone Group", "ArmedGroup", "Q900000305"),
    _linked("baghdad", "Baghdad", "State", "Q900000306"),
    "- id: unlinked\n  label: Unlinked\n  type: [ArmedGroup]\n"
    "  wikidata: {status: none, reason: not an item}\n",
])
ONTOLOGY = """\
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
lpo:Place skos:closeMatch wd:Q900000110 .
lpo:State rdfs:subClassOf lpo:Place .
lpo:ArmedGroup skos:closeMatch wd:Q900000120 .
"""
LINKS_FILE = "# Wikidata links, curated by hand.\niraq:  # confirmed twice\n" + (
    "  status: linked\n  qid: Q900000301\n  evidence: [{source: 'https://example.org/Q900000301',"
    " label: Iraq}]\n")


@pytest.fixture
def project(tmp_path: Path):
    """Five linked entities (one of each outcome) and one without an item."""
    (tmp_path / "data" / "entities").mkdir(parents=True)
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data" / "entities" / "things.yaml").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "data" / "wikidata.yaml").write_text(LINKS_FILE, encoding="utf-8")
    (tmp_path / "ontology" / "classes.ttl").write_text(ONTOLOGY, encoding="utf-8")
    return load_settings(tmp_path)


def _outcomes(project) -> dict[str, str]:
    links = yaml.safe_load((project.data_dir / "wikidata.yaml").read_text(encoding="utf-8"))
    return {k: v["verified"]["outcome"] for k, v in links.items() if "verified" in v}


def test_link_verify_finds_each_kind_of_problem_from_recorded_answers(project):
    result = verify(project, offline_file=RESPONSES)
    assert result.date == "2026-12-05"  # when the answers were recorded
    outcomes = _outcomes(project)
    assert outcomes["iraq"] == "ok"  # through lpo:State ⊑ lpo:Place ~ Q900000110
    assert outcomes["pmf"] == "label differs: the item is labelled 'Somewhere else entirely'"
    assert outcomes["kataib-hezbollah"].startswith("redirected to Q900000304")
    assert outcomes["gone"] == "deleted: Wikidata has no such item"
    assert outcomes["baghdad"].startswith("class differs: instance of Q900000999")
    assert "unlinked" not in outcomes and len(result.problems) == 4


def test_link_verify_keeps_the_links_file_and_records_the_date(project):
    verify(project, offline_file=RESPONSES)
    text = (project.data_dir / "wikidata.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Wikidata links, curated by hand.\n")
    iraq = yaml.safe_load(text)["iraq"]
    assert iraq["qid"] == "Q900000301" and iraq["evidence"]  # the link itself is unchanged
    assert iraq["verified"]["date"] == "2026-12-05"
    assert iraq["verified"]["source"].startswith("https://www.wikidata.org/w/api.php?")


def test_link_verify_publishes_the_date_or_the_problem(project):
    verify(project, offline_file=RESPONSES)
    graph = links_graph(load_entities(project.data_dir))
    assert graph.value(ID.iraq, LPO.verifiedOn).datatype == XSD.date
    assert graph.value(ID.pmf, LPO.verifiedOn) is None
    assert "label differs" in str(graph.value(ID.pmf, LPO.verificationProblem))


def test_link_verify_online_against_a_stand_in_matches_offline(project, tmp_path):
    offline = verify(project, offline_file=RESPONSES)
    with stand_in_api(RESPONSES) as url:
        result = CliRunner().invoke(main, ["--project", str(project.project_dir),
                                           "link", "--verify", "--api", url])
    assert result.exit_code == 1, result.output  # problems found: a person decides
    assert "iraq -> Q900000301: ok" in result.output
    assert "4 with a problem" in result.output
    online = _outcomes(project)
    assert online == {c.entity: c.outcome for c in offline.checks}
