"""Reading release dumps back into rdflib graphs, one per named graph, for assertions.

rdflib's Dataset warns about its own deprecated internals when parsing TriG, and the suite runs
with warnings as errors; pyoxigraph parses and rdflib receives plain N-Triples per graph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef


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
