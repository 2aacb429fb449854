"""Deterministic dumps of a release: RDF files, VoID/DCAT description, manifest, checksums.

Same graphs in, byte-identical files out: blank nodes are relabelled canonically, quads are
written in sorted order by pyoxigraph's serializers, gzip headers carry no timestamp, and no
file records the time of the build.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

from lodpub.namespaces import GRAPH_ONTOLOGY, PREFIXES, PUBLISHED_GRAPHS
from lodpub.terms import to_oxigraph

GZIP = "application/gzip"


@dataclass(frozen=True)
class DumpFile:
    """One file of a release as listed in release.json and on /downloads."""

    name: str
    format: str
    media_type: str
    description: str
    triples: int | None = None
    compress_format: str = ""  # the media type of the compression, e.g. application/gzip


def canonical(graph: Graph) -> Graph:
    """The graph with its blank nodes relabelled canonically (stable across runs)."""
    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    return to_canonical_graph(graph)


def sorted_quads(graphs: Mapping[URIRef | None, Graph]) -> list[ox.Quad]:
    """Quads of the named graphs (None = default graph), canonical and sorted."""
    quads = []
    for name in sorted(graphs, key=lambda n: "" if n is None else str(n)):
        target = ox.DefaultGraph() if name is None else ox.NamedNode(str(name))
        for s, p, o in canonical(graphs[name]):
            quads.append(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target))
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return quads


def serialize(quads: Iterable[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """Bytes of ``quads`` in ``fmt``, with lodpub's prefixes where the format has them."""
    out = io.BytesIO()
    items = list(quads)
    if not fmt.supports_datasets:
        items = [ox.Triple(q.subject, q.predicate, q.object) for q in items]
    kwargs = {}
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML,
               ox.RdfFormat.JSON_LD):
        kwargs["prefixes"] = PREFIXES
    ox.serialize(items, out, fmt, **kwargs)
    return out.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with mtime 0 and no file name, so equal input gives equal bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as fh:
        fh.write(data)
    return out.getvalue()


def published_view(graphs: Mapping[URIRef, Graph]) -> Graph:
    """The union of the graphs a reader takes as asserted: ontology, facts, inferred."""
    view = Graph()
    for name in PUBLISHED_GRAPHS:
        if name in graphs:
            view += graphs[name]
    return view


def rdf_files(graphs: Mapping[URIRef, Graph], shapes: Graph) -> dict[str, tuple[bytes, DumpFile]]:
    """Every RDF dump of a release, by file name."""
    everything = sorted_quads(graphs)
    published = sorted_quads({None: published_view(graphs)})
    ontology = sorted_quads({None: graphs[GRAPH_ONTOLOGY]})
    shape_quads = sorted_quads({None: shapes})
    F = ox.RdfFormat
    plan = [
        ("lodpub.ttl", published, F.TURTLE, "Turtle", "text/turtle",
         "Published view: ontology, facts and inferred triples (start here)"),
        ("lodpub.trig", everything, F.TRIG, "TriG", "application/trig",
         "Every named graph: ontology, facts, claims with provenance, links, inferred, wikidata"),
        ("lodpub.nq.gz", everything, F.N_QUADS, "N-Quads (gzip)", "application/n-quads",
         "Every named graph as gzipped N-Quads"),
        ("lodpub.nt.gz", published, F.N_TRIPLES, "N-Triples (gzip)", "application/n-triples",
         "Published view as gzipped N-Triples"),
        ("lodpub.jsonld", everything, F.JSON_LD, "JSON-LD", "application/ld+json",
         "Every named graph as JSON-LD"),
        ("ontology.ttl", ontology, F.TURTLE, "Turtle", "text/turtle",
         "The geopolitics ontology and its SKOS schemes"),
        ("ontology.rdf", ontology, F.RDF_XML, "RDF/XML", "application/rdf+xml",
         "The ontology as RDF/XML (for Protégé and owlready2)"),
        ("shapes.ttl", shape_quads, F.TURTLE, "Turtle", "text/turtle",
         "The SHACL shapes every build is validated with"),
    ]
    files = {}
    for name, quads, fmt, label, media, description in plan:
        data = serialize(quads, fmt)
        compression = ""
        if name.endswith(".gz"):  # media stays the format inside, as DCAT's mediaType does
            data, compression = gzip_bytes(data), GZIP
        files[name] = (data, DumpFile(name, label, media, description, len(quads), compression))
    return files


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_entries(files: Mapping[str, tuple[bytes, DumpFile]]) -> list[dict]:
    """The release.json entry of every file: format, media type, size, SHA-256, triples.

    A compressed file's ``media_type`` is the format inside; ``compress_format`` (only on
    compressed files) is the compression's media type, the file's own Content-Type.
    """
    entries = []
    for name, (data, info) in sorted(files.items()):
        entry = {"name": name, "format": info.format, "media_type": info.media_type}
        if info.compress_format:
            entry["compress_format"] = info.compress_format
        entries.append({**entry, "size": len(data), "sha256": sha256(data),
                        "triples": info.triples, "description": info.description})
    return entries


def manifest(version: str, digest: str, base: str, graphs: Mapping[URIRef, Graph],
             entries: list[dict], sources: Iterable[str], conforms: bool) -> bytes:
    """release.json: version, graph sizes, and every file with size, SHA-256 and triples."""
    document = {
        "version": version,
        "input_digest": digest,
        "base": base,
        "conforms": conforms,
        "graphs": {str(name): len(graphs[name]) for name in sorted(graphs, key=str)},
        "files": entries,
        "sources": [{"id": s, "file": f"sources/{s}.txt"} for s in sources],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def checksums(files: Mapping[str, bytes]) -> bytes:
    """A SHA256SUMS file (``sha256sum -c`` compatible) for ``files``."""
    lines = [f"{sha256(data)}  {name}\n" for name, data in sorted(files.items())]
    return "".join(lines).encode("ascii")


def write_files(directory: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative names) below ``directory``."""
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
