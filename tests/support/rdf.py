"""Reading RDF back into rdflib graphs for assertions: response bodies and release dumps.

pyoxigraph parses every format lodpub serves (rdflib's own JSON-LD, TriG and N-Quads parsers
warn about rdflib's deprecated internals, and the suite runs with warnings as errors); the
triples are handed to rdflib, where the tests assert on them.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from lodpub.formats import Format
from lodpub.terms import from_oxigraph


def _rdf_format(fmt: Format | str) -> ox.RdfFormat:
    if isinstance(fmt, Format):
        return fmt.oxigraph_format()
    if "/" in fmt:  # a media type, parameters allowed
        return ox.RdfFormat.from_media_type(fmt.split(";")[0].strip())
    found = next(f for f in Format if f.is_graph and fmt in (f.rdflib_name, *f.names))
    return found.oxigraph_format()


def parse_rdf(body: bytes | str, fmt: Format | str) -> Graph:
    """Every triple of an RDF body (any graph of a dataset format) as one rdflib Graph.

    ``fmt`` is a ``Format``, a media type, or a format name (``turtle``, ``json-ld``, …).
    """
    graph = Graph()
    data = body.encode("utf-8") if isinstance(body, str) else body
    for quad in ox.parse(data, format=_rdf_format(fmt)):
        graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate),
                   from_oxigraph(quad.object)))
    return graph


def named_graphs(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> dict[URIRef, Graph]:
    """Each named graph of a TriG or N-Quads file as an rdflib Graph."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(path), format=fmt):
        by_graph.setdefault(str(quad.graph_name), []).append(quad.triple)
    result = {}
    for name, triples in by_graph.items():
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        result[URIRef(name.strip("<>"))] = Graph().parse(data=data, format="nt")
    return result
