"""The compiler: records in, triples out; every error names the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from lodpub.errors import QuoteError, RecordError
from lodpub.namespaces import CLAIM, GRAPH_CLAIMS, GRAPH_FACTS, ID, LPO, LPV, OA, RDF, XSD
from lodpub.pipeline.compile import compile_dataset, literal
from lodpub.pipeline.records import Entity, Record
from lodpub.pipeline.sources import Source, split_sentences

ONTOLOGY = """
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
lpo:State a owl:Class . lpo:Event a owl:Class . lpo:Agent a owl:Class .
lpo:memberOf a owl:ObjectProperty . lpo:date a owl:DatatypeProperty .
"""
TEXT = "Alpha joined Beta in 2021.\n\nAlpha will likely leave Beta.\n\nAlpha joined Beta in 2021."


def _source() -> Source:
    return Source("doc", Path("doc.txt"), TEXT, {}, split_sentences(TEXT))


def _entity(entity_id: str, kind: str = "State") -> Entity:
    return Entity(entity_id, entity_id.title(), (), (kind,), None, {"status": "none"},
                  Path("e.yaml"), 1)


def _record(record_id: str, quote: str, kind: str, statements, occurrence=None) -> Record:
    return Record(record_id, "doc", quote, kind, ("author",), tuple(statements),
                  occurrence=occurrence, file=Path("r.yaml"), line=3)


# The sentence that names Alpha and Beta as states: every type in graph:facts needs one.
TYPES = _record("types", "Alpha joined Beta in 2021.", "fact",
                [["alpha", "a", "State"], ["beta", "a", "State"]], occurrence=2)


def _compile(records, *, typed=True):
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    entities = [_entity("alpha"), _entity("beta"), _entity("author", "Agent")]
    return compile_dataset(ontology, entities, [*records, *([TYPES] if typed else [])],
                           {"doc": _source()}, [])


def test_literal_keeps_date_precision():
    assert literal({"date": "2021"}, "x").datatype == XSD.gYear
    assert literal({"date": "2021-12"}, "x").datatype == XSD.gYearMonth
    assert literal({"date": "2025-01-08"}, "x").datatype == XSD.date
    assert literal({"text": "hi"}, "x") == Literal("hi", lang="en")
    with pytest.raises(RecordError, match="not YYYY"):
        literal({"date": "January 2021"}, "x")


def test_compile_projects_only_facts():
    records = [
        _record("joined", "Alpha joined Beta in 2021.", "fact",
                [["alpha", "memberOf", "beta"]], occurrence=1),
        _record("leave", "Alpha will likely leave Beta.", "forecast",
                [["beta", "memberOf", "alpha"]]),
    ]
    graphs = _compile(records).graphs
    facts, claims = graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS]
    assert (ID.alpha, LPO.memberOf, ID.beta) in facts
    assert (ID.beta, LPO.memberOf, ID.alpha) not in facts
    assert (CLAIM.leave, LPO.modality, LPV.forecast) in claims
    statement = claims.value(CLAIM.leave, LPO.statement)
    assert claims.value(statement, RDF.subject) == ID.beta
    assert (CLAIM.joined, LPO.sentence, None) in claims


def test_compile_anchor_offsets_point_at_the_quote():
    records = [_record("leave", "will likely leave", "forecast", [])]
    claims = _compile(records).graphs[GRAPH_CLAIMS]
    target = claims.value(CLAIM.leave, LPO.anchor)
    selectors = list(claims.objects(target, OA.hasSelector))
    position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in claims)
    start = int(claims.value(position, OA.start))
    end = int(claims.value(position, OA.end))
    assert TEXT[start:end] == "will likely leave"


def test_compile_rejects_quote_not_in_source():
    records = [_record("bad", "Alpha joined Gamma", "fact", [])]
    with pytest.raises(QuoteError, match=r"record 'bad'.*not in doc.txt verbatim"):
        _compile(records)


def test_compile_rejects_ambiguous_quote_without_occurrence():
    records = [_record("twice", "Alpha joined Beta in 2021.", "fact", [])]
    with pytest.raises(QuoteError, match="occurs 2 times"):
        _compile(records)


def test_compile_rejects_unknown_entity_and_term():
    with pytest.raises(RecordError, match="'gamma' is not an entity id"):
        _compile([_record("e", "will likely leave", "fact", [["alpha", "memberOf", "gamma"]])])
    with pytest.raises(RecordError, match="'memberof'.*not defined in ontology"):
        _compile([_record("t", "will likely leave", "fact", [["alpha", "memberof", "beta"]])])


def test_compile_attributes_a_claim_to_every_agent_of_by():
    record = Record("joint", "doc", "Alpha will likely leave Beta.", "forecast",
                    ("alpha", "beta"), (), file=Path("r.yaml"), line=3)
    claims = _compile([record]).graphs[GRAPH_CLAIMS]
    assert set(claims.objects(CLAIM.joint, LPO.assertedBy)) == {ID.alpha, ID.beta}


def test_compile_needs_by_when_the_document_names_no_author():
    record = Record("orphan", "doc", "Alpha will likely leave Beta.", "forecast", (), (),
                    file=Path("r.yaml"), line=3)
    with pytest.raises(RecordError, match=r"record 'orphan'.*say who asserts it.*names no "
                                          r"`author:`"):
        _compile([record])


def test_records_take_their_source_from_their_folder(tmp_path):
    from lodpub.pipeline.records import load_not_encoded, load_records

    folder = tmp_path / "sources" / "doc"
    folder.mkdir(parents=True)
    (folder / "text.txt").write_text("One.\n", encoding="utf-8")
    (folder / "source.yaml").write_text("title: Doc\n", encoding="utf-8")
    (folder / "records.yaml").write_text(
        "- id: one\n  quote: One.\n  kind: fact\n  by: [alpha, beta]\n", encoding="utf-8")
    (folder / "not-encoded.yaml").write_text("[]\n", encoding="utf-8")
    (record,) = load_records(tmp_path)
    assert (record.source, record.by) == ("doc", ("alpha", "beta"))
    assert load_not_encoded(tmp_path) == []
    (folder / "records.yaml").write_text(
        "- id: one\n  source: other\n  quote: One.\n  kind: fact\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"records\.yaml:1 \(record 'one'\): remove `source:`"):
        load_records(tmp_path)


def test_compile_needs_a_sentence_for_every_type_of_a_fact():
    record = _record("joined", "Alpha joined Beta in 2021.", "fact",
                     [["alpha", "memberOf", "beta"]], occurrence=1)
    with pytest.raises(RecordError, match=r"e\.yaml:1 \(entity 'alpha'\): its type State is "
                                          r"stated by no fact record.*\[alpha, a, State\]"):
        _compile([record], typed=False)


def test_compile_keeps_a_disputed_statement_out_of_the_facts():
    from lodpub.pipeline.disagreements import Disagreement, Position

    first = _record("first", "Alpha joined Beta in 2021.", "fact",
                    [["alpha", "memberOf", "beta"], ["alpha", "date", {"date": "2021"}]],
                    occurrence=1)
    second = _record("second", "Alpha will likely leave Beta.", "fact",
                     [["alpha", "date", {"date": "2022"}]])
    dispute = Disagreement("when", "When did Alpha join?",
                           (Position("first", ("date",)), Position("second", ("date",))),
                           about=("beta",))
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    entities = [_entity("alpha"), _entity("beta"), _entity("author", "Agent")]
    graphs = compile_dataset(ontology, entities, [first, second, TYPES], {"doc": _source()},
                             [], [dispute]).graphs
    facts, claims = graphs[GRAPH_FACTS], graphs[GRAPH_CLAIMS]
    assert (ID.alpha, LPO.memberOf, ID.beta) in facts  # what is not disputed stays a fact
    assert (ID.alpha, LPO.date, None) not in facts  # neither source's date
    node = CLAIM.when
    assert (node, RDF.type, LPO.Disagreement) in claims
    assert set(claims.objects(node, LPO.position)) == {CLAIM.first, CLAIM.second}
    assert set(claims.objects(node, LPO.disputedStatement)) == {
        URIRef(f"{CLAIM.first}#s2"), URIRef(f"{CLAIM.second}#s1")}
    assert {ID.alpha, ID.beta} <= set(claims.objects(node, LPO.about))


def test_compile_rejects_a_disagreement_on_what_a_claim_does_not_state():
    from lodpub.pipeline.disagreements import Disagreement, Position

    record = _record("first", "Alpha joined Beta in 2021.", "fact",
                     [["alpha", "memberOf", "beta"]], occurrence=1)
    bad = Disagreement("x", "?", (Position("first", ("date",)), Position("nothing", ())),
                       where="d.yaml:1 (disagreement 'x')")
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    entities = [_entity("alpha"), _entity("beta"), _entity("author", "Agent")]
    with pytest.raises(RecordError, match=r"d\.yaml:1 \(disagreement 'x'\): record 'first' "
                                          r"states nothing with date"):
        compile_dataset(ontology, entities, [record, TYPES], {"doc": _source()}, [], [bad])
