"""Consistency check and inference with HermiT, the reasoner bundled with owlready2.

``reason(ontology, facts)`` hands the ontology and the facts graph to HermiT and returns only
the triples HermiT entails that were not already asserted: the ``graph:inferred`` named graph.

How it runs, and why not simply ``owlready2.sync_reasoner_hermit``:

* The input goes through an isolated ``owlready2.World`` (one per call, never
  ``default_world``), which reads N-Triples (owlready2 reads no Turtle) and writes the
  N-Triples HermiT loads, into a temporary directory removed afterwards.
* HermiT is then started with the same jar and flags as ``sync_reasoner_hermit``
  (``-c -O -D -I -Y``), but by this module, because ``sync_reasoner_hermit`` (owlready2 0.51)
  (a) takes the Java path from the global ``owlready2.JAVA_EXE``, (b) skips every inferred
  property value whose inverse is asserted (so ``hasMember`` from an asserted ``memberOf`` and
  the symmetric half of a ``borders`` pair are lost) and (c) prints to stderr. Parsing HermiT's
  own output keeps every inference.
* HermiT rejects ``xsd:date``, ``xsd:gYear`` and ``xsd:gYearMonth`` literals. lodpub's dates
  carry no OWL semantics (no axiom compares them), so literals whose datatype is not in the
  OWL 2 datatype map are left out of the reasoner's input, and HermiT is told to ignore
  axioms on unsupported datatypes (``--ignoreUnsupportedDatatypes``). See docs/validation.md.
* Inferred triples kept: ``rdf:type`` to every named class an individual belongs to (HermiT
  reports the most specific ones; their superclasses are added), and object property values
  (inverse, symmetric, transitive from HermiT's ``-Y``; the values sub-properties give, which
  ``-Y`` leaves out, are added here from HermiT's property hierarchy), for subjects under
  lodpub's base IRI. Dropped:
  ``owl:Thing``/``owl:NamedIndividual`` types, property values whose object is outside the
  base (HermiT copies values across ``owl:sameAs`` to Wikidata items, which adds nothing),
  reflexive triples and anything already asserted.

An inconsistency raises ``ReasoningError`` with the diagnosis of ``lodpub.pipeline.inconsistency``;
no Java raises ``JavaMissing``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from lodpub.errors import ReasoningError
from lodpub.namespaces import BASE
from lodpub.pipeline.hermit import find_java, reasoner_input, run_hermit, write_reasoner_input
from lodpub.pipeline.inconsistency import diagnose

_TRIVIAL_CLASSES = frozenset({OWL.Thing, OWL.NamedIndividual, OWL.Nothing})
_TRIVIAL_PROPERTIES = frozenset({OWL.topObjectProperty, OWL.bottomObjectProperty, OWL.sameAs})
_AXIOM_LINE = re.compile(r"^([A-Za-z]+)\( ((?:<[^>]+>\s*)+)\)$", re.MULTILINE)
_PROPERTY_LINE = re.compile(
    r"^<([^>]+)> \(known instances:\s*(.*?)\s*\|\s*possible instances:", re.MULTILINE
)
_PAIR = re.compile(r"\(<([^>]+)>, <([^>]+)>\)")
_PROPERTY_AXIOM = re.compile(
    r"^(SubObjectPropertyOf|EquivalentObjectProperties)\( "
    r"(ObjectInverseOf\( )?<([^>]+)>(?: \))? (ObjectInverseOf\( )?<([^>]+)>(?: \))? \)$",
    re.MULTILINE,
)


def reason(ontology: Graph, facts: Graph, *, java: str | None = None) -> Graph:
    """Check ``ontology`` + ``facts`` with HermiT and return only the newly inferred triples.

    ``java`` is the Java executable (default: ``$JAVA_HOME/bin/java``, else ``java`` on PATH).
    Raises ``JavaMissing`` when no Java runs, ``ReasoningError`` when the data is inconsistent
    (naming the individuals, classes and axioms involved) or HermiT fails.
    """
    java_exe = find_java(java)
    asserted = merge(ontology, facts)
    with tempfile.TemporaryDirectory(prefix="lodpub-reason-") as tmp:
        path = write_reasoner_input(reasoner_input(asserted), Path(tmp) / "input.nt")
        ok, output = run_hermit(java_exe, path, ["-c", "-O", "-D", "-I", "-Y"])
        if not ok:
            raise ReasoningError(diagnose(ontology, facts, java_exe, Path(tmp)))
    return new_triples(output, asserted)


def property_supers(output: str) -> dict[str, set[tuple[str, bool]]]:
    """Each object property's super-properties from HermiT's output: (super, inverted).

    ``(q, True)`` means p ⊑ inverse(q): a value (s, p, o) gives (o, q, s). Inverse
    declarations appear as equivalences with ``ObjectInverseOf``; symmetric properties as
    their own inverse.
    """
    supers: dict[str, set[tuple[str, bool]]] = {}
    for relation, inv_a, a, inv_b, b in _PROPERTY_AXIOM.findall(output):
        inverted = bool(inv_a) != bool(inv_b)
        supers.setdefault(a, set()).add((b, inverted))
        if relation == "EquivalentObjectProperties":
            supers.setdefault(b, set()).add((a, inverted))
    return supers


def close_values(values: set[tuple], supers: dict, transitive: set[str]) -> set[tuple]:
    """``values`` closed under super-properties, inverses and transitive properties.

    HermiT's ``-Y`` lists the values of each property with its inverses, symmetric and
    transitive closure, but not those a sub-property gives (``memberOf`` ⊑ ``org:memberOf``).
    """
    closed = set(values)
    while True:
        added = set()
        for s, p, o in closed:
            for q, inverted in supers.get(p, ()):
                added.add((o, q, s) if inverted else (s, q, o))
        for s, p, o in closed:
            if p in transitive:
                added.update((s, p, o2) for s2, p2, o2 in closed if p2 == p and s2 == o)
        if added <= closed:
            return closed
        closed |= added


def merge(*graphs: Graph) -> Graph:
    """A new graph holding the triples of every given graph."""
    merged = Graph()
    for graph in graphs:
        for triple in graph:
            merged.add(triple)
    return merged


def parse_hermit(output: str) -> tuple[dict[str, set[str]], dict[str, set[str]], set[tuple]]:
    """Parse HermiT's output into (types, superclasses, property values).

    ``types`` maps an individual to the classes HermiT reports for it; ``superclasses`` maps a
    class to its direct named superclasses and equivalents; property values are (s, p, o).
    """
    types: dict[str, set[str]] = {}
    supers: dict[str, set[str]] = {}
    for relation, iris in _AXIOM_LINE.findall(output):
        names = re.findall(r"<([^>]+)>", iris)
        if relation == "Type":
            types.setdefault(names[0], set()).add(names[1])
        elif relation == "SubClassOf":
            supers.setdefault(names[0], set()).add(names[1])
        elif relation == "EquivalentClasses":
            for a in names:
                supers.setdefault(a, set()).update(n for n in names if n != a)
    values = set()
    for prop, known in _PROPERTY_LINE.findall(output):
        values.update((s, prop, o) for s, o in _PAIR.findall(known))
    return types, supers, values


def ancestors(cls: str, supers: dict[str, set[str]]) -> set[str]:
    """``cls`` and every class above it (or equivalent to it) in ``supers``."""
    seen, todo = {cls}, [cls]
    while todo:
        for parent in supers.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def new_triples(output: str, asserted: Graph) -> Graph:
    """The triples HermiT's ``output`` entails that are new, non-trivial and about lodpub."""
    types, supers, values = parse_hermit(output)
    transitive = {str(p) for p in asserted.subjects(RDF.type, OWL.TransitiveProperty)}
    values = close_values(values, property_supers(output), transitive)
    inferred = Graph()
    for individual, classes in types.items():
        if not individual.startswith(BASE):
            continue
        for cls in set().union(*(ancestors(c, supers) for c in classes)):
            triple = (URIRef(individual), RDF.type, URIRef(cls))
            if triple[2] not in _TRIVIAL_CLASSES and triple not in asserted:
                inferred.add(triple)
    for s, p, o in values:
        if s == o or not (s.startswith(BASE) and o.startswith(BASE)):
            continue
        triple = (URIRef(s), URIRef(p), URIRef(o))
        if triple[1] not in _TRIVIAL_PROPERTIES and triple not in asserted:
            inferred.add(triple)
    return inferred
