"""The SPARQL 1.1 Service Description answered by GET /sparql without a query.

``sd:endpoint`` is the URL actually served (``public_url`` if set, else the request's own URL),
the supported result formats are the ``ResultFormat`` members, and the default dataset carries
VoID triple counts for the default graph and each named graph.
"""

from __future__ import annotations

from flask import Request, Response
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from lodpub.formats import ResultFormat
from lodpub.namespaces import DATASET_IRI, SD, VOID
from lodpub.web.http import negotiate

RDFLIB_FORMATS = {
    ResultFormat.TURTLE: "turtle", ResultFormat.NTRIPLES: "nt", ResultFormat.JSONLD: "json-ld",
    ResultFormat.RDFXML: "xml", ResultFormat.TRIG: "trig", ResultFormat.NQUADS: "nquads",
}


def endpoint_url(settings, req: Request) -> str:
    """The URL this endpoint is served at."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/sparql"
    return req.base_url


def _dataset(g: Graph, pub) -> BNode:
    dataset = BNode()
    g.add((dataset, RDF.type, SD.Dataset))
    if pub.release is not None:
        g.add((dataset, VOID.inDataset, DATASET_IRI))
    counts = pub.graph_counts()
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


def describe(pub, url: str) -> Graph:
    """The service description graph for the endpoint at ``url``."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(url)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in ResultFormat:
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    if pub.union_default_graph:
        g.add((service, SD.feature, SD.UnionDefaultGraph))
    if pub.settings.service_allowlist:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.defaultDataset, _dataset(g, pub)))
    return g


def service_description(pub, req: Request) -> Response:
    """The negotiated service description response (Turtle unless asked otherwise)."""
    fmt = negotiate.choose(req, ResultFormat.graphs(), "the service description")
    body = describe(pub, endpoint_url(pub.settings, req)).serialize(format=RDFLIB_FORMATS[fmt])
    return Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})
