"""Say why HermiT found the ontology and facts inconsistent.

HermiT's command line reports only "Inconsistent ontology", with no explanation. This module
rebuilds the most common causes from the graphs themselves and asks HermiT one more question:

1. Individuals in two disjoint classes: each individual's types (asserted, from
   ``rdfs:domain``/``rdfs:range`` of the properties it is used with, and every superclass or
   equivalent class of those) are checked against ``owl:disjointWith``, ``owl:AllDisjointClasses``
   and ``owl:disjointUnionOf``; each clash names the individual, both classes, the disjointness
   axiom and where each type comes from.
   Individuals joined by ``owl:sameAs`` (two entities linked to one Wikidata item) share
   their types, as they do for the reasoner.
2. Unsatisfiable classes: HermiT classifies the ontology alone (``-U``); every class equivalent
   to ``owl:Nothing`` is listed, with the individuals asserted in it. If the ontology alone is
   inconsistent, that is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from lodpub.namespaces import BASE, PREFIXES
from lodpub.pipeline.hermit import reasoner_input, run_hermit, write_reasoner_input

_MORE = "See docs/validation.md (reasoning) for how to read and fix an inconsistency."


def diagnose(ontology: Graph, facts: Graph, java_exe: str, workdir: Path) -> str:
    """A message naming what makes ``ontology`` + ``facts`` inconsistent, as far as known."""
    lines = ["HermiT found the ontology and the facts inconsistent (no model exists)."]
    clashes = list(disjoint_clashes(ontology, facts))
    if clashes:
        lines.append("Individuals in disjoint classes:")
        lines.extend(f"  - {clash}" for clash in clashes)
    lines.extend(unsatisfiable_report(ontology, facts, java_exe, workdir))
    if len(lines) == 1:
        lines.append(
            "No individual in two disjoint classes and no unsatisfiable class was found; the "
            "cause is a subtler axiom (cardinality, functional property, owl:sameAs merging two "
            "individuals of disjoint classes, or owl:differentFrom). Remove recent records or "
            "sameAs links until the build passes to find it."
        )
    lines.append(
        "Fix the records in data/ that give these types (or the axiom in ontology/), "
        "or build with `lodpub build --no-reason` to skip reasoning. " + _MORE
    )
    return "\n".join(lines)


def short(term: URIRef | BNode) -> str:
    """A CURIE for ``term`` when one of lodpub's prefixes fits, else ``<iri>``."""
    text = str(term)
    best = ""
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri) and len(iri) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and text != PREFIXES[best]:
        return f"{best}:{text[len(PREFIXES[best]):]}"
    return f"<{text}>" if isinstance(term, URIRef) else f"_:{text}"


def class_parents(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Each named class's direct named superclasses and equivalent classes."""
    parents: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            parents.setdefault(sub, set()).add(sup)
    for a, b in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            parents.setdefault(a, set()).add(b)
            parents.setdefault(b, set()).add(a)
    return parents


def disjoint_pairs(ontology: Graph) -> Iterator[tuple[URIRef, URIRef, str]]:
    """Every pair of named classes declared disjoint, with the axiom that says so."""
    for a, b in ontology.subject_objects(OWL.disjointWith):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            yield a, b, f"{short(a)} owl:disjointWith {short(b)}"
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in ontology.objects(node, OWL.members):
            names = [m for m in Collection(ontology, members) if isinstance(m, URIRef)]
            axiom = "owl:AllDisjointClasses (" + " ".join(short(m) for m in names) + ")"
            yield from ((x, y, axiom) for i, x in enumerate(names) for y in names[i + 1 :])
    for union, members in ontology.subject_objects(OWL.disjointUnionOf):
        names = [m for m in Collection(ontology, members) if isinstance(m, URIRef)]
        axiom = f"{short(union)} owl:disjointUnionOf (" + " ".join(short(m) for m in names) + ")"
        yield from ((x, y, axiom) for i, x in enumerate(names) for y in names[i + 1 :])


def typing(ontology: Graph, facts: Graph) -> dict[URIRef, dict[URIRef, str]]:
    """Each individual's classes, with where each comes from (asserted, domain, range, ⊑)."""
    data = facts + ontology
    reasons: dict[URIRef, dict[URIRef, str]] = {}

    def note(individual, cls, why: str) -> None:
        if isinstance(individual, URIRef) and isinstance(cls, URIRef):
            reasons.setdefault(individual, {}).setdefault(cls, why)

    for s, cls in facts.subject_objects(RDF.type):
        note(s, cls, "asserted")
    for s, p, o in data:
        for dom in ontology.objects(p, RDFS.domain):
            note(s, dom, f"rdfs:domain of {short(p)} (used: {short(s)} {short(p)} {short(o)})")
        for rng in ontology.objects(p, RDFS.range):
            if isinstance(o, URIRef):
                note(o, rng, f"rdfs:range of {short(p)} (used: {short(s)} {short(p)} {short(o)})")
    share_across_same_as(reasons, facts)
    parents = class_parents(ontology)
    for classes in reasons.values():
        todo = list(classes)
        while todo:
            cls = todo.pop()
            for parent in parents.get(cls, ()):
                if parent not in classes:
                    why = f"{short(cls)} ⊑ {short(parent)}; {short(cls)}: {classes[cls]}"
                    classes[parent] = why
                    todo.append(parent)
    return reasons


def share_across_same_as(reasons: dict[URIRef, dict[URIRef, str]], facts: Graph) -> None:
    """Give individuals joined by ``owl:sameAs`` (directly or through a shared Wikidata item)
    each other's types: for OWL they are one individual."""
    groups: dict[URIRef, set[URIRef]] = {}
    for a, b in facts.subject_objects(OWL.sameAs):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
            merged = groups.get(a, {a}) | groups.get(b, {b})
            for member in merged:
                groups[member] = merged
    for individual, group in sorted(groups.items()):
        for other in sorted(group - {individual}):
            for cls, why in sorted(reasons.get(other, {}).items()):
                reasons.setdefault(individual, {}).setdefault(
                    cls, f"through owl:sameAs, as {short(other)}: {why}")


def disjoint_clashes(ontology: Graph, facts: Graph) -> Iterator[str]:
    """One sentence per individual typed in two disjoint classes, in a stable order."""
    pairs = list(disjoint_pairs(ontology))
    found = []
    for individual, classes in typing(ontology, facts).items():
        if not str(individual).startswith(BASE):
            continue  # a Wikidata item shares its lodpub twin's types; name the twin only
        for a, b, axiom in pairs:
            if a in classes and b in classes:
                found.append(
                    f"{short(individual)} is a {short(a)} ({classes[a]}) and a {short(b)} "
                    f"({classes[b]}), but {axiom}"
                )
    yield from sorted(set(found))


def unsatisfiable_report(ontology: Graph, facts: Graph, java_exe: str, workdir: Path) -> list[str]:
    """Lines naming the ontology's unsatisfiable classes (one HermiT run on the ontology alone)."""
    path = write_reasoner_input(reasoner_input(ontology), workdir / "ontology-only.nt")
    ok, output = run_hermit(java_exe, path, ["-U"])
    if not ok:
        return ["The ontology alone (without any facts) is inconsistent: fix ontology/."]
    classes = sorted(
        {URIRef(iri) for iri in re.findall(r"<([^>]+)>", output)} - {OWL.Nothing, OWL.Thing},
        key=str,
    )
    if not classes:
        return []
    lines = ["Unsatisfiable classes (equivalent to owl:Nothing; no individual may be in them):"]
    for cls in classes:
        members = sorted(short(s) for s in facts.subjects(RDF.type, cls))
        holders = f"; asserted for {', '.join(members)}" if members else ""
        lines.append(f"  - {short(cls)}{holders}")
    return lines
