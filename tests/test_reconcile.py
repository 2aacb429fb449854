"""/reconcile: W3C Entity Reconciliation API 0.2 over the real release's entities.

Answers are checked against JSON schemas written from the 0.2 specification
(tests/fixtures/wikidata/reconciliation-schemas/), and a spreadsheet of names as OpenRefine
would send them (tests/fixtures/wikidata/openrefine-names.csv) must find the right entity first.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lodpub.curate.names import acronym, name_score, normalise, skeleton
from lodpub.namespaces import GRAPH_FACTS, ID, LPO, OWL, RDFS, WD

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
SCHEMAS = FIXTURES / "reconciliation-schemas"
NAMES = FIXTURES / "openrefine-names.csv"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _valid(name: str, document) -> None:
    errors = sorted(_validator(name).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def _reconcile(real_client, batch: dict) -> dict:
    _valid("reconciliation-query-batch", batch)
    response = real_client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    _valid("reconciliation-result-batch", answer)
    assert set(answer) == set(batch)
    return answer


def _rows() -> list[dict[str, str]]:
    with NAMES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_reconcile_manifest_conforms(real_client):
    response = real_client.get("/reconcile")
    assert response.status_code == 200
    manifest = response.get_json()
    _valid("manifest", manifest)
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == str(ID)
    assert manifest["schemaSpace"] == str(LPO)
    assert manifest["view"]["url"].endswith("/id/{{id}}")
    assert manifest["defaultTypes"]
    assert manifest["extend"]["propose_properties"]["service_path"] == "/reconcile/properties"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_reconcile_spreadsheet_finds_right_entity_first(real_client):
    rows = _rows()
    failures = []
    for start in range(0, len(rows), 10):  # OpenRefine sends batches of 10 by default
        chunk = rows[start:start + 10]
        batch = {}
        for number, row in enumerate(chunk, start=start):
            query = {"query": row["name"], "limit": 3, "type_strict": "should"}
            if row["type"]:
                query["type"] = row["type"]
            batch[f"q{number}"] = query
        answer = _reconcile(real_client, batch)
        for number, row in enumerate(chunk, start=start):
            result = answer[f"q{number}"]["result"]
            if row["expected"]:
                first = result[0]["id"] if result else None
                if first != row["expected"]:
                    failures.append((row["name"], row["expected"], [c["id"] for c in result]))
            elif any(c["match"] for c in result):
                failures.append((row["name"], "no sure match", [c["id"] for c in result]))
    assert not failures


def test_reconcile_candidates_carry_iri_types_and_wikidata(real_app, real_client):
    answer = _reconcile(real_client, {"q0": {"query": "Kataib Hezbollah"}})
    first = answer["q0"]["result"][0]
    assert first["uri"] == f"{ID}{first['id']}"
    assert {"id": "ArmedGroup"}.items() <= first["type"][0].items()
    assert first["match"] is True and first["score"] >= 95
    linked = _linked_entities(real_app)
    if first["uri"] in linked:
        assert first["wikidata"] == linked[first["uri"]]


def _linked_entities(real_app) -> dict[str, str]:
    rows = real_app.extensions["lodpub"].store.select(
        f"SELECT ?e ?item WHERE {{ GRAPH <{GRAPH_FACTS}> {{ ?e <{OWL.sameAs}> ?item }} }}")
    return {str(r["e"]): str(r["item"])[len(str(WD)):] for r in rows
            if str(r["item"]).startswith(str(WD))}


def test_reconcile_by_wikidata_id_property(real_app, real_client):
    linked = _linked_entities(real_app)
    assert linked, "the release links no entity to Wikidata"
    iri, qid = sorted(linked.items())[0]
    answer = _reconcile(real_client, {"q0": {"properties": [{"pid": "wikidata", "v": qid}]},
                                 "q1": {"query": qid}, "q2": {"query": iri}})
    for key in ("q0", "q1", "q2"):  # by property, by QID as query, by lodpub IRI as query
        first = answer[key]["result"][0]
        assert f"{ID}{first['id']}" == iri and first["score"] == 100 and first["wikidata"] == qid


def test_reconcile_type_constraint_excludes_other_types(real_client):
    answer = _reconcile(real_client, {"q0": {"query": "Iraq", "type": "Person"},
                                 "q1": {"query": "Iraq", "type": ["State", "City"]}})
    assert "iraq" not in [c["id"] for c in answer["q0"]["result"]]
    assert answer["q1"]["result"][0]["id"] == "iraq"


def test_reconcile_property_constraint_scores_values(real_app, real_client):
    rows = real_app.extensions["lodpub"].store.select(f"""
        SELECT ?e ?label ?p ?o WHERE {{ GRAPH <{GRAPH_FACTS}> {{
          ?e ?p ?o ; <{RDFS.label}> ?label . ?o <{RDFS.label}> ?olabel .
          FILTER(STRSTARTS(STR(?p), "{LPO}") && STRSTARTS(STR(?e), "{ID}")
                 && STRSTARTS(STR(?o), "{ID}"))
        }} }} ORDER BY ?e ?p ?o LIMIT 1""")
    assert rows, "the release has no fact linking two entities"
    entity, label = str(rows[0]["e"])[len(str(ID)):], str(rows[0]["label"])
    pid, value = str(rows[0]["p"])[len(str(LPO)):], str(rows[0]["o"])[len(str(ID)):]
    answer = _reconcile(real_client, {
        "right": {"query": label, "properties": [{"pid": pid, "v": {"id": value}}]},
        "wrong": {"query": label, "properties": [{"pid": pid, "v": "no such thing at all"}]},
        "only": {"properties": [{"pid": pid, "v": {"id": value, "name": "ignored"}}]},
    })
    right, wrong = answer["right"]["result"][0], answer["wrong"]["result"]
    assert right["id"] == entity and right["score"] >= 98
    assert all(c["score"] < right["score"] for c in wrong)
    assert entity in [c["id"] for c in answer["only"]["result"]]


def test_reconcile_get_with_jsonp(real_client):
    queries = json.dumps({"q0": {"query": "PMF"}})
    response = real_client.get("/reconcile", query_string={"queries": queries, "callback": "cb_1"})
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    body = response.get_data(as_text=True)
    assert body.startswith("/**/cb_1(") and body.endswith(");")
    answer = json.loads(body[len("/**/cb_1("):-2])
    _valid("reconciliation-result-batch", answer)
    assert answer["q0"]["result"][0]["id"] == "popular-mobilization-forces"


@pytest.mark.parametrize("queries, status", [
    ("not json", 400),
    (json.dumps(["a list"]), 400),
    (json.dumps({"q0": {"limit": 3}}), 400),
    (json.dumps({f"q{i}": {"query": "Iraq"} for i in range(51)}), 413),
])
def test_reconcile_rejects_bad_batches(real_client, queries, status):
    response = real_client.post("/reconcile", data={"queries": queries})
    assert response.status_code == status
    assert response.get_json()["error"]


def test_reconcile_rejects_bad_callback(real_client):
    response = real_client.get("/reconcile", query_string={"callback": "alert(1)//"})
    assert response.status_code == 400


def test_reconcile_suggest_services(real_client):
    entities = real_client.get("/reconcile/suggest/entity",
                               query_string={"prefix": "kata"}).get_json()
    _valid("suggest-entities-response", entities)
    assert "kataib-hezbollah" in [e["id"] for e in entities["result"]]
    types = real_client.get("/reconcile/suggest/type", query_string={"prefix": "armed"}).get_json()
    _valid("suggest-types-response", types)
    assert "ArmedGroup" in [t["id"] for t in types["result"]]
    props = real_client.get("/reconcile/suggest/property", query_string={"prefix": "member"})
    _valid("suggest-properties-response", props.get_json())
    assert "memberOf" in [p["id"] for p in props.get_json()["result"]]
    assert real_client.get("/reconcile/suggest/entity").status_code == 400


def test_reconcile_preview_is_html_and_escaped(real_client):
    response = real_client.get("/reconcile/preview", query_string={"id": "kataib-hezbollah"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Kata&#39;ib Hezbollah" in body and "<script" not in body
    missing = real_client.get("/reconcile/preview", query_string={"id": "no-such-entity"})
    assert missing.status_code == 404


def test_reconcile_data_extension_fetches_wikidata_ids_and_values(real_app, real_client):
    linked = _linked_entities(real_app)
    iri, qid = sorted(linked.items())[0]
    entity = iri[len(str(ID)):]
    proposal = real_client.get("/reconcile/properties", query_string={"type": "ArmedGroup"})
    _valid("property-proposal-response", proposal.get_json())
    proposed = [p["id"] for p in proposal.get_json()["properties"]]
    assert proposed[0] == "wikidata" and "memberOf" in proposed
    query = {"ids": [entity, "kataib-hezbollah", "no-such-entity"],
             "properties": [{"id": "wikidata"}, {"id": "memberOf"}]}
    _valid("data-extension-query", query)
    response = real_client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    _valid("data-extension-response", answer)
    assert [m["id"] for m in answer["meta"]] == ["wikidata", "memberOf"]
    assert answer["rows"][entity]["wikidata"] == [{"str": qid}]
    assert {"id": "islamic-resistance-in-iraq", "name": "Islamic Resistance in Iraq"} in (
        answer["rows"]["kataib-hezbollah"]["memberOf"])
    assert answer["rows"]["no-such-entity"] == {"wikidata": [], "memberOf": []}
    bad = real_client.post("/reconcile", data={"extend": json.dumps({"ids": ["iraq"]})})
    assert bad.status_code == 400


@pytest.mark.parametrize("variant, name", [
    ("Kata'ib Hizballah", "Kataib Hezbollah"),
    ("Kataʼib Ḥizbullah", "Kataib Hezbollah"),
    ("Hizbullah", "Hezbollah"),
    ("al-Sudani", "Sudani"),
])
def test_reconcile_names_transliterations_meet(variant, name):
    assert skeleton(variant) == skeleton(name)
    assert name_score(variant, name) >= 95


def test_reconcile_names_normalise_and_acronym():
    assert normalise("  Kata’ib  Ḥizballah! ") == "kataib hizballah"
    assert acronym("Popular Mobilization Forces") == "pmf"
    assert name_score("PMF", "Popular Mobilization Forces") > 90
    assert name_score("Iraq", "Iraq") == 100
    # a whole name beats a name that merely contains it
    assert name_score("Hezbollah", "Hezbollah") > name_score("Hezbollah", "Kataib Hezbollah")
    assert name_score("Iraq", "Iran") < 80


# ----------------------------------------------------------------------------- found by a QA review


def test_reconcile_preview_without_id_is_a_bad_request(real_client):
    response = real_client.get("/reconcile/preview")
    assert response.status_code == 400
    assert "id=" in response.get_json()["error"]


def test_reconcile_batch_names_the_query_that_is_not_an_object(real_client):
    batch = '{"q0": {"query": "Iraq"}, "q1": "Iran"}'
    response = real_client.post("/reconcile", data={"queries": batch})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "'q1'" in error and '"Iran"' in error


@pytest.mark.parametrize("batch,fragment", [
    ('{"q0": {"query": "Iraq", "limit": 1e999}}', "limit"),
    ('{"q0": {"query": "Iraq", "limit": NaN}}', "NaN"),
    ('{"q0": {"query": "Iraq", "limit": "abc"}}', "limit"),
    ('{"q0": {"query": "Iraq", "properties": [1]}}', "properties"),
    ('{"q0": {"query": "Iraq", "properties": "abc"}}', "properties"),
    ('{"q0": {"query": "Iraq", "type": 5}}', "type"),
    ('{"q0": {"query": 5}}', "query"),
    ('{"q0": ' * 5000 + "{}" + "}" * 5000, "nests too deeply"),
])
def test_reconcile_malformed_batch_is_a_400_naming_the_fault(real_client, batch, fragment):
    response = real_client.post("/reconcile", data={"queries": batch})
    assert response.status_code == 400, response.data[:200]
    assert fragment in response.get_json()["error"]


@pytest.mark.parametrize("extend", ['{"ids": [1], "properties": []}', '{"ids": "x"}',
                                    "[" * 5000 + "]" * 5000, '{"ids": [], "properties": [5]}'])
def test_reconcile_malformed_extension_is_a_400(real_client, extend):
    response = real_client.post("/reconcile", data={"extend": extend})
    assert response.status_code == 400
    assert "extend" in response.get_json()["error"]


@pytest.mark.parametrize("callback", ["x\n", "x\nalert(1)", "a b", "", "x" * 80])
def test_reconcile_callback_must_be_one_function_name(real_client, callback):
    response = real_client.get("/reconcile", query_string={"callback": callback})
    assert response.status_code == 400


@pytest.mark.parametrize("param,value", [("limit", "1e999"), ("limit", "9" * 40),
                                         ("cursor", "-1"), ("cursor", "²")])
def test_reconcile_numbers_in_the_url_are_checked(real_client, param, value):
    path = "/reconcile/properties" if param == "limit" else "/reconcile/suggest/entity"
    response = real_client.get(path, query_string={param: value, "prefix": "ira", "type": "State"})
    assert response.status_code == 400
    assert param in response.get_json()["error"]
