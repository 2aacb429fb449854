"""Moving RDF terms between rdflib, pyoxigraph and SPARQL JSON results. No I/O."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term; TypeError for anything that is not an RDF term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"{term!r} is not an RDF term")


def from_sparql_json(binding: dict[str, Any]) -> Node:
    """The rdflib term of one binding of SPARQL 1.1 JSON results."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    datatype = binding.get("datatype")
    return Literal(value, lang=binding.get("xml:lang"),
                   datatype=URIRef(datatype) if datatype else None)


def from_oxigraph(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """A pyoxigraph term as an rdflib term (plain strings without a datatype, as lodpub's)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = None if term.datatype.value == str(XSD.string) else URIRef(term.datatype.value)
    return Literal(term.value, datatype=datatype)
