"""Competency queries (tests/competency/*.rq) against the real release, over every store.

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


@pytest.fixture
def real_store(each_real_app):
    """The store of the real release's app over each store in turn (conftest's ``STORES``)."""
    return each_real_app.extensions["lodpub"].store


def _rows(store, query: str) -> list[list[str]]:
    body = store.execute(store.prepare(query), Format.CSV).read().decode("utf-8")
    return _normal(list(csv.reader(io.StringIO(body))))


# Where an engine answers otherwise than SPARQL 1.1 says, what it gives instead, by query and
# column: the test then expects exactly that deviation (docs/deploying.md lists them).
DEVIATIONS = {
    # Virtuoso 7.2: the value of EXISTS in an expression (BIND) is 1 or 0 as xsd:integer,
    # not true or false as xsd:boolean (FILTER EXISTS is right); the order is the same
    ("virtuoso", "armed-groups-and-the-pmf"): ("insidePmf", {"true": "1", "false": "0"}),
}
# Queries an engine cannot answer at all: not sent to it (it would stop answering everyone)
FAILURES = {
    # Virtuoso 7.2 (07.20.3229) stops answering every client until MaxQueryExecutionTime on
    # BIND(IF(EXISTS { … }, …)); its `timeout` parameter does not stop it (docs/deploying.md)
    ("virtuoso", "dated-events"): "Virtuoso 7.2 hangs on BIND(IF(EXISTS {…}, …))",
}


def _as_the_engine_deviates(store: str, name: str, rows: list[list[str]]) -> list[list[str]]:
    if (store, name) not in DEVIATIONS:
        return rows
    column, values = DEVIATIONS[(store, name)]
    index = rows[0].index(column)
    return [rows[0]] + [[values.get(c, c) if i == index else c for i, c in enumerate(row)]
                        for row in rows[1:]]


@pytest.mark.parametrize("path", FROZEN, ids=[p.stem for p in FROZEN])
def test_competency_query_gives_the_expected_answer(request, real_store, path):
    store = request.node.callspec.params["each_real_app"]
    if (store, path.stem) in FAILURES:
        pytest.xfail(FAILURES[(store, path.stem)])
    expected = _normal(list(csv.reader(io.StringIO(
        path.with_suffix(".expected.csv").read_text(encoding="utf-8")))))
    expected = _as_the_engine_deviates(store, path.stem, expected)
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
