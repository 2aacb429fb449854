"""The SPARQL 1.1 Service Description of the endpoint, as a graph (no HTTP here).

``sd:endpoint`` is the URL the endpoint is served at (the web layer decides it: ``public_url``,
a trusted host, or the persistent IRI); the result formats are the table's
(``lodpub.formats``), and the default dataset carries VoID triple counts for the default graph
and each named graph. A release's default graph is the merge of some of its named graphs
(``namespaces.DEFAULT_GRAPHS``): the description names them with ``dct:hasPart`` on the default
graph and says so in an ``rdfs:comment``; it claims no ``sd:UnionDefaultGraph``, since graph:claims
and graph:links are left out.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from lodpub.formats import GRAPH_FORMATS, RESULT_FORMATS
from lodpub.namespaces import DATASET_IRI, SD, VOID


def _dataset(g: Graph, counts: dict[str | None, int], in_dataset: bool,
             default_graphs: tuple[str, ...]) -> BNode:
    dataset = BNode()
    g.add((dataset, RDF.type, SD.Dataset))
    if in_dataset:
        g.add((dataset, VOID.inDataset, DATASET_IRI))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(counts.get(None, 0), datatype=XSD.integer)))
    if default_graphs:
        names = ", ".join(f"<{name}>" for name in default_graphs)
        g.add((default, RDFS.comment, Literal(
            f"The merge of the named graphs {names}: what the publisher asserts. Claims "
            "(forecasts, denials, quotations with their provenance) and link evidence are in "
            "named graphs only; read them with GRAPH or FROM.", lang="en")))
        for name in default_graphs:
            g.add((default, DCTERMS.hasPart, URIRef(name)))
    for name, count in sorted((k, v) for k, v in counts.items() if k is not None):
        named, graph = BNode(), BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(count, datatype=XSD.integer)))
    return dataset


def describe(url: str, counts: dict[str | None, int], *, default_graphs: tuple[str, ...],
             federated: bool, in_dataset: bool) -> Graph:
    """The service description graph of the endpoint at ``url``.

    ``default_graphs`` are the named graphs the default graph merges (empty: the store's own
    default graph, as for ``serve --data``).
    """
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(url)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    if federated:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultDataset, _dataset(g, counts, in_dataset, default_graphs)))
    return g
