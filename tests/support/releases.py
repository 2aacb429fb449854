"""The tiny release (one for the whole suite) and the ``serve --data`` file, written inline.

The data is tiny so each test can say exactly what it expects; it includes a hostile label
(markup and script) that every page must render inert, and a thing with more statements than
one page shows. ``write_release`` lays it out as the contract says (release.json, lodpub.trig,
void.ttl, shapes.ttl, the source text, dist/current). ``DATA_TRIG`` has a default graph of its
own and two named graphs, for ``serve --data``. The tests of the real release use the session
``release`` fixture of conftest instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DATA_TRIG = FIXTURES / "sparql" / "data.trig"
EX = "http://example.org/"
BASE = "https://w3id.org/lodpub/"
FACTS = BASE + "graph/facts"
CLAIMS = BASE + "graph/claims"
KH = BASE + "id/kataib-hezbollah"

SOURCE_TEXT = (
    "[H2]Armed groups\n"
    "\n"
    "Kataib Hezbollah is part of the Popular Mobilization Forces.\n"
    "\n"
    "In December 2021, the mission transitioned to an advisory role.\n"
    "\n"
    "The United States will likely withdraw from Erbil by the end of 2026.\n"
)

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'

TRIG = """
@base <https://w3id.org/lodpub/claim/> .
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix lpv: <https://w3id.org/lodpub/vocab/> .
@prefix id: <https://w3id.org/lodpub/id/> .
@prefix claim: <> .
@prefix source: <https://w3id.org/lodpub/source/> .
@prefix doc: <https://w3id.org/lodpub/source/doc#> .
@prefix kh: <https://w3id.org/lodpub/id/kataib-hezbollah#> .
@prefix graph: <https://w3id.org/lodpub/graph/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix wd: <http://www.wikidata.org/entity/> .

graph:ontology {
  <https://w3id.org/lodpub/ontology> a owl:Ontology ;
    dct:title "lodpub geopolitics ontology"@en ;
    owl:versionIRI <https://w3id.org/lodpub/ontology/0.1.0> .
  lpo:Organization a owl:Class ; rdfs:label "organization"@en ;
    skos:definition "A group of people with a purpose."@en ; owl:equivalentClass org:Organization .
  lpo:ArmedGroup a owl:Class ; rdfs:label "armed group"@en ; rdfs:subClassOf lpo:Organization ;
    skos:definition "An organized group that uses armed force."@en ; skos:closeMatch wd:Q17149090 .
  lpo:State a owl:Class ; rdfs:label "state"@en ; skos:definition "A sovereign country."@en ;
    rdfs:subClassOf schema:Country ;
    rdfs:subClassOf lpo:Organization .
  lpo:Event a owl:Class ; rdfs:label "event"@en ; skos:definition "Something that happens."@en .
  lpo:Withdrawal a owl:Class ; rdfs:label "troop withdrawal"@en ; rdfs:subClassOf lpo:Event ;
    skos:definition "Troops leave a place."@en .
  lpo:Claim a owl:Class ; rdfs:label "claim"@en ; skos:definition "What a text asserts."@en .
  lpo:memberOf a owl:ObjectProperty ; rdfs:label "member of"@en ;
    skos:definition "The subject belongs to the object."@en ;
    rdfs:domain lpo:Organization ; rdfs:range lpo:Organization ; rdfs:subPropertyOf org:memberOf .
  lpo:supportedBy a owl:ObjectProperty ; rdfs:label "supported by"@en ;
    skos:definition "The object supports the subject."@en .
  lpo:date a owl:DatatypeProperty ; rdfs:label "date"@en ; skos:definition "When it happened."@en .
  lpo:latestDate a owl:DatatypeProperty ; rdfs:label "latest date"@en ;
    skos:definition "The latest date by which it is planned."@en .
  lpo:actor a owl:ObjectProperty ; rdfs:label "actor"@en ; skos:definition "Who acts."@en .
  lpo:place a owl:ObjectProperty ; rdfs:label "place"@en ; skos:definition "Where."@en .
  lpv:fact a skos:Concept ; skos:prefLabel "reported fact"@en ; skos:inScheme lpv:modality .
  lpv:forecast a skos:Concept ; skos:prefLabel "forecast"@en ; skos:inScheme lpv:modality .
  lpv:assessment a skos:Concept ; skos:prefLabel "assessment"@en ; skos:inScheme lpv:modality .
  lpo:PlannedEvent a owl:Class ; rdfs:label "planned event"@en ; rdfs:subClassOf lpo:Event ;
    skos:definition "Planned, not yet happened."@en .
  lpo:controls a owl:ObjectProperty ; rdfs:label "controls"@en ; skos:definition "Controls."@en .
  lpo:dateText a owl:DatatypeProperty ; rdfs:label "date as written"@en ;
    skos:definition "The date phrase as written."@en .
  lpv:modality a skos:ConceptScheme ; skos:prefLabel "modality"@en .
}

graph:facts {
  id:kataib-hezbollah a lpo:ArmedGroup ; rdfs:label "Kataib Hezbollah"@en ;
    skos:altLabel "Kata'ib Hizballah"@en ;
    rdfs:comment "Iraqi Shia armed group."@en ;
    owl:sameAs wd:Q1739175 ; lpo:memberOf id:pmf ; lpo:supportedBy id:iran .
  id:pmf a lpo:ArmedGroup ; rdfs:label "Popular Mobilization Forces"@en .
  id:iran a lpo:State ; rdfs:label "Iran"@en .
  id:united-states a lpo:State ; rdfs:label "United States"@en .
  id:erbil rdfs:label "Erbil"@en .
  id:author rdfs:label "the author"@en .
  id:transition-2021 a lpo:Event ; rdfs:label "mission transition (December 2021)"@en ;
    lpo:date "2021-12"^^xsd:gYearMonth .
  id:hostile a lpo:ArmedGroup ; rdfs:label "HOSTILE"@en ; rdfs:comment "HOSTILE"@en .
  id:iraq-war a lpo:Event ; rdfs:label "Iraq War"@en ; lpo:date "2003"^^xsd:gYear .
  id:anbar-withdrawal a lpo:PlannedEvent ; rdfs:label "withdrawal from Anbar"@en ;
    lpo:latestDate "2025"^^xsd:gYear ; lpo:dateText "by the end of 2025" .
}

graph:inferred {
  id:kataib-hezbollah a lpo:Organization .
  id:pmf a lpo:Organization .
}

graph:links {
  id:kataib-hezbollah lpo:linkStatus lpv:linked ; lpo:linkEvidence kh:wikidata-evidence-1 .
  kh:wikidata-evidence-1 a lpo:LinkEvidence ; lpo:labelSeen "Kata'ib Hezbollah" ;
    dct:source "example/repo:items.csv@0123abc" .
  id:pmf lpo:linkStatus lpv:unverified .
}

graph:claims {
  source:doc a lpo:SourceDocument ; rdfs:label "Test document"@en ;
    dct:publisher id:author ; lpo:derivedDateBound doc:derived-date_after .
  doc:derived-date_after rdfs:label "date after"@en ; lpo:date "2025-01-08"^^xsd:date ;
    skos:note "The text mentions events of early January 2025."@en .
  doc:s1 a lpo:Sentence ; lpo:sentenceNumber 1 ; lpo:text "[H2]Armed groups" ;
    dct:isPartOf source:doc ; lpo:start 0 ; lpo:end 16 ; lpo:notEncodedReason "section heading" .
  doc:s2 a lpo:Sentence ; lpo:sentenceNumber 2 ;
    lpo:text "Kataib Hezbollah is part of the Popular Mobilization Forces." ;
    dct:isPartOf source:doc ; lpo:start 18 ; lpo:end 78 .
  doc:s3 a lpo:Sentence ; lpo:sentenceNumber 3 ;
    lpo:text "In December 2021, the mission transitioned to an advisory role." ;
    dct:isPartOf source:doc ; lpo:start 80 ; lpo:end 143 .
  doc:s4 a lpo:Sentence ; lpo:sentenceNumber 4 ;
    lpo:text "The United States will likely withdraw from Erbil by the end of 2026." ;
    dct:isPartOf source:doc ; lpo:start 145 ; lpo:end 214 .

  claim:kh-member a lpo:Claim ; lpo:modality lpv:fact ; lpo:assertedBy id:author ;
    lpo:quote "Kataib Hezbollah is part of the Popular Mobilization Forces." ;
    prov:wasDerivedFrom source:doc ; lpo:sentence doc:s2 ;
    lpo:statement <kh-member#s1> ;
    lpo:anchor <kh-member#anchor> .
  <kh-member#anchor> a oa:SpecificResource ; oa:hasSource source:doc ;
    oa:hasSelector <kh-member#quote-selector>,
      <kh-member#position-selector> .
  <kh-member#quote-selector> a oa:TextQuoteSelector ;
    oa:exact "Kataib Hezbollah is part of the Popular Mobilization Forces." ;
    oa:prefix "Armed groups\\n\\n" ; oa:suffix "\\n\\nIn December" .
  <kh-member#position-selector> a oa:TextPositionSelector ;
    oa:start 18 ; oa:end 78 .
  <kh-member#s1> a rdf:Statement ; rdf:subject id:kataib-hezbollah ;
    rdf:predicate lpo:memberOf ; rdf:object id:pmf .

  claim:transition a lpo:Claim ; lpo:modality lpv:fact ; lpo:assertedBy id:author ;
    lpo:quote "In December 2021, the mission transitioned to an advisory role." ;
    prov:wasDerivedFrom source:doc ; lpo:sentence doc:s3 ;
    lpo:statement <transition#s1> ; lpo:anchor <transition#anchor> .
  <transition#anchor> oa:hasSource source:doc ; oa:hasSelector <transition#position-selector> .
  <transition#position-selector> a oa:TextPositionSelector ; oa:start 98 ; oa:end 122 .
  <transition#s1> a rdf:Statement ; rdf:subject id:transition-2021 ;
    rdf:predicate lpo:date ; rdf:object "2021-12"^^xsd:gYearMonth .

  claim:erbil-withdrawal a lpo:Claim ; lpo:modality lpv:forecast ; lpo:assertedBy id:author ;
    lpo:quote "The United States will likely withdraw from Erbil by the end of 2026." ;
    prov:wasDerivedFrom source:doc ; lpo:sentence doc:s4 ; lpo:about id:united-states ;
    lpo:statement <erbil-withdrawal#s1>, <erbil-withdrawal#s2> .
  <erbil-withdrawal#s1> a rdf:Statement ; rdf:subject id:erbil-withdrawal ;
    rdf:predicate lpo:place ; rdf:object id:erbil .
  <erbil-withdrawal#s2> a rdf:Statement ; rdf:subject id:erbil-withdrawal ;
    rdf:predicate lpo:latestDate ; rdf:object "2026"^^xsd:gYear .

  claim:iran-controls a lpo:Claim ; lpo:modality lpv:assessment ; lpo:assertedBy id:author ;
    lpo:quote "Kataib Hezbollah" ; prov:wasDerivedFrom source:doc ; lpo:sentence doc:s2 ;
    lpo:statement <iran-controls#s1> .
  <iran-controls#s1> a rdf:Statement ; rdf:subject id:iran ;
    rdf:predicate lpo:controls ; rdf:object id:kataib-hezbollah .

  claim:hostile a lpo:Claim ; lpo:modality lpv:fact ; lpo:assertedBy id:author ;
    lpo:quote "HOSTILE" ; prov:wasDerivedFrom source:doc ; lpo:sentence doc:s2 ;
    lpo:about id:hostile .
}
"""

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix lpo: <https://w3id.org/lodpub/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix shapes: <https://w3id.org/lodpub/shapes/> .
shapes:ArmedGroupShape a sh:NodeShape ; sh:targetClass lpo:ArmedGroup ;
  rdfs:label "armed group shape" ;
  sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:maxCount 1 ;
                sh:message "An armed group needs exactly one English label." ] .
shapes:Entity a sh:NodeShape ; sh:name "Entity" ;
  sh:target [ a sh:SPARQLTarget ;
    sh:select "SELECT ?this WHERE { ?this a ?c FILTER(STRSTARTS(STR(?this), STR(id:))) }" ] ;
  sh:property shapes:Entity-label .
shapes:Entity-label a sh:PropertyShape ; sh:path rdfs:label ; sh:minCount 1 ;
  sh:message "Every entity needs a label." .
shapes:MemberShape a sh:NodeShape ; sh:targetSubjectsOf lpo:memberOf ;
  sh:property [ sh:path lpo:memberOf ; sh:class lpo:Organization ;
                sh:message "memberOf must point at an organization." ] .
"""

REPORT_TXT = "Validation Report\nConforms: True\n"
BUSY_STATEMENTS = 120  # id:busy has this many outgoing statements (paging tests)


def busy_trig() -> str:
    """A graph:facts block giving id:busy many labelled places (more than one page)."""
    lines = ['id:busy a lpo:ArmedGroup ; rdfs:label "Busy group"@en .']
    for i in range(BUSY_STATEMENTS):
        place = f"id:place-{i:03d}"
        lines.append(f'id:busy lpo:place {place} . {place} rdfs:label "Place {i:03d}"@en .')
    ordered = ['<ordered> a lpo:Claim ; lpo:modality lpv:fact ; lpo:assertedBy id:author ;',
               '  lpo:quote "In December 2021" ; lpo:sentence doc:s3 .']
    for i in range(1, 12):  # statements #s1 … #s11, each naming place i
        ordered.append(f"<ordered> lpo:statement <ordered#s{i}> . <ordered#s{i}> "
                       f"rdf:subject id:iraq-war ; rdf:predicate lpo:place ; "
                       f"rdf:object id:place-{i:03d} .")
    return ("graph:facts {\n" + "\n".join(lines) + "\n}\n"
            "graph:claims {\n" + "\n".join(ordered) + "\n}\n")



VOID = """@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/lodpub/dataset> a void:Dataset, dcat:Dataset ;
  dct:title "lodpub test dataset"@en ;
  dct:description "A tiny dataset for lodpub's tests."@en ;
  dct:license <https://creativecommons.org/licenses/by/4.0/> ;
  void:sparqlEndpoint <https://w3id.org/lodpub/sparql> ;
  void:dataDump <https://w3id.org/lodpub/downloads/lodpub.trig> ;
  void:triples TRIPLES .
"""


def release_trig(hostile: bool = True) -> str:
    """The tiny release's TriG (with or without the hostile markup)."""
    text = TRIG.replace("HOSTILE", HOSTILE.replace('"', '\\"') if hostile else "Hostile group")
    return text + busy_trig()


def write_release(root: Path, *, hostile: bool = True) -> Path:
    """Write the tiny release under ``root``/dist/releases, point dist/current at it, return it.

    With ``hostile`` the label and description of ``id:hostile`` (and a claim's quote) carry
    markup and script, escaped for TriG.
    """
    text = release_trig(hostile)
    triples = len(list(ox.parse(text.encode(), format=ox.RdfFormat.TRIG)))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    release = root / "dist" / "releases" / f"0.1.0-{digest}"
    (release / "sources").mkdir(parents=True)
    files = {
        "lodpub.trig": ("TriG", "application/trig", text),
        "void.ttl": ("Turtle", "text/turtle", VOID.replace("TRIPLES", str(triples))),
        "shapes.ttl": ("Turtle", "text/turtle", SHAPES),
        "shacl-report.txt": ("text", "text/plain", REPORT_TXT),
        "sources/doc.txt": ("text", "text/plain", SOURCE_TEXT),
    }
    entries = []
    for name, (fmt, media, body) in files.items():
        (release / name).write_text(body, encoding="utf-8")
        entries.append({"name": name, "format": fmt, "media_type": media,
                        "size": len(body.encode()),
                        "sha256": hashlib.sha256(body.encode()).hexdigest(),
                        "description": name, **({"triples": triples} if name == "lodpub.trig"
                                                else {})})
    manifest = {
        "version": release.name, "input_digest": digest, "base": BASE,
        "graphs": {}, "files": entries, "conforms": True,
        "sources": [{"id": "doc", "file": "sources/doc.txt"}],
    }
    body = json.dumps(manifest, indent=1)
    (release / "release.json").write_text(body, encoding="utf-8")
    sums = [(e["sha256"], e["name"]) for e in entries]
    sums.append((hashlib.sha256(body.encode()).hexdigest(), "release.json"))
    (release / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for d, n in sorted(
        sums, key=lambda s: s[1])), encoding="utf-8")
    (root / "dist" / "current").symlink_to(release.relative_to(root / "dist"))
    return release


def write_data_file(root: Path) -> Path:
    """The same hostile dataset as one TriG file, for ``create_app(data_files=…)``."""
    path = root / "hostile.trig"
    path.write_text(TRIG.replace("HOSTILE", HOSTILE.replace('"', '\\"')), encoding="utf-8")
    return path
