"""Competency queries (tests/competency/*.rq) against the real release.

Each query has its expected answer beside it (``<name>.expected.csv``, SPARQL CSV as the
endpoint returns it), checked by hand against the document. The Wikidata link-status query is
checked against the entity records instead, since links are added as they are confirmed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lodpub.formats import Format
from lodpub.namespaces import ID
from lodpub.pipeline.records import load_entities

HERE = Path(__file__).parent / "competency"
FROZEN = sorted(p for p in HERE.glob("*.rq") if p.with_suffix(".expected.csv").is_file())


GROUP_SEPARATOR = " & "  # the GROUP_CONCAT separator of the queries; SPARQL leaves its order open


def _normal(rows: list[list[str]]) -> list[list[str]]:
    return [[GROUP_SEPARATOR.join(sorted(cell.split(GROUP_SEPARATOR))) for cell in row]
            for row in rows]


def _rows(store, query: str) -> list[list[str]]:
    body = store.execute(store.prepare(query), Format.CSV).read().decode("utf-8")
    return _normal(list(csv.reader(io.StringIO(body))))


@pytest.mark.parametrize("path", FROZEN, ids=[p.stem for p in FROZEN])
def test_competency_query_gives_the_expected_answer(real_store, path):
    expected = _normal(list(csv.reader(io.StringIO(
        path.with_suffix(".expected.csv").read_text(encoding="utf-8")))))
    actual = _rows(real_store, path.read_text(encoding="utf-8"))
    assert actual[0] == expected[0]  # the header: same variables
    if "ORDER BY" in path.read_text(encoding="utf-8"):
        assert actual[1:] == expected[1:]
    else:
        assert sorted(actual[1:]) == sorted(expected[1:])


def test_competency_every_query_has_an_answer_check():
    checked = {p.name for p in FROZEN} | {"wikidata-link-status.rq"}
    assert {p.name for p in HERE.glob("*.rq")} == checked


def test_competency_wikidata_status_matches_the_entity_records(real_store, release_settings):
    rows = _rows(real_store, (HERE / "wikidata-link-status.rq").read_text(encoding="utf-8"))
    header, body = rows[0], rows[1:]
    got = {row[header.index("entity")]: (row[header.index("status")], row[header.index("item")])
           for row in body}
    labels = {"linked": "linked", "unverified": "unverified", "none": "no Wikidata item"}
    for entity in load_entities(release_settings.data_dir):
        status, item = got[str(ID[entity.id])]
        assert status == labels[entity.wikidata["status"]], entity.id
        if entity.wikidata["status"] == "linked":
            assert item == f"http://www.wikidata.org/entity/{entity.wikidata['qid']}"
        else:
            assert item == "", entity.id
