"""The SPARQL 1.1 Service Description of the endpoint, as a graph (no HTTP here).

``sd:endpoint`` is the URL the endpoint is served at (the web layer decides it: ``public_url``,
a trusted host, or the persistent IRI); the result formats are the table's
(``lodpub.formats``), and the default dataset carries VoID triple counts for the default graph
and each named graph.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from lodpub.formats import GRAPH_FORMATS, RESULT_FORMATS
from lodpub.namespaces import DATASET_IRI, SD, VOID


def _dataset(g: Graph, counts: dict[str | None, int], in_dataset: bool) -> BNode:
    dataset = BNode()
    g.add((dataset, RDF.type, SD.Dataset))
    if in_dataset:
        g.add((dataset, VOID.inDataset, DATASET_IRI))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(counts.get(None, 0), datatype=XSD.integer)))
    for name, count in sorted((k, v) for k, v in counts.items() if k is not None):
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(count, datatype=XSD.integer)))
    return dataset


def describe(url: str, counts: dict[str | None, int], *, union: bool, federated: bool,
             in_dataset: bool) -> Graph:
    """The service description graph of the endpoint at ``url``."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(url)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    if union:
        g.add((service, SD.feature, SD.UnionDefaultGraph))
    if federated:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultDataset, _dataset(g, counts, in_dataset)))
    return g
