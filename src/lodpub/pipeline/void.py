"""The VoID + DCAT description of the dataset and of one release (void.ttl).

It names the SPARQL endpoint, every dump with size and SHA-256, the named graphs as subsets with
their triple counts, each source document's part of the dataset, the vocabularies used, and the
linkset to Wikidata.

Each document is a described part of the dataset: a ``void:subset`` (also ``dcat:Dataset`` and
``dct:isPartOf`` the dataset), ``<dataset>#document-<id>``, with ``dct:source`` the document,
its title, whether it is an excerpt, and class partitions counting its claims and sentences
and the entities its claims are about. A subset, not a ``dcat:distribution``: a distribution is
the whole dataset in one serialization, while a document contributes a slice of the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import Graph, Literal, URIRef

from lodpub import __version__
from lodpub.namespaces import (
    BASE,
    DATASET_IRI,
    DCAT,
    DCTERMS,
    FOAF,
    GRAPH_CLAIMS,
    GRAPH_FACTS,
    LPO,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SD,
    SOURCE,
    SPDX,
    VOID,
    WD,
    XSD,
    bind_prefixes,
)
from lodpub.pipeline.sources import Source

WIKIDATA_DATASET = URIRef("https://www.wikidata.org/")
# IANA's media type registry, written as the DCAT recommendation's examples write it.
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
VOCABULARIES = ("lpo", "lpv", "schema", "org", "prov", "oa", "skos", "dct", "owl", "rdfs", "time",
                "sem", "wikibase")
GRAPH_TITLES = {
    "ontology": "The geopolitics ontology (TBox) and SKOS schemes",
    "facts": "Reported facts only: the plain triples a SPARQL user queries first",
    "claims": "Every claim (fact, forecast, assessment, …) with provenance and text anchors",
    "links": "Wikidata link status and the evidence for each link",
    "inferred": "Triples added by the OWL reasoner (HermiT), kept apart from asserted ones",
    "wikidata": "The facts in Wikidata's RDF model (wdt:, p:/ps:/pq:) with references",
}


def _summary(sources: Sequence[Source]) -> tuple[str, str]:
    titles = [s.meta.get("title") or s.id for s in sources]
    descriptions = " ".join(s.meta.get("description", "") for s in sources).strip()
    title = "lodpub: " + ("; ".join(titles) if len(titles) == 1
                          else f"{len(titles)} documents compared: " + "; ".join(titles))
    description = (
        f"Facts and claims from {'; '.join(titles)}, each tied to the sentence it comes from; "
        "forecasts, assessments and recommendations are kept apart from reported facts. "
        + descriptions).strip()
    return title, description


def citation(title: str, version: str, sources: Sequence[Source], license_iri: str) -> str:
    """How to cite this release: dataset, version, persistent IRI, source, licence."""
    derived = "; ".join(s.meta.get("title") or s.id for s in sources)
    return (f"{title}. Release {version}. {DATASET_IRI} (dump checksums: "
            f"{BASE}downloads/SHA256SUMS). Derived from: {derived}. Licence: {license_iri}.")


def describe(version: str, graphs: Mapping[URIRef, Graph], files: Sequence[dict],
             sources: Sequence[Source], license_iri: str) -> Graph:
    """VoID and DCAT triples for the dataset and this release."""
    g = Graph()
    bind_prefixes(g)
    ds = DATASET_IRI
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((ds, RDF.type, t))
    title, description = _summary(sources)
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, RDFS.label, Literal(title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(description, lang="en")))
    g.add((ds, DCTERMS.bibliographicCitation,
           Literal(citation(title, version, sources, license_iri), lang="en")))
    g.add((ds, DCTERMS.license, URIRef(license_iri)))
    g.add((ds, URIRef(str(DCAT) + "version"), Literal(version)))  # DCAT 3; rdflib's DCAT is DCAT 2
    g.add((ds, OWL.versionInfo, Literal(version)))
    g.add((ds, DCTERMS.conformsTo, ONTOLOGY_IRI))
    g.add((ds, VOID.sparqlEndpoint, URIRef(BASE + "sparql")))
    g.add((ds, VOID.rootResource, URIRef(BASE)))
    g.add((ds, VOID.uriSpace, Literal(BASE)))
    g.add((ds, DCAT.landingPage, URIRef(BASE)))
    g.add((ds, FOAF.homepage, URIRef(BASE)))
    g.add((ds, DCTERMS.creator, Literal(f"lodpub {__version__}")))
    for source in sources:
        g.add((ds, DCTERMS.source, SOURCE[source.id]))
    for prefix in VOCABULARIES:
        g.add((ds, VOID.vocabulary, URIRef(PREFIXES[prefix])))
    total = sum(len(graph) for graph in graphs.values())
    g.add((ds, VOID.triples, Literal(total, datatype=XSD.integer)))
    entities = {s for s in graphs[GRAPH_FACTS].subjects() if str(s).startswith(BASE + "id/")}
    g.add((ds, VOID.entities, Literal(len(entities), datatype=XSD.integer)))
    _subsets(g, graphs)
    _documents(g, graphs, sources)
    _distributions(g, files)
    _linkset(g, graphs[GRAPH_FACTS])
    service = URIRef(BASE + "sparql#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(BASE + "sparql")))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    return g


def _subsets(g: Graph, graphs: Mapping[URIRef, Graph]) -> None:
    for name in sorted(graphs, key=str):
        subset = URIRef(f"{name}#dataset")
        local = str(name).rsplit("/", 1)[-1]
        g.add((DATASET_IRI, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, name))
        g.add((subset, DCTERMS.title, Literal(GRAPH_TITLES.get(local, local), lang="en")))
        g.add((subset, VOID.triples, Literal(len(graphs[name]), datatype=XSD.integer)))


def document_subset(source_id: str) -> URIRef:
    """The IRI of a document's part of the dataset."""
    return URIRef(f"{DATASET_IRI}#document-{source_id}")


def _partition(g: Graph, subset: URIRef, name: str, cls: URIRef, count: int) -> None:
    node = URIRef(f"{subset}-{name}")
    g.add((subset, VOID.classPartition, node))
    g.add((node, VOID["class"], cls))
    g.add((node, VOID.entities, Literal(count, datatype=XSD.integer)))


def _documents(g: Graph, graphs: Mapping[URIRef, Graph], sources: Sequence[Source]) -> None:
    claims = graphs.get(GRAPH_CLAIMS, Graph())
    for source in sources:
        doc = SOURCE[source.id]
        subset = document_subset(source.id)
        title = source.meta.get("title") or source.id
        g.add((DATASET_IRI, VOID.subset, subset))
        for t in (VOID.Dataset, DCAT.Dataset):
            g.add((subset, RDF.type, t))
        g.add((subset, DCTERMS.isPartOf, DATASET_IRI))
        g.add((subset, DCTERMS.title, Literal(f"From the document: {title}", lang="en")))
        g.add((subset, DCTERMS.source, doc))
        g.add((subset, FOAF.page, doc))
        kind = ("the complete text" if source.complete
                else "an excerpt: only part of the text could be retrieved")
        g.add((subset, DCTERMS.description, Literal(
            f"The claims derived from the document ({kind}), each tied to its sentence, with "
            "the document's sentences and metadata.", lang="en")))
        found = list(claims.subjects(PROV.wasDerivedFrom, doc))
        about = {e for c in found for e in claims.objects(c, LPO.about)}
        _partition(g, subset, "claims", LPO.Claim, len(found))
        _partition(g, subset, "sentences", LPO.Sentence, len(source.sentences))
        g.add((subset, VOID.entities, Literal(len(about), datatype=XSD.integer)))


def _distributions(g: Graph, files: Sequence[dict]) -> None:
    for entry in files:
        url = URIRef(BASE + "downloads/" + entry["name"])
        dist = URIRef(f"{DATASET_IRI}#dist-{entry['name']}")
        if entry["name"].startswith(("lodpub.", "ontology.")):
            g.add((DATASET_IRI, VOID.dataDump, url))
        g.add((DATASET_IRI, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(entry["name"])))
        g.add((dist, DCTERMS.description, Literal(entry["description"], lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        # mediaType is the format of the data; a compressed file also says its compression
        g.add((dist, DCAT.mediaType, media_type_iri(entry["media_type"])))
        if entry.get("compress_format"):
            g.add((dist, DCAT.compressFormat, media_type_iri(entry["compress_format"])))
        g.add((dist, DCTERMS.format, Literal(entry["format"])))
        g.add((dist, DCAT.byteSize, Literal(entry["size"], datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{dist}-sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(entry["sha256"],
                                                               datatype=XSD.hexBinary)))
        if entry.get("triples") is not None:
            g.add((dist, VOID.triples, Literal(entry["triples"], datatype=XSD.integer)))


def media_type_iri(media_type: str) -> URIRef:
    """The IANA registry IRI of ``media_type`` (parameters such as charset dropped)."""
    return URIRef(MEDIA_TYPES + media_type.split(";")[0].strip())


def _linkset(g: Graph, facts: Graph) -> None:
    links = [(s, o) for s, o in facts.subject_objects(OWL.sameAs) if str(o).startswith(str(WD))]
    linkset = URIRef(f"{DATASET_IRI}#wikidata-links")
    g.add((DATASET_IRI, VOID.subset, linkset))
    g.add((linkset, RDF.type, VOID.Linkset))
    g.add((linkset, DCTERMS.title, Literal("owl:sameAs links to Wikidata", lang="en")))
    g.add((linkset, VOID.linkPredicate, OWL.sameAs))
    g.add((linkset, VOID.subjectsTarget, DATASET_IRI))
    g.add((linkset, VOID.objectsTarget, WIKIDATA_DATASET))
    g.add((linkset, VOID.triples, Literal(len(links), datatype=XSD.integer)))
    g.add((WIKIDATA_DATASET, RDF.type, VOID.Dataset))
    g.add((WIKIDATA_DATASET, RDFS.label, Literal("Wikidata", lang="en")))
    g.add((WIKIDATA_DATASET, VOID.uriSpace, Literal(str(WD))))
    g.add((WIKIDATA_DATASET, VOID.sparqlEndpoint, URIRef("https://query.wikidata.org/sparql")))


def _text(graph: Graph, node: URIRef, predicate: URIRef) -> str:
    value = graph.value(node, predicate)
    return "" if value is None else str(value)


def _number(graph: Graph, node: URIRef, predicate: URIRef) -> int | None:
    value = graph.value(node, predicate)
    return None if value is None else int(value)


def _media(iri: str) -> str:
    """``application/gzip`` from its IANA IRI (older releases wrote https://www.iana.org/…)."""
    for registry in (MEDIA_TYPES, MEDIA_TYPES.replace("http:", "https:", 1)):
        if iri.startswith(registry):
            return iri[len(registry):]
    return iri


def _distribution(graph: Graph, dist: URIRef) -> dict:
    checksum = graph.value(dist, SPDX.checksum)
    return {
        "iri": str(dist), "anchor": str(dist).partition("#")[2],
        "title": _text(graph, dist, DCTERMS.title),
        "description": _text(graph, dist, DCTERMS.description),
        "url": _text(graph, dist, DCAT.downloadURL), "format": _text(graph, dist, DCTERMS.format),
        "media_type": _media(_text(graph, dist, DCAT.mediaType)),
        "compress_format": _media(_text(graph, dist, DCAT.compressFormat)),
        "size": _number(graph, dist, DCAT.byteSize), "triples": _number(graph, dist, VOID.triples),
        "sha256": _text(graph, checksum, SPDX.checksumValue) if checksum is not None else "",
        "checksum_anchor": str(checksum).partition("#")[2] if checksum is not None else "",
    }


def _subset(graph: Graph, subset: URIRef) -> dict:
    return {"iri": str(subset), "anchor": str(subset).partition("#")[2],
            "name": _text(graph, subset, SD.name), "title": _text(graph, subset, DCTERMS.title),
            "predicate": _text(graph, subset, VOID.linkPredicate),
            "target": _text(graph, subset, VOID.objectsTarget),
            "triples": _number(graph, subset, VOID.triples)}


def _document(graph: Graph, subset: URIRef) -> dict:
    counts = {str(graph.value(p, VOID["class"])): _number(graph, p, VOID.entities)
              for p in graph.objects(subset, VOID.classPartition)}
    return {"iri": str(subset), "anchor": str(subset).partition("#")[2],
            "source": _text(graph, subset, DCTERMS.source),
            "title": _text(graph, subset, DCTERMS.title),
            "description": _text(graph, subset, DCTERMS.description),
            "claims": counts.get(str(LPO.Claim)), "sentences": counts.get(str(LPO.Sentence)),
            "entities": _number(graph, subset, VOID.entities)}


def summary(graph: Graph) -> dict:
    """What a description (void.ttl) says about the dataset, as plain values for a page."""
    ds = DATASET_IRI
    subsets = sorted(s for s in graph.objects(ds, VOID.subset) if isinstance(s, URIRef))
    linksets = [s for s in subsets if (s, RDF.type, VOID.Linkset) in graph]
    documents = [s for s in subsets if graph.value(s, DCTERMS.source) is not None]
    dists = [d for d in graph.objects(ds, DCAT.distribution) if isinstance(d, URIRef)]
    return {
        "title": _text(graph, ds, DCTERMS.title) or "lodpub dataset",
        "description": _text(graph, ds, DCTERMS.description),
        "citation": _text(graph, ds, DCTERMS.bibliographicCitation),
        "license": _text(graph, ds, DCTERMS.license),
        "version": _text(graph, ds, OWL.versionInfo),
        "triples": _number(graph, ds, VOID.triples),
        "entities": _number(graph, ds, VOID.entities),
        "endpoint": _text(graph, ds, VOID.sparqlEndpoint),
        "conforms_to": _text(graph, ds, DCTERMS.conformsTo),
        "sources": sorted(str(s) for s in graph.objects(ds, DCTERMS.source)),
        "vocabularies": sorted(str(v) for v in graph.objects(ds, VOID.vocabulary)),
        "graphs": [_subset(graph, s) for s in subsets if s not in linksets and s not in documents],
        "documents": [_document(graph, s) for s in documents],
        "linksets": [_subset(graph, s) for s in linksets],
        "distributions": sorted((_distribution(graph, d) for d in dists),
                                key=lambda d: d["title"]),
    }
