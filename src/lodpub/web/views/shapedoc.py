"""Which SHACL shapes apply to an ontology term, described for its documentation page.

A shape applies to a class when it targets the class or a superclass (``sh:targetClass``), or
when its SPARQL target selects the entities under ``id:`` (every entity, whatever its class);
to a property when it targets the property's subjects or objects or constrains it as a path.
Pure functions over the shapes and ontology graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from lodpub.namespaces import SH, curie


@dataclass
class ShapeDoc:
    """One shape as the term page shows it."""

    iri: str
    name: str
    target: str  # how the shape selects what it checks, in words
    comment: str = ""
    messages: list[str] = field(default_factory=list)
    turtle: str = ""


def _targets(shapes: Graph, onto: Graph, term: URIRef, is_class: bool) -> dict:
    found: dict = {}
    if is_class:
        for cls in (term, *onto.transitive_objects(term, RDFS.subClassOf)):
            for shape in shapes.subjects(SH.targetClass, cls):
                found.setdefault(shape, f"every instance of {curie(cls)}")
        for shape, target in shapes.subject_objects(SH.target):
            select = str(shapes.value(target, SH.select) or "")
            if "id:" in select:
                found.setdefault(shape, "every entity under id: (a SPARQL target)")
        return found
    for shape in shapes.subjects(SH.targetSubjectsOf, term):
        found.setdefault(shape, f"every subject of {curie(term)}")
    for shape in shapes.subjects(SH.targetObjectsOf, term):
        found.setdefault(shape, f"every object of {curie(term)}")
    for prop_shape in shapes.subjects(SH.path, term):
        owners = list(shapes.subjects(SH.property, prop_shape)) or [prop_shape]
        for owner in owners:
            found.setdefault(owner, f"the values of {curie(term)}")
    return found


def shape_graph(shapes: Graph, shape) -> Graph:
    """The shape's own triples with its property shapes (named or not)."""
    text = Graph(namespace_manager=shapes.namespace_manager)
    text += shapes.cbd(shape)
    for prop_shape in shapes.objects(shape, SH.property):
        if isinstance(prop_shape, URIRef):
            text += shapes.cbd(prop_shape)
    return text


def describe_shape(shapes: Graph, shape: URIRef) -> ShapeDoc:
    """A shape on its own page: what it targets, in words, and what it checks."""
    targets = [f"instances of {curie(c)}" for c in shapes.objects(shape, SH.targetClass)]
    targets += [f"subjects of {curie(p)}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    targets += [f"objects of {curie(p)}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    targets += ["what its SPARQL target selects" for _ in shapes.objects(shape, SH.target)]
    targets += [f"the values of {curie(p)}" for p in shapes.objects(shape, SH.path)]
    return _describe(shapes, shape, "; ".join(targets) or "what other shapes refer to it")


def _describe(shapes: Graph, shape, target: str) -> ShapeDoc:
    text = shape_graph(shapes, shape)
    name = shapes.value(shape, SH.name) or (curie(shape) if isinstance(shape, URIRef) else "")
    return ShapeDoc(
        iri=str(shape) if isinstance(shape, URIRef) else "",
        name=str(name or "(unnamed shape)"),
        target=target,
        comment=str(shapes.value(shape, RDFS.comment) or ""),
        messages=sorted({str(m) for m in text.objects(None, SH.message)}),
        turtle=text.serialize(format="turtle"),
    )


def shapes_for(shapes: Graph, onto: Graph, term: URIRef, is_class: bool) -> list[ShapeDoc]:
    """The shapes that apply to ``term``, sorted by name."""
    found = _targets(shapes, onto, term, is_class)
    return sorted((_describe(shapes, s, t) for s, t in found.items()), key=lambda d: d.name)
