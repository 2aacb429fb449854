"""The one place where lodpub's IRIs and prefixes are defined.

Everything lodpub mints lives under one persistent HTTP base (``BASE``). A deployment that
serves the data at another address maps the base onto its host (see ``web``); the IRIs in the
data never change.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.namespace import Namespace as _NS

BASE = "https://w3id.org/lodpub/"

LPO = Namespace(BASE + "ontology/")  # classes and properties of the geopolitics ontology
LPV = Namespace(BASE + "vocab/")  # SKOS concepts: modality, link status, designation programmes
ID = Namespace(BASE + "id/")  # entities, events and n-ary nodes
CLAIM = Namespace(BASE + "claim/")  # one node per curated record (fact or claim)
SOURCE = Namespace(BASE + "source/")  # source documents; sentences are SOURCE[doc + "#s12"]
GRAPH = Namespace(BASE + "graph/")  # named graphs

LPS = Namespace(BASE + "shapes/")  # SHACL shapes and SPARQL checks (shapes/*.ttl)
ONTOLOGY_IRI = URIRef(BASE + "ontology")
DATASET_IRI = URIRef(BASE + "dataset")
# The base IRI of a query that has no BASE (SPARQL 1.1 section 4.1.1.1 leaves it to the service;
# the Protocol suggests the endpoint): lodpub's persistent endpoint IRI, the same on every host,
# so an answer never depends on the Host header (ETags and the answer cache rely on that).
QUERY_BASE = BASE + "sparql"

GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_FACTS = GRAPH["facts"]
GRAPH_CLAIMS = GRAPH["claims"]
GRAPH_INFERRED = GRAPH["inferred"]
GRAPH_LINKS = GRAPH["links"]
GRAPH_WIKIDATA = GRAPH["wikidata"]

# Graphs that make the "published view" (the Turtle dump): what a reader takes as asserted.
PUBLISHED_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_FACTS, GRAPH_INFERRED)
# The endpoint's default graph: the merge of what the publisher asserts, i.e. the published
# view plus the same facts in Wikidata's model (so a query written for Wikidata runs as it is).
# graph:claims (what each source says, forecasts and denials included) and graph:links (link
# status of every entity) are named graphs only: a query reads them with GRAPH or FROM.
DEFAULT_GRAPHS = (*PUBLISHED_GRAPHS, GRAPH_WIKIDATA)

# External vocabularies.
SCHEMA = _NS("https://schema.org/")
ORG = _NS("http://www.w3.org/ns/org#")
TIME = _NS("http://www.w3.org/2006/time#")
SEM = _NS("http://semanticweb.cs.vu.nl/2009/11/sem/")
OA = _NS("http://www.w3.org/ns/oa#")
VOID = _NS("http://rdfs.org/ns/void#")
SD = _NS("http://www.w3.org/ns/sparql-service-description#")
SH = _NS("http://www.w3.org/ns/shacl#")
SPDX = _NS("http://spdx.org/rdf/terms#")
WD = _NS("http://www.wikidata.org/entity/")
WDT = _NS("http://www.wikidata.org/prop/direct/")
P = _NS("http://www.wikidata.org/prop/")
PS = _NS("http://www.wikidata.org/prop/statement/")
PQ = _NS("http://www.wikidata.org/prop/qualifier/")
PR = _NS("http://www.wikidata.org/prop/reference/")
PSV = _NS("http://www.wikidata.org/prop/statement/value/")
PQV = _NS("http://www.wikidata.org/prop/qualifier/value/")
WDS = _NS("http://www.wikidata.org/entity/statement/")
WDREF = _NS("http://www.wikidata.org/reference/")
WIKIBASE = _NS("http://wikiba.se/ontology#")

PREFIXES: dict[str, str] = {
    "lpo": str(LPO),
    "lpv": str(LPV),
    "id": str(ID),
    "claim": str(CLAIM),
    "source": str(SOURCE),
    "graph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "time": str(TIME),
    "sem": str(SEM),
    "oa": str(OA),
    "void": str(VOID),
    "sd": str(SD),
    "sh": str(SH),
    "spdx": str(SPDX),
    "wd": str(WD),
    "wdt": str(WDT),
    "p": str(P),
    "ps": str(PS),
    "pq": str(PQ),
    "pr": str(PR),
    "psv": str(PSV),
    "pqv": str(PQV),
    "wds": str(WDS),
    "wdref": str(WDREF),
    "wikibase": str(WIKIBASE),
}


# The properties of a source document's metadata that source.yaml may mark as not stated by the
# document (`<field>_stated_in_document: false`): field -> the property it is published as.
DOCUMENT_FIELDS: dict[str, URIRef] = {
    "title": DCTERMS.title, "author": DCTERMS.creator, "publisher": DCTERMS.publisher,
    "date": DCTERMS.issued,
}

# Prefixes for showing IRIs to people (reports, pages): the data's prefixes plus ``lps:``.
DISPLAY_PREFIXES: dict[str, str] = {**PREFIXES, "lps": str(LPS)}


def curie(term, *, n3: bool = False) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else the IRI itself.

    With ``n3``, the form a report shows: a prefixed name only when its local part is plain
    (letters, digits, ``-_.``), else ``<iri>``; literals in N3 (``"2021"^^xsd:gYear``); ``—``
    for nothing.
    """
    from rdflib import Literal

    if term is None:
        return "—" if n3 else ""
    if isinstance(term, Literal):
        return (term.n3() if term.datatype or term.language else f'"{term}"') if n3 else str(term)
    text = str(term)
    matches = [(len(iri), p) for p, iri in DISPLAY_PREFIXES.items() if text.startswith(iri)]
    if matches:
        prefix = max(matches)[1]
        local = text[len(DISPLAY_PREFIXES[prefix]):]
        if not n3 or (local and all(c.isalnum() or c in "-_." for c in local)):
            return f"{prefix}:{local}"
    return f"<{text}>" if n3 and isinstance(term, URIRef) else text


def bind_prefixes(graph) -> None:
    """Bind lodpub's prefixes on an rdflib graph or dataset (replacing rdflib's defaults)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)


def expand(curie: str) -> URIRef:
    """Expand ``prefix:local`` to a full IRI; a bare name is a term of the lodpub ontology."""
    if curie.startswith(("http://", "https://", "urn:")):
        return URIRef(curie)
    prefix, sep, local = curie.partition(":")
    if not sep:
        return LPO[curie]
    try:
        return URIRef(PREFIXES[prefix] + local)
    except KeyError:
        known = ", ".join(PREFIXES)
        raise KeyError(f"unknown prefix {prefix!r} in {curie!r}; known: {known}") from None


def sentence_iri(source_id: str, number: int) -> URIRef:
    """The IRI of sentence ``number`` (1-based) of source document ``source_id``."""
    return URIRef(f"{SOURCE}{source_id}#s{number}")


__all__ = [name for name in dir() if name.isupper()] + ["bind_prefixes", "curie", "expand",
                                                         "sentence_iri"]
__all__ += ["DCAT", "DCTERMS", "FOAF", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD"]
