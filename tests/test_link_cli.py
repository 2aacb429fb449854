"""`lodpub link`: proposals from recorded answers and from a stand-in API on 127.0.0.1; --apply.

The recorded answers (tests/fixtures/wikidata/link-responses.json) are built by hand in the shape
of Wikidata's wbsearchentities / wbgetentities answers; their Q9000000xx items are fictitious.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from lodpub.curate.proposals import LinkError, apply, propose
from lodpub.curate.review import ReviewError
from lodpub.namespaces import LPO, LPV, WD
from lodpub.pipeline.linkgraph import links_graph
from lodpub.pipeline.records import load_entities
from lodpub.settings import load_settings
from support.wikidata import stand_in_api as recorded_api_server

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
RESPONSES = FIXTURES / "link-responses.json"

ENTITIES = """\
- id: kataib-hezbollah
  label: Kataib Hezbollah
  aliases: ["Kata'ib Hizballah"]
  type: [ArmedGroup]
  description: Iraqi Shia armed group
  wikidata:
    status: unverified
    candidates: [{qid: Q900000003, label: "Kata'ib Sayyid al-Shuhada", source: hand-made}]
- id: popular-mobilization-forces
  label: Popular Mobilization Forces
  aliases: [PMF, Hashd al-Shaabi]
  type: [ArmedGroup]
  wikidata: {status: none, reason: not checked yet}
- id: iraq
  label: Iraq
  type: [Country]
  wikidata:
    status: linked
    qid: Q900000200
    evidence: [{source: hand-made, label: Iraq}]
"""
ONTOLOGY = """\
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
lpo:ArmedGroup skos:closeMatch wd:Q900000100 .
"""
LINKS_FILE = """\
# Wikidata links, curated by the identity researcher.
iraq:  # confirmed twice
  status: linked
  qid: Q900000200
  evidence: [{source: hand-made, label: Iraq}]

# next entry kept as written
popular-mobilization-forces: {status: none, reason: not checked yet}
"""


@pytest.fixture
def project(tmp_path: Path):
    """A small project: three entity records, one class match, a wikidata.yaml with comments."""
    (tmp_path / "data" / "entities").mkdir(parents=True)
    (tmp_path / "ontology").mkdir()
    (tmp_path / "data" / "entities" / "groups.yaml").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "data" / "wikidata.yaml").write_text(LINKS_FILE, encoding="utf-8")
    (tmp_path / "ontology" / "classes.ttl").write_text(ONTOLOGY, encoding="utf-8")
    return load_settings(tmp_path)


@pytest.fixture
def stand_in_api() -> Iterator[str]:
    """A stand-in for Wikidata's api.php on 127.0.0.1, on a free port."""
    with recorded_api_server(RESPONSES) as url:
        yield url


def _review(path: Path) -> dict:
    return {e["id"]: e for e in yaml.safe_load(path.read_text(encoding="utf-8"))["entities"]}


def test_link_propose_only_unverified_by_default(project, tmp_path):
    out = tmp_path / "review.yaml"
    result = propose(project, offline_file=RESPONSES, out=out)
    assert set(_review(out)) == {"kataib-hezbollah"}  # PMF is recorded as having no item
    assert result.entities == 1


def test_link_propose_offline_ranks_the_right_item_first(project, tmp_path):
    out = tmp_path / "review.yaml"
    result = propose(project, offline_file=RESPONSES, out=out, include_none=True)
    review = _review(out)
    assert set(review) == {"kataib-hezbollah", "popular-mobilization-forces"}  # iraq is linked
    assert result.entities == 2 and result.record_file is None
    kh = [c["qid"] for c in review["kataib-hezbollah"]["candidates"]]
    assert kh[0] == "Q900000001"
    assert "Q900000003" in kh  # the candidate already recorded is kept for review
    pmf = review["popular-mobilization-forces"]["candidates"]
    assert pmf[0]["qid"] == "Q900000010"
    assert pmf[0]["score"] > pmf[1]["score"]


def test_link_propose_never_accepts(project, tmp_path):
    out = tmp_path / "review.yaml"
    propose(project, offline_file=RESPONSES, out=out, include_none=True)
    decisions = {c["decision"] for e in _review(out).values() for c in e["candidates"]}
    assert decisions == {"undecided"}
    assert (project.data_dir / "wikidata.yaml").read_text(encoding="utf-8") == LINKS_FILE


def test_link_propose_online_matches_offline_and_records(project, tmp_path, stand_in_api):
    offline, online = tmp_path / "offline.yaml", tmp_path / "online.yaml"
    propose(project, offline_file=RESPONSES, out=offline, include_none=True)
    result = propose(project, api_url=stand_in_api, out=online, include_none=True)
    strip = lambda e: [(c["qid"], c["score"], c["label"]) for c in e["candidates"]]  # noqa: E731
    assert {k: strip(v) for k, v in _review(online).items()} == {
        k: strip(v) for k, v in _review(offline).items()
    }
    assert result.record_file is not None and result.record_file.is_file()
    replay = tmp_path / "replay.yaml"
    propose(project, offline_file=result.record_file, out=replay, include_none=True)
    assert {k: strip(v) for k, v in _review(replay).items()} == {
        k: strip(v) for k, v in _review(online).items()
    }


def _partial(tmp_path: Path, keep) -> Path:
    """A copy of the recorded responses with only the exchanges ``keep`` accepts."""
    partial = json.loads(RESPONSES.read_text(encoding="utf-8"))
    partial["exchanges"] = [x for x in partial["exchanges"] if keep(x["params"])]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(partial), encoding="utf-8")
    return path


def test_link_propose_offline_reports_missing_answer(project, tmp_path):
    path = _partial(tmp_path, lambda p: p.get("search") != "Kataib Hezbollah")
    out = tmp_path / "review.yaml"
    result = propose(project, offline_file=path, out=out, include_none=True)
    review = _review(out)
    assert review["kataib-hezbollah"]["unanswered"] == [
        {"search": "Kataib Hezbollah", "outcome": "no recorded response for this search"}]
    # the alias search was recorded: its hit is still proposed, found in a recorded
    # wbgetentities answer whose request is the item's evidence
    kh = {c["qid"]: c for c in review["kataib-hezbollah"]["candidates"]}
    assert "Q900000001" in kh and "Q900000002" not in kh  # Q…02 only came from the lost search
    assert "ids=Q900000001%7C" in kh["Q900000001"]["source"]
    assert "unanswered" not in review["popular-mobilization-forces"]
    assert result.unanswered == {"kataib-hezbollah": ["search 'Kataib Hezbollah'"]}
    assert "1 entity had no recorded response" in str(result)


def test_link_propose_offline_reports_items_never_recorded(project, tmp_path):
    path = _partial(tmp_path, lambda p: p["action"] == "wbsearchentities")
    out = tmp_path / "review.yaml"
    result = propose(project, offline_file=path, out=out)
    entry = _review(out)["kataib-hezbollah"]
    assert entry["candidates"] == []
    assert {x["item"] for x in entry["unanswered"]} == {"Q900000001", "Q900000002", "Q900000003"}
    assert {x["outcome"] for x in entry["unanswered"]} == {"no recorded response for this item"}
    assert result.entities == 1 and result.candidates == 0


def test_link_cli_offline_goes_on_past_missing_answers(project, tmp_path):
    from click.testing import CliRunner

    from lodpub.cli import main

    path = _partial(tmp_path, lambda p: "PMF" not in p.get("search", "")
                    and "Kataib" not in p.get("search", ""))
    out = tmp_path / "review.yaml"
    result = CliRunner().invoke(main, ["--project", str(project.project_dir), "link",
                                       "--offline", str(path), "--out", str(out),
                                       "--include-none"])
    assert result.exit_code == 0, result.output
    assert "2 entities had no recorded response" in result.output
    assert "kataib-hezbollah: search 'Kataib Hezbollah'" in result.output
    assert "popular-mobilization-forces: search 'PMF'" in result.output
    review = _review(out)
    assert set(review) == {"kataib-hezbollah", "popular-mobilization-forces"}
    pmf = [c["qid"] for c in review["popular-mobilization-forces"]["candidates"]]
    assert pmf[0] == "Q900000010"  # the recorded searches still rank the right item first
    decisions = {c["decision"] for e in review.values() for c in e["candidates"]}
    assert decisions == {"undecided"}
    assert (project.data_dir / "wikidata.yaml").read_text(encoding="utf-8") == LINKS_FILE


def _decide(path: Path, decisions: dict[tuple[str, str], str], reviewer: str = "A. Reviewer"):
    review = yaml.safe_load(path.read_text(encoding="utf-8"))
    review["reviewer"] = reviewer
    for entry in review["entities"]:
        for candidate in entry["candidates"]:
            candidate["decision"] = decisions.get((entry["id"], candidate["qid"]), "reject")
    path.write_text(yaml.safe_dump(review, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_link_apply_records_accepted_with_evidence(project, tmp_path):
    out = tmp_path / "review.yaml"
    propose(project, offline_file=RESPONSES, out=out, include_none=True)
    _decide(out, {("kataib-hezbollah", "Q900000001"): "accept"})
    result = apply(project, out)
    assert result.linked == {"kataib-hezbollah": "Q900000001"}
    assert "popular-mobilization-forces" in result.unchanged
    entities = {e.id: e for e in load_entities(project.data_dir)}
    block = entities["kataib-hezbollah"].wikidata
    assert block["status"] == "linked" and block["qid"] == "Q900000001"
    (evidence,) = block["evidence"]
    assert evidence["label"] == "Kata'ib Hezbollah"
    assert evidence["retrieved"] == "2026-11-20"
    assert "action=wbgetentities" in evidence["source"] and "Q900000001" in evidence["source"]
    assert "A. Reviewer" in evidence["note"]
    assert entities["popular-mobilization-forces"].wikidata["status"] == "none"
    text = (project.data_dir / "wikidata.yaml").read_text(encoding="utf-8")
    assert "# Wikidata links, curated by the identity researcher." in text
    assert "# next entry kept as written" in text and "iraq:  # confirmed twice" in text
    graph = links_graph(list(entities.values()))
    kh = entities["kataib-hezbollah"].iri
    assert graph.value(kh, LPO.linkStatus) == LPV["linked"]
    assert graph.value(kh, LPO.wikidataItem) == WD["Q900000001"]


def test_link_apply_refuses_two_accepted_candidates(project, tmp_path):
    out = tmp_path / "review.yaml"
    propose(project, offline_file=RESPONSES, out=out)
    _decide(out, {("kataib-hezbollah", "Q900000001"): "accept",
                  ("kataib-hezbollah", "Q900000002"): "accept"})
    with pytest.raises(LinkError, match="kataib-hezbollah.*2 accepted"):
        apply(project, out)
    assert (project.data_dir / "wikidata.yaml").read_text(encoding="utf-8") == LINKS_FILE


def test_link_apply_requires_reviewer_and_decisions(project, tmp_path):
    out = tmp_path / "review.yaml"
    propose(project, offline_file=RESPONSES, out=out)
    _decide(out, {("kataib-hezbollah", "Q900000001"): "accept"}, reviewer="")
    with pytest.raises(ReviewError, match="reviewer"):
        apply(project, out)
    review = yaml.safe_load(out.read_text(encoding="utf-8"))
    review["reviewer"] = "A. Reviewer"
    review["entities"][0]["candidates"][0]["decision"] = "maybe"
    out.write_text(yaml.safe_dump(review), encoding="utf-8")
    with pytest.raises(ReviewError, match="decision must be one of accept, reject, undecided"):
        apply(project, out)


def test_link_apply_refuses_relinking_a_linked_entity(project, tmp_path):
    review = {"api": "x", "retrieved": "2026-11-20", "reviewer": "A. Reviewer", "entities": [
        {"id": "iraq", "candidates": [{"qid": "Q900000001", "label": "Iraq", "source": "x",
                                       "decision": "accept"}]}]}
    path = tmp_path / "review.yaml"
    path.write_text(yaml.safe_dump(review), encoding="utf-8")
    with pytest.raises(LinkError, match="already linked to Q900000200"):
        apply(project, path)


def test_link_cli_propose_and_apply(project, tmp_path):
    from click.testing import CliRunner

    from lodpub.cli import main

    out = tmp_path / "review.yaml"
    runner = CliRunner()
    result = runner.invoke(main, ["--project", str(project.project_dir), "link",
                                  "--offline", str(RESPONSES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "for 1 entity" in result.output and "lodpub link --apply" in result.output
    _decide(out, {("kataib-hezbollah", "Q900000001"): "accept"})
    result = runner.invoke(main, ["--project", str(project.project_dir), "link",
                                  "--apply", str(out)])
    assert result.exit_code == 0, result.output
    assert "linked kataib-hezbollah -> Q900000001" in result.output
    entities = {e.id: e for e in load_entities(project.data_dir)}
    assert entities["kataib-hezbollah"].wikidata["qid"] == "Q900000001"
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities: [{id: iraq, candidates: [{qid: Q1}]}]\n", encoding="utf-8")
    result = runner.invoke(main, ["--project", str(project.project_dir), "link",
                                  "--apply", str(bad)])
    assert result.exit_code == 2 and "each candidate needs qid, label, source" in result.output


def test_link_apply_creates_the_links_file_when_absent(project, tmp_path):
    (project.data_dir / "wikidata.yaml").unlink()
    out = tmp_path / "review.yaml"
    propose(project, offline_file=RESPONSES, out=out)
    _decide(out, {("kataib-hezbollah", "Q900000001"): "accept"})
    apply(project, out)
    written = yaml.safe_load((project.data_dir / "wikidata.yaml").read_text(encoding="utf-8"))
    assert list(written) == ["kataib-hezbollah"]
    assert written["kataib-hezbollah"]["qid"] == "Q900000001"


def test_link_apply_keeps_evidence_of_the_same_item(project, tmp_path):
    review = {"api": "x", "retrieved": "2026-11-21", "reviewer": "A. Reviewer", "entities": [
        {"id": "iraq", "candidates": [{"qid": "Q900000200", "label": "Iraq",
                                       "source": "https://example.org/api?ids=Q900000200",
                                       "decision": "accept"}]}]}
    path = tmp_path / "review.yaml"
    path.write_text(yaml.safe_dump(review), encoding="utf-8")
    apply(project, path)
    block = {e.id: e for e in load_entities(project.data_dir)}["iraq"].wikidata
    assert [e["source"] for e in block["evidence"]] == [
        "hand-made", "https://example.org/api?ids=Q900000200"]
    assert block["evidence"][1]["retrieved"] == "2026-11-21"


def test_link_propose_offline_on_the_real_project_lists_what_was_not_recorded(tmp_path):
    settings = load_settings(Path(__file__).parent.parent)
    links_before = (settings.data_dir / "wikidata.yaml").read_bytes()
    out = tmp_path / "review.yaml"
    result = propose(settings, offline_file=RESPONSES, out=out)
    review = _review(out)
    unverified = {e.id for e in load_entities(settings.data_dir)
                  if e.wikidata.get("status") == "unverified"}
    assert set(review) == unverified and result.entities == len(unverified)
    assert review["maximum-pressure-campaign"]["unanswered"][0] == {
        "search": "maximum pressure campaign", "outcome": "no recorded response for this search"}
    assert "maximum-pressure-campaign" in result.unanswered
    assert f"{len(result.unanswered)} entities had no recorded response" in str(result)
    assert {c["decision"] for e in review.values() for c in e["candidates"]} <= {"undecided"}
    assert (settings.data_dir / "wikidata.yaml").read_bytes() == links_before
