"""Deterministic synthetic corpus shaped like lodpub's seed graph, for the benchmark.

Writes N-Quads (one quad per line) with the named graphs of the seed release
(docs/architecture.md): ``graph:facts`` (entities with type, English label, aliases,
description, owl:sameAs; W3C ORG memberships with dates and the ``lpo:memberOf`` shortcut;
dated events with participants and places), ``graph:claims`` (one ``lpo:Claim`` per record with
its reified statement, modality, attribution, PROV source and a Web Annotation text anchor with
quote and position selectors; the source documents' sentences), ``graph:links`` (Wikidata link
status and evidence) and a small ``graph:ontology``.

The same ``--seed`` and ``--triples`` give a byte-identical file. A few entity ids of the real
seed (``kataib-hezbollah``, ``popular-mobilization-forces`` …) are included so that the
benchmark's queries select the same kind of thing on both datasets.

    .venv/bin/python bench/gen_corpus.py --triples 1000000 --seed 42 --out bench/out/synthetic-1m.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

BASE = "https://w3id.org/lodpub/"
LPO, LPV, ID = BASE + "ontology/", BASE + "vocab/", BASE + "id/"
CLAIM, SOURCE, GRAPH = BASE + "claim/", BASE + "source/", BASE + "graph/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCT = "http://purl.org/dc/terms/"
WD = "http://www.wikidata.org/entity/"

FACTS, CLAIMS, LINKS, ONTO = (GRAPH + g for g in ("facts", "claims", "links", "ontology"))
TYPE = RDF + "type"

# (class, weight): what the seed document talks about, in rough proportion.
ENTITY_CLASSES = [
    ("ArmedGroup", 22), ("UmbrellaGroup", 2), ("Person", 30), ("State", 3), ("GovernmentBody", 8),
    ("PoliticalParty", 6), ("City", 10), ("Governorate", 4), ("MilitaryMission", 3),
    ("InternationalCoalition", 2), ("Post", 5), ("Organization", 5),
]
EVENT_CLASSES = ["Meeting", "Designation", "TroopWithdrawal", "MissionTransition",
                 "Announcement", "Ceasefire", "PublicStatement", "MilitaryDefeat"]
MODALITIES = [("fact", 45), ("quotation", 12), ("forecast", 12),
              ("assessment", 15), ("recommendation", 8), ("hypothetical", 5), ("negated", 3)]
CLAIM_PREDICATES = ["memberOf", "participant", "controls", "supportedBy", "designatedAsTerroristBy",
                    "holdsPost", "locatedIn", "pressures", "influences"]
SYLLABLES = ["ka", "ta", "ib", "hez", "bol", "lah", "nu", "ja", "ba", "sa", "yid", "shu", "ha",
             "da", "ans", "ar", "al", "aw", "fi", "ya", "bad", "ra", "pesh", "mer", "ga", "sud",
             "ani", "sis", "ta", "ni", "ir", "aq", "dar", "mus", "ta", "qim", "faw", "zi"]
WORDS = ["the", "militia", "government", "forces", "withdrawal", "agreement", "coalition",
         "announced", "Iraq", "Iran", "United", "States", "security", "strikes", "bases",
         "minister", "election", "pressure", "sanctions", "electricity", "gas", "ceasefire",
         "regional", "escalation", "mission", "advisory", "troops", "parliament", "groups"]
# Entity ids of the real seed, so the same queries find the same kind of thing in both datasets.
SEED_ENTITIES = [
    ("kataib-hezbollah", "Kata'ib Hezbollah", "ArmedGroup", ["Kataib Hezbollah"]),
    ("harakat-al-nujaba", "Harakat al-Nujaba", "ArmedGroup", []),
    ("hezbollah", "Hezbollah", "ArmedGroup", ["Hizballah"]),
    ("popular-mobilization-forces", "Popular Mobilization Forces", "UmbrellaGroup",
     ["PMF", "al-Hashd al-Shaabi"]),
    ("islamic-resistance-in-iraq", "Islamic Resistance in Iraq", "UmbrellaGroup", []),
    ("iraq", "Iraq", "State", []),
    ("iran", "Iran", "State", []),
    ("united-states", "United States", "State", ["U.S."]),
]


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str | None = "en", datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _quad(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} <{g}> .\n"


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]


def _name(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice((1, 2, 2, 3))):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        words.append(word.capitalize())
    return " ".join(words)


def _date(rng: random.Random) -> str:
    year = rng.randint(1980, 2025)
    precision = rng.random()
    if precision < 0.3:
        return _lit(str(year), datatype=XSD + "gYear")
    month = rng.randint(1, 12)
    if precision < 0.6:
        return _lit(f"{year}-{month:02d}", datatype=XSD + "gYearMonth")
    return _lit(f"{year}-{month:02d}-{rng.randint(1, 28):02d}", datatype=XSD + "date")


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _ontology() -> Iterator[str]:
    classes = [c for c, _ in ENTITY_CLASSES] + EVENT_CLASSES + ["Event", "Claim", "Sentence"]
    for name in classes:
        yield _quad(_iri(LPO + name), _iri(TYPE), _iri(OWL + "Class"), ONTO)
        yield _quad(_iri(LPO + name), _iri(RDFS + "label"), _lit(name), ONTO)
    for name in EVENT_CLASSES:
        yield _quad(_iri(LPO + name), _iri(RDFS + "subClassOf"), _iri(LPO + "Event"), ONTO)
    for name, _ in MODALITIES:
        yield _quad(_iri(LPV + name), _iri(TYPE), _iri(SKOS + "Concept"), ONTO)
        yield _quad(_iri(LPV + name), _iri(SKOS + "prefLabel"), _lit(name.replace("-", " ")), ONTO)


def _entity(rng: random.Random, ent: str, label: str, cls: str,
            aliases: list[str]) -> Iterator[str]:
    s = _iri(ent)
    yield _quad(s, _iri(TYPE), _iri(LPO + cls), FACTS)
    if cls == "ArmedGroup" and rng.random() < 0.15:
        yield _quad(s, _iri(TYPE), _iri(LPO + "PoliticalParty"), FACTS)
    yield _quad(s, _iri(RDFS + "label"), _lit(label), FACTS)
    for alias in aliases:
        yield _quad(s, _iri(SKOS + "altLabel"), _lit(alias), FACTS)
    if rng.random() < 0.5:
        yield _quad(s, _iri(SCHEMA + "description"), _lit(_sentence(rng, 8)), FACTS)
    status = rng.choices(["linked", "no-item", "unverified"], weights=[55, 30, 15])[0]
    yield _quad(s, _iri(LPO + "linkStatus"), _iri(LPV + status), LINKS)
    if status == "no-item":
        yield _quad(s, _iri(LPO + "linkReason"), _lit("no item: " + _sentence(rng, 5)), LINKS)
        return
    qid = _iri(WD + f"Q{rng.randint(1000, 99_999_999)}")
    node = _iri(ent + ("#wikidata-evidence-1" if status == "linked" else "#wikidata-candidate-1"))
    if status == "linked":
        yield _quad(s, _iri(OWL + "sameAs"), qid, FACTS)
        yield _quad(s, _iri(LPO + "wikidataItem"), qid, LINKS)
        yield _quad(s, _iri(LPO + "linkEvidence"), node, LINKS)
        yield _quad(node, _iri(TYPE), _iri(LPO + "LinkEvidence"), LINKS)
    else:
        yield _quad(s, _iri(LPO + "linkCandidate"), node, LINKS)
        yield _quad(node, _iri(TYPE), _iri(LPO + "LinkCandidate"), LINKS)
    yield _quad(node, _iri(TYPE), _iri(PROV + "Entity"), LINKS)
    yield _quad(node, _iri(LPO + "wikidataItem"), qid, LINKS)
    yield _quad(node, _iri(DCT + "source"), _lit("wikidata/dump@abc123:items.csv", None), LINKS)
    yield _quad(node, _iri(LPO + "labelSeen"), _lit(label, None), LINKS)


def _membership(rng: random.Random, n: int, member: str, org: str) -> Iterator[str]:
    m = _iri(ID + f"membership-{n:07d}")
    yield _quad(m, _iri(TYPE), _iri(LPO + "Membership"), FACTS)
    yield _quad(m, _iri(ORG + "member"), _iri(member), FACTS)
    yield _quad(m, _iri(ORG + "organization"), _iri(org), FACTS)
    yield _quad(m, _iri(LPO + "startDate"), _date(rng), FACTS)
    if rng.random() < 0.4:
        yield _quad(m, _iri(LPO + "endDate"), _date(rng), FACTS)
    yield _quad(_iri(member), _iri(LPO + "memberOf"), _iri(org), FACTS)


def _event(rng: random.Random, n: int, entities: list[str], places: list[str]) -> Iterator[str]:
    e = _iri(ID + f"event-{n:07d}")
    cls = rng.choice(EVENT_CLASSES)
    yield _quad(e, _iri(TYPE), _iri(LPO + cls), FACTS)
    yield _quad(e, _iri(RDFS + "label"), _lit(f"{cls} {n}"), FACTS)
    yield _quad(e, _iri(LPO + "date"), _date(rng), FACTS)
    for who in rng.sample(entities, rng.randint(1, 3)):
        yield _quad(e, _iri(LPO + "participant"), _iri(who), FACTS)
    if rng.random() < 0.7:
        yield _quad(e, _iri(LPO + "location"), _iri(rng.choice(places)), FACTS)


def _claim(rng: random.Random, n: int, entities: list[str], sentences: list[str]) -> Iterator[str]:
    """One claim node as lodpub.pipeline.compile writes it: statements, provenance, anchor."""
    c, g = CLAIM + f"record-{n:07d}", CLAIMS
    s = _iri(c)
    kind = _weighted(rng, MODALITIES)
    quote = _sentence(rng, rng.randint(6, 20))
    sentence = rng.choice(sentences)
    yield _quad(s, _iri(TYPE), _iri(LPO + "Claim"), g)
    yield _quad(s, _iri(RDFS + "label"), _lit(f"{kind}: {quote[:60]}"), g)
    yield _quad(s, _iri(LPO + "modality"), _iri(LPV + kind), g)
    yield _quad(s, _iri(LPO + "assertedBy"), _iri(rng.choice(entities)), g)
    yield _quad(s, _iri(PROV + "wasDerivedFrom"), _iri(sentence.split("#")[0]), g)
    yield _quad(s, _iri(LPO + "quote"), _lit(quote, None), g)
    about = []
    for k in range(1, rng.choice((1, 1, 2, 3)) + 1):
        subj, obj = rng.sample(entities, 2)
        node = _iri(f"{c}#s{k}")
        yield _quad(s, _iri(LPO + "statement"), node, g)
        yield _quad(node, _iri(TYPE), _iri(RDF + "Statement"), g)
        yield _quad(node, _iri(RDF + "subject"), _iri(subj), g)
        yield _quad(node, _iri(RDF + "predicate"), _iri(LPO + rng.choice(CLAIM_PREDICATES)), g)
        yield _quad(node, _iri(RDF + "object"), _iri(obj), g)
        about += [subj, obj]
    for entity in dict.fromkeys(about):
        yield _quad(s, _iri(LPO + "about"), _iri(entity), g)
    yield from _anchor(rng, c, quote, sentence)


def _anchor(rng: random.Random, c: str, quote: str, sentence: str) -> Iterator[str]:
    g = CLAIMS
    target, qsel, psel = (_iri(c + f) for f in ("#anchor", "#quote-selector", "#position-selector"))
    nonneg = XSD + "nonNegativeInteger"
    start = rng.randint(0, 40_000)
    yield _quad(_iri(c), _iri(LPO + "anchor"), target, g)
    yield _quad(target, _iri(TYPE), _iri(OA + "SpecificResource"), g)
    yield _quad(target, _iri(OA + "hasSource"), _iri(sentence.split("#")[0]), g)
    yield _quad(target, _iri(OA + "hasSelector"), qsel, g)
    yield _quad(target, _iri(OA + "hasSelector"), psel, g)
    yield _quad(qsel, _iri(TYPE), _iri(OA + "TextQuoteSelector"), g)
    yield _quad(qsel, _iri(OA + "exact"), _lit(quote, None), g)
    yield _quad(qsel, _iri(OA + "prefix"), _lit(_sentence(rng, 5), None), g)
    yield _quad(qsel, _iri(OA + "suffix"), _lit(_sentence(rng, 5), None), g)
    yield _quad(psel, _iri(TYPE), _iri(OA + "TextPositionSelector"), g)
    yield _quad(psel, _iri(OA + "start"), _lit(str(start), datatype=nonneg), g)
    yield _quad(psel, _iri(OA + "end"), _lit(str(start + len(quote)), datatype=nonneg), g)
    yield _quad(_iri(c), _iri(LPO + "sentence"), _iri(sentence), g)


def _sentences(rng: random.Random, docs: int, per_doc: int) -> tuple[list[str], list[str]]:
    lines, iris, g = [], [], CLAIMS
    nonneg = XSD + "nonNegativeInteger"
    for d in range(docs):
        doc = _iri(SOURCE + f"doc-{d:04d}")
        lines.append(_quad(doc, _iri(TYPE), _iri(LPO + "SourceDocument"), g))
        lines.append(_quad(doc, _iri(DCT + "title"), _lit(f"Synthetic document {d}"), g))
        offset = 0
        for k in range(1, per_doc + 1):
            iri = f"{SOURCE}doc-{d:04d}#s{k}"
            text = _sentence(rng, 15)
            iris.append(iri)
            lines.append(_quad(_iri(iri), _iri(TYPE), _iri(LPO + "Sentence"), g))
            lines.append(_quad(_iri(iri), _iri(DCT + "isPartOf"), doc, g))
            lines.append(_quad(_iri(iri), _iri(LPO + "sentenceNumber"),
                               _lit(str(k), datatype=XSD + "positiveInteger"), g))
            lines.append(_quad(_iri(iri), _iri(LPO + "text"), _lit(text, None), g))
            lines.append(_quad(_iri(iri), _iri(LPO + "start"), _lit(str(offset), datatype=nonneg),
                               g))
            offset += len(text)
            lines.append(_quad(_iri(iri), _iri(LPO + "end"), _lit(str(offset), datatype=nonneg), g))
            offset += 1
    return lines, iris


def generate(triples: int, seed: int) -> Iterator[str]:
    """Yield N-Quads lines for a corpus of about ``triples`` quads, deterministically."""
    rng = random.Random(seed)
    scale = triples / 1_000_000
    n_entities, n_members = int(28_000 * scale), int(20_000 * scale)
    n_events, n_claims = int(14_000 * scale), int(16_000 * scale)
    yield from _ontology()
    by_class: dict[str, list[str]] = {c: [] for c, _ in ENTITY_CLASSES}
    for slug, label, cls, aliases in SEED_ENTITIES:
        by_class[cls].append(ID + slug)
        yield from _entity(rng, ID + slug, label, cls, aliases)
    for n in range(n_entities):
        cls = _weighted(rng, ENTITY_CLASSES)
        ent = ID + f"{cls.lower()}-{n:07d}"
        by_class[cls].append(ent)
        aliases = [_name(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
        yield from _entity(rng, ent, _name(rng), cls, aliases)
    members = by_class["ArmedGroup"] + by_class["Person"]
    orgs = by_class["UmbrellaGroup"] + by_class["GovernmentBody"] + by_class["PoliticalParty"]
    # Zipf-like: a few organisations (the real umbrella groups first) have many members.
    org_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(orgs))]
    for n in range(n_members):
        yield from _membership(rng, n, rng.choice(members), rng.choices(orgs, org_weights)[0])
    entities = [e for ents in by_class.values() for e in ents]
    places = by_class["City"] + by_class["Governorate"] + by_class["State"]
    for n in range(n_events):
        yield from _event(rng, n, entities, places)
    lines, sentence_iris = _sentences(rng, max(1, int(20 * scale)), 250)
    yield from lines
    for n in range(n_claims):
        yield from _claim(rng, n, entities, sentence_iris)


def main(argv: list[str] | None = None) -> int:
    """Write the corpus to ``--out`` and print how many quads it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="approximate quad count")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same file)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/synthetic-1m.nq"))
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".part")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for line in generate(args.triples, args.seed):
            fh.write(line)
            count += 1
    tmp.replace(args.out)
    print(f"wrote {count} quads to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
