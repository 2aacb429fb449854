"""Tests of the SHACL shapes (shapes/*.ttl) and lodpub.pipeline.validate, with the real ontology.

tests/fixtures/shapes/valid.trig is a minimal dataset every shape family has something to check
in; it must conform. Each broken fixture in a sub-directory (one per shape family) changes it in
one way: graphs named graph:… are added, graphs named <urn:remove:…> are removed. Each must be
caught by exactly the expected shapes at the expected focus nodes, with the expected message.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH

from lodpub.errors import ConfigError
from lodpub.namespaces import GRAPH, GRAPH_CLAIMS, GRAPH_FACTS, GRAPH_LINKS, GRAPH_ONTOLOGY, LPO
from lodpub.pipeline.validate import REPORT_IRI, ValidationReport, load_shapes, validate
from lodpub.pipeline.validation_report import show
from lodpub.terms import from_oxigraph
from support import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
REMOVE = "urn:remove:"


class Expect(NamedTuple):
    """What a broken fixture must produce: {(shape, focus)}, a message fragment, conformance."""

    found: set[tuple[str, str]]
    message: str
    conforms: bool = False


EXPECTED: dict[str, Expect] = {
    "label/missing-label.trig": Expect(
        {("Entity-label-present", "id:sudani")}, "The entity has no label"),
    "label/claims-entity-without-label.trig": Expect(
        {("Entity-label-present", "id:renewed-campaign")}, "The entity has no label"),
    "label/two-labels.trig": Expect(
        {("Entity-label-single", "id:sudani"), ("Entity-label-english", "id:sudani")},
        "more than one label"),
    "label/not-english.trig": Expect(
        {("Entity-label-english", "id:iraq")}, "not a non-empty English (@en) text"),
    "type/missing-type.trig": Expect(
        # the author asserts both claims, and without a type it is no longer an agent
        {("Entity-type", "id:author"), ("ClaimAttributedToAgent", "claim:kh-in-pmf"),
         ("ClaimAttributedToAgent", "claim:kh-pressure")}, "The entity has no type"),
    "type/undeclared-class.trig": Expect(
        {("Entity-type-declared", "id:sudani")}, "not a class declared in ontology/"),
    "type/disjoint-classes.trig": Expect(
        {("EntityDisjoint", "id:kataib-hezbollah")},
        "both a lpo:Organization and a lpo:Place, which the ontology declares disjoint"),
    "type/range.trig": Expect(
        {("EntityRange", "id:sudani")}, "The value id:iraq of lpo:memberOf must be a "
        "lpo:Organization"),
    "type/domain.trig": Expect(
        {("EntityDomain", "id:iraq")}, "uses lpo:officeHolder, whose domain is lpo:Tenure"),
    "dates/datetime.trig": Expect(
        {("Dated-date", "id:kh-designation")}, "one valid xsd:date, xsd:gYearMonth or xsd:gYear"),
    "dates/plain-text.trig": Expect(
        {("Dated-startDate", "id:sudani-prime-minister")}, "A start date must be one valid"),
    "dates/invalid-month.trig": Expect(
        {("Dated-announcementDate", "id:us-iraq-agreement-2024")},
        "An announcement date must be one valid"),
    "dates/two-dates.trig": Expect(
        {("Dated-date", "id:kh-designation")}, "For an interval use earliestDate and latestDate"),
    "wikidata/wiki-page-iri.trig": Expect(
        {("Entity-wikidata", "id:iraq"), ("SameAsMatchesLink", "id:iraq")},
        "must be the item's entity IRI http://www.wikidata.org/entity/Q<digits>"),
    "wikidata/property-id.trig": Expect(
        {("Entity-wikidata", "id:united-states"), ("LinkedEntity", "id:united-states")},
        "not a property"),
    "wikidata/two-entities-one-item.trig": Expect(
        {("WikidataItemUnique", "id:iraq"), ("WikidataItemUnique", "id:republic-of-iraq")},
        "Another entity (id:republic-of-iraq) is linked to the same Wikidata item wd:Q796"),
    "agreement/one-party.trig": Expect(
        {("Agreement", "id:us-iraq-agreement-2024")}, "An agreement has two or more parties"),
    "agreement/party-not-agent.trig": Expect(
        {("Agreement", "id:us-iraq-agreement-2024")}, "each an agent (lpo:party)"),
    "agreement/provision-without-content.trig": Expect(
        {("Provision", "id:withdrawal-provision")}, "A provision says what is to happen"),
    "membership/two-members.trig": Expect(
        {("Membership", "id:kh-in-pmf")}, "A membership has exactly one member"),
    "membership/no-organization.trig": Expect(
        {("Membership", "id:kh-in-pmf")}, "A membership has exactly one organization"),
    "designation/no-authority.trig": Expect(
        {("Designation", "id:kh-designation")}, "names the authority that makes it"),
    "designation/no-designated-party.trig": Expect(
        {("Designation", "id:kh-designation")}, "names the designated party"),
    "tenure/no-post.trig": Expect(
        {("Tenure", "id:sudani-prime-minister")}, "A tenure has exactly one post"),
    "tenure/holder-not-person.trig": Expect(
        {("Tenure", "id:sudani-prime-minister"), ("EntityRange", "id:sudani-prime-minister")},
        "A tenure has exactly one office holder (lpo:officeHolder), a Person"),
    "claim/no-quote.trig": Expect(
        {("Claim-quote", "claim:kh-in-pmf")}, "Every claim needs exactly one verbatim quote"),
    "claim/no-source.trig": Expect(
        {("Claim-source", "claim:kh-pressure")}, "derived from exactly one source document"),
    "claim/unknown-kind.trig": Expect(
        {("Claim-modality", "claim:kh-pressure")}, "a concept of the modality scheme"),
    "claim/no-attribution.trig": Expect(
        {("Claim-attribution", "claim:kh-pressure")}, "attributed to at least one entity"),
    "claim/attributed-to-non-agent.trig": Expect(
        {("ClaimAttributedToAgent", "claim:kh-pressure")},
        "attributed to id:coalition-withdrawal-2025, which is not typed as an agent"),
    "claim/attribution-is-text.trig": Expect(
        {("Claim-attribution", "claim:kh-pressure")}, "Set `by:` in the record"),
    "claim/statement-date-as-text.trig": Expect(
        {("StatementDate", "claim:kh-pressure")},
        'gives lpo:latestDate the value "the end of 2025", which is not a valid xsd:date'),
    "claim/statement-range.trig": Expect(
        {("StatementRange", "claim:kh-pressure")},
        "gives lpo:memberOf the value id:iraq, which must be a lpo:Organization"),
    "claim/undescribed-entity.trig": Expect(
        {("ClaimEntitiesDescribed", "claim:kh-pressure")},
        "names id:ghost-militia, which neither graph:facts nor graph:claims describes"),
    "anchor/swapped-offsets.trig": Expect(
        {("PositionSelector-order", "<https://w3id.org/lodpub/claim/kh-in-pmf#position-selector>"),
         ("QuoteMatchesAnchor", "claim:kh-in-pmf")},
        "start must be less than its end"),
    "anchor/no-position-selector.trig": Expect(
        {("Claim-anchor", "claim:kh-in-pmf")}, "a TextQuoteSelector and a TextPositionSelector"),
    "anchor/quote-differs.trig": Expect(
        {("QuoteMatchesAnchor", "claim:kh-pressure")}, "quote differs from the exact text"),
    "sentence/no-number.trig": Expect(
        {("Sentence", "<https://w3id.org/lodpub/source/test-doc#s2>")},
        "A sentence has exactly one number"),
    "links/linked-without-evidence.trig": Expect(
        {("LinkedEntity", "id:united-states")}, "needs at least one piece of evidence"),
    "links/evidence-without-label.trig": Expect(
        {("LinkEvidence", "<https://w3id.org/lodpub/id/iraq#wikidata-evidence-1>")},
        "records the item's own label"),
    "links/evidence-date-not-a-date.trig": Expect(
        {("LinkEvidence", "<https://w3id.org/lodpub/id/iraq#wikidata-evidence-1>")},
        "a valid xsd:date (YYYY-MM-DD)"),
    "links/no-status.trig": Expect(
        {("EntityHasLinkStatus", "id:sudani")}, "has no Wikidata link status"),
    "links/no-item-without-reason.trig": Expect(
        {("NoItemEntity", "id:author")}, "needs a reason"),
    "links/unverified-unexplained.trig": Expect(
        {("UnverifiedEntityExplained", "id:pmf")}, "should say what was found", conforms=True),
    "transfer/no-recipient.trig": Expect(
        {("Transfer", "id:vehicle-transfer")}, "names who receives what is handed over"),
    "disagreement/one-position.trig": Expect(
        {("Disagreement", "claim:when-kh-pressures")}, "at least two positions"),
    "links/evidence-not-citable.trig": Expect(
        {("LinkSource-citable", "<https://w3id.org/lodpub/id/iraq#wikidata-evidence-1>")},
        "not something a reader can open"),
    "links/verification-problem.trig": Expect(
        {("LinkVerified", "id:iraq")}, "found a problem", conforms=True),
    "links/sameas-without-link.trig": Expect(
        {("SameAsMatchesLink", "id:sudani")}, "disagree about the entity's Wikidata item"),
    "forecast/statement-in-facts.trig": Expect(
        {("ForecastNotInFacts", "claim:kh-pressure")},
        "This claim is a lpv:forecast, but its statement id:kataib-hezbollah lpo:pressures "
        "id:iraq is also a plain triple in graph:facts"),
    "forecast/type-from-entity-record.trig": Expect(
        {("ForecastTypeInFacts", "claim:kh-pressure")},
        "because the entity record of id:kataib-hezbollah says so", conforms=True),
    "forecast/also-reported-as-fact.trig": Expect(set(), "", conforms=True),
}


def read_trig(path: Path) -> dict[URIRef, Graph]:
    """The named graphs of a TriG file (pyoxigraph parses it: rdflib's TriG parser warns)."""
    graphs: dict[URIRef, Graph] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        name = URIRef(quad.graph_name.value)
        triple = tuple(from_oxigraph(t) for t in (quad.subject, quad.predicate, quad.object))
        graphs.setdefault(name, Graph()).add(triple)
    return graphs


def fixture_graphs(name: str) -> dict[URIRef, Graph]:
    """valid.trig with the changes of fixture ``name`` applied."""
    graphs = {iri: Graph() + g for iri, g in read_trig(FIXTURES / "valid.trig").items()}
    if name == "valid.trig":
        return graphs
    for iri, change in read_trig(FIXTURES / name).items():
        if str(iri).startswith(REMOVE):
            target = graphs[GRAPH[str(iri)[len(REMOVE):]]]
            for triple in change:
                assert triple in target, f"{name} removes a triple valid.trig lacks: {triple}"
                target.remove(triple)
        else:
            graphs.setdefault(iri, Graph())
            for triple in change:
                graphs[iri].add(triple)
    return graphs


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The real ontology (every ontology/*.ttl)."""
    graph = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The real shapes."""
    return load_shapes(ROOT / "shapes")


def found(report: ValidationReport) -> set[tuple[str, str]]:
    """(shape local name, focus CURIE) of every result."""
    return {(str(r.shape).rsplit("/", 1)[-1], show(r.focus_node)) for r in report.results}


def test_shapes_valid_fixture_conforms(shapes: Graph, ontology: Graph) -> None:
    report = validate(fixture_graphs("valid.trig"), shapes, ontology)
    assert report.results == ()
    assert report.conforms
    assert report.checked == (GRAPH_FACTS, GRAPH_CLAIMS, GRAPH_LINKS)
    assert (REPORT_IRI, SH.conforms, Literal(True)) in report.graph
    assert "shapes and 15 SPARQL checks: the data conforms (nothing to report)" in report.text()


def test_shapes_every_family_has_a_broken_fixture() -> None:
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.trig")}
    assert on_disk == set(EXPECTED)
    families = {name.split("/")[0] for name in EXPECTED}
    assert {"label", "type", "dates", "wikidata", "agreement", "membership", "designation",
            "tenure", "claim", "anchor", "links", "forecast"} <= families


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_broken_fixture_is_caught(name: str, shapes: Graph, ontology: Graph) -> None:
    expect = EXPECTED[name]
    report = validate(fixture_graphs(name), shapes, ontology)
    assert found(report) == expect.found
    assert report.conforms is expect.conforms
    if expect.found:
        assert any(expect.message in r.message for r in report.results), report.text()
        text = report.text()
        assert expect.message in text
        for _, focus in expect.found:
            assert focus in text
        assert text.rstrip().endswith("docs/validation.md explains every check and how to "
                                      "fix it in data/.")
        results = list(report.graph.objects(REPORT_IRI, SH.result))
        assert len(results) == len(report.results)
        assert (REPORT_IRI, SH.conforms, Literal(expect.conforms)) in report.graph


def test_shapes_report_graph_is_stable_and_blank_node_free(shapes: Graph, ontology: Graph) -> None:
    graphs = fixture_graphs("wikidata/two-entities-one-item.trig")
    first = validate(graphs, shapes, ontology)
    second = validate(graphs, shapes, ontology)
    assert set(first.graph) == set(second.graph)
    assert first.text() == second.text()
    assert not any(isinstance(term, BNode) for triple in first.graph for term in triple)


def test_shapes_missing_graph_skips_its_checks(shapes: Graph, ontology: Graph) -> None:
    graphs = fixture_graphs("links/no-status.trig")
    del graphs[GRAPH_LINKS]
    report = validate(graphs, shapes, ontology)
    assert report.conforms and report.checked == (GRAPH_FACTS, GRAPH_CLAIMS)


def test_load_shapes_without_files_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no SHACL shapes"):
        load_shapes(tmp_path)


def test_validate_invalid_sparql_check_raises_config_error(ontology: Graph) -> None:
    broken = Graph().parse(format="turtle", data="""
        @prefix lps: <https://w3id.org/lodpub/shapes/> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        lps:Broken a lps:SparqlCheck ; sh:select "SELECT ?this WHERE { ?this" .
    """)
    with pytest.raises(ConfigError, match="lps:Broken|shapes/Broken"):
        validate(fixture_graphs("valid.trig"), broken, ontology)


def test_shapes_ontology_terms_need_one_label_and_definition(shapes: Graph,
                                                             ontology: Graph) -> None:
    broken = Graph() + ontology
    broken.remove((LPO.ArmedGroup, RDFS.label, None))
    broken.add((LPO.State, RDFS.label, Literal("country", lang="en")))
    report = validate({GRAPH_ONTOLOGY: broken}, shapes, broken)
    assert found(report) == {("OntologyTermDocumented", "lpo:ArmedGroup"),
                             ("OntologyTermDocumented", "lpo:State")}
    assert "lpo:State has 2 English label(s) and 1 English definition(s)" in report.text()
    assert {r.graph for r in report.results} == {GRAPH_ONTOLOGY}
