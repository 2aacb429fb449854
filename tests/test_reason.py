"""Tests of lodpub.pipeline.reason: HermiT inferences, inconsistency reports, missing Java.

Each HermiT run starts a JVM (about a second), so the tests share small inline graphs and
keep the number of runs low.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF

from lodpub.errors import JavaMissing, ReasoningError
from lodpub.namespaces import BASE, ID, LPO, ORG, WD
from lodpub.pipeline.reason import reason
from support import ROOT

PREFIXES = """
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix id: <https://w3id.org/lodpub/id/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix org: <http://www.w3.org/ns/org#> .
"""

ONTOLOGY = PREFIXES + """
<https://w3id.org/lodpub/ontology> a owl:Ontology .
lpo:Organization a owl:Class .
lpo:ArmedGroup a owl:Class ; rdfs:subClassOf lpo:Organization .
lpo:State a owl:Class ; owl:disjointWith lpo:Organization .
lpo:Event a owl:Class .
lpo:memberOf a owl:ObjectProperty ; owl:inverseOf lpo:hasMember ; rdfs:range lpo:Organization ;
    rdfs:subPropertyOf org:memberOf .
lpo:hasMember a owl:ObjectProperty ; rdfs:subPropertyOf org:hasMember .
org:memberOf a owl:ObjectProperty .
org:hasMember a owl:ObjectProperty .
lpo:borders a owl:ObjectProperty, owl:SymmetricProperty .
lpo:partOf a owl:ObjectProperty, owl:TransitiveProperty .
lpo:date a owl:DatatypeProperty ; rdfs:range xsd:date .
"""

FACTS = PREFIXES + """
id:kh a lpo:ArmedGroup ; lpo:memberOf id:pmf ; rdfs:label "Kataib Hezbollah"@en .
id:iraq a lpo:State ; lpo:borders id:iran ; owl:sameAs wd:Q796 .
id:iran owl:sameAs wd:Q794 .
id:basra lpo:partOf id:south . id:south lpo:partOf id:iraq .
id:withdrawal a lpo:Event ; lpo:date "2021-12"^^xsd:gYearMonth .
id:defeat a lpo:Event ; lpo:date "2017-12-09"^^xsd:date .
id:era a lpo:Event ; lpo:date "1980"^^xsd:gYear .
"""


def graph(text: str) -> Graph:
    """Parse inline Turtle."""
    return Graph().parse(data=text, format="turtle")


@pytest.fixture(scope="module")
def inferred() -> Graph:
    """One HermiT run over the consistent sample, shared by the assertions below."""
    return reason(graph(ONTOLOGY), graph(FACTS))


def test_reason_infers_inverse_symmetric_and_transitive_values(inferred: Graph) -> None:
    assert (ID.pmf, LPO.hasMember, ID.kh) in inferred
    assert (ID.iran, LPO.borders, ID.iraq) in inferred
    assert (ID.basra, LPO.partOf, ID.iraq) in inferred


def test_reason_infers_super_property_values(inferred: Graph) -> None:
    # HermiT's -Y leaves these out; lodpub closes the values under sub-properties
    assert (ID.kh, ORG.memberOf, ID.pmf) in inferred
    assert (ID.pmf, ORG.hasMember, ID.kh) in inferred


def test_reason_infers_superclass_and_range_types(inferred: Graph) -> None:
    assert (ID.kh, RDF.type, LPO.Organization) in inferred  # ArmedGroup ⊑ Organization
    assert (ID.pmf, RDF.type, LPO.Organization) in inferred  # range of memberOf


def test_reason_returns_only_new_nontrivial_lodpub_triples(inferred: Graph) -> None:
    asserted = graph(ONTOLOGY) + graph(FACTS)
    assert len(inferred) > 0
    for s, p, o in inferred:
        assert (s, p, o) not in asserted
        assert str(s).startswith(BASE)
        assert o not in (OWL.Thing, OWL.NamedIndividual, OWL.Nothing)
        assert s != o
        # values copied across owl:sameAs onto Wikidata items add nothing
        assert not (p != RDF.type and str(o).startswith(str(WD)))
    # dates (xsd:date, gYearMonth, gYear) are left out of HermiT's input, never dropped from ours
    assert not any(isinstance(o, Literal) for o in inferred.objects())


def test_reason_inconsistency_names_individual_classes_and_axiom() -> None:
    facts = graph(PREFIXES + "id:kh a lpo:ArmedGroup, lpo:State .")
    with pytest.raises(ReasoningError) as caught:
        reason(graph(ONTOLOGY), facts)
    message = str(caught.value)
    assert "id:kh" in message
    assert "lpo:State owl:disjointWith lpo:Organization" in message
    assert "lpo:ArmedGroup ⊑ lpo:Organization" in message
    assert "--no-reason" in message


def test_reason_inconsistency_lists_unsatisfiable_class_and_range_typing() -> None:
    hybrid = "lpo:Hybrid a owl:Class ; rdfs:subClassOf lpo:State, lpo:ArmedGroup ."
    ontology = graph(ONTOLOGY + hybrid)
    facts = graph(PREFIXES + "id:x a lpo:Hybrid. id:iraq a lpo:State. id:kh lpo:memberOf id:iraq.")
    with pytest.raises(ReasoningError) as caught:
        reason(ontology, facts)
    message = str(caught.value)
    assert "Unsatisfiable classes" in message
    assert "lpo:Hybrid; asserted for id:x" in message
    # id:iraq becomes an Organization through the range of memberOf, and a State is none
    clash = "id:iraq is a lpo:State (asserted) and a lpo:Organization (rdfs:range of lpo:memberOf"
    assert clash in message


def test_reason_java_missing_explicit_path_says_how_to_install() -> None:
    with pytest.raises(JavaMissing) as caught:
        reason(graph(ONTOLOGY), graph(FACTS), java="/nonexistent/java")
    message = str(caught.value)
    assert "apt-get install -y default-jre-headless" in message
    assert "lodpub build --no-reason" in message
    assert "/nonexistent/java" in message


def test_reason_java_missing_from_path(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(JavaMissing, match="no `java` on PATH"):
        reason(graph(ONTOLOGY), graph(FACTS))


def test_reason_real_ontology_names_clash_through_shared_wikidata_item() -> None:
    # two entities linked to one Wikidata item are one individual for OWL: an armed group and
    # a state cannot be the same thing (lpo:Organization and lpo:Place are disjoint)
    ontology = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        ontology.parse(path, format="turtle")
    facts = graph(PREFIXES + """
        id:some-group a lpo:ArmedGroup ; owl:sameAs wd:Q1000001 .
        id:some-state a lpo:State ; owl:sameAs wd:Q1000001 .
    """)
    with pytest.raises(ReasoningError) as caught:
        reason(ontology, facts)
    message = str(caught.value)
    assert "id:some-group is a lpo:Organization" in message
    assert "through owl:sameAs, as id:some-state: asserted" in message
    assert "owl:AllDisjointClasses (lpo:Person lpo:Group lpo:Organization lpo:Place" in message
    assert "wd:Q1000001 is a" not in message


def test_reason_java_that_fails_is_a_reasoning_error_not_inconsistency(tmp_path: Path) -> None:
    fake_java = tmp_path / "java"
    fake_java.write_text("#!/bin/sh\necho 'Error: could not create the Java VM' >&2\nexit 1\n")
    fake_java.chmod(0o755)
    with pytest.raises(ReasoningError) as caught:
        reason(graph(ONTOLOGY), graph(FACTS), java=str(fake_java))
    message = str(caught.value)
    assert not isinstance(caught.value, JavaMissing)
    assert "HermiT failed (exit 1)" in message and "could not create the Java VM" in message
    assert "inconsistent" not in message
