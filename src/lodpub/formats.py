"""The result and RDF formats the SPARQL endpoint speaks, as one enum (no I/O here).

Shared by the query workers (which serialize) and ``web.negotiate`` (which chooses). Each
member knows its canonical media type, the other media types and ``format=`` names that select
it, whether it carries a graph (CONSTRUCT/DESCRIBE) or solutions (SELECT/ASK), and the matching
pyoxigraph format.
"""

from __future__ import annotations

from enum import Enum


class ResultFormat(Enum):
    """A serialization of SPARQL results or of RDF."""

    # name = (label, media type, is_graph, other media types, format= names, file extension)
    JSON = ("SPARQL JSON", "application/sparql-results+json", False,
            ("application/json",), ("json", "srj"), "srj")
    XML = ("SPARQL XML", "application/sparql-results+xml", False,
           ("application/xml", "text/xml"), ("xml", "srx"), "srx")
    CSV = ("SPARQL CSV", "text/csv", False, (), ("csv",), "csv")
    TSV = ("SPARQL TSV", "text/tab-separated-values", False, (), ("tsv",), "tsv")
    TURTLE = ("Turtle", "text/turtle", True,
              ("application/x-turtle", "text/n3", "text/rdf+n3"), ("turtle", "ttl"), "ttl")
    NTRIPLES = ("N-Triples", "application/n-triples", True,
                ("text/plain",), ("ntriples", "nt", "n-triples"), "nt")
    JSONLD = ("JSON-LD", "application/ld+json", True,
              ("application/json",), ("jsonld", "json-ld", "json"), "jsonld")
    RDFXML = ("RDF/XML", "application/rdf+xml", True,
              ("application/xml", "text/xml"), ("rdfxml", "rdf", "xml"), "rdf")
    TRIG = ("TriG", "application/trig", True, (), ("trig",), "trig")
    NQUADS = ("N-Quads", "application/n-quads", True, (), ("nquads", "nq"), "nq")

    def __init__(self, label, media_type, is_graph, other_types, names, extension):
        self.label = label
        self.media_type = media_type
        self.is_graph = is_graph
        self.other_types = other_types
        self.names = names
        self.extension = extension

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type first, then the others that select this format."""
        return (self.media_type, *self.other_types)

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 stated for text types)."""
        textual = self.media_type.startswith("text/")
        return self.media_type + ("; charset=utf-8" if textual else "")

    @property
    def iri(self) -> str:
        """The format's IRI under http://www.w3.org/ns/formats/ (for service descriptions)."""
        if self is ResultFormat.JSONLD:  # pyoxigraph reports a non-standard IRI for JSON-LD
            return "http://www.w3.org/ns/formats/JSON-LD"
        return self.oxigraph_format().iri

    def oxigraph_format(self):
        """The pyoxigraph ``QueryResultsFormat`` or ``RdfFormat`` for this member."""
        import pyoxigraph as ox

        if self.is_graph:
            return {
                "TURTLE": ox.RdfFormat.TURTLE, "NTRIPLES": ox.RdfFormat.N_TRIPLES,
                "JSONLD": ox.RdfFormat.JSON_LD, "RDFXML": ox.RdfFormat.RDF_XML,
                "TRIG": ox.RdfFormat.TRIG, "NQUADS": ox.RdfFormat.N_QUADS,
            }[self.name]
        return {
            "JSON": ox.QueryResultsFormat.JSON, "XML": ox.QueryResultsFormat.XML,
            "CSV": ox.QueryResultsFormat.CSV, "TSV": ox.QueryResultsFormat.TSV,
        }[self.name]

    @classmethod
    def results(cls) -> list[ResultFormat]:
        """Formats for SELECT and ASK, the default (SPARQL JSON) first."""
        return [f for f in cls if not f.is_graph]

    @classmethod
    def graphs(cls) -> list[ResultFormat]:
        """Formats for CONSTRUCT and DESCRIBE, the default (Turtle) first."""
        return [f for f in cls if f.is_graph]

    @classmethod
    def by_name(cls, name: str, *, graph: bool) -> ResultFormat | None:
        """The member a ``format=`` value (a short name or a media type) selects, if any."""
        wanted = name.strip().lower()
        for member in cls.graphs() if graph else cls.results():
            if wanted in member.names or wanted in member.media_types:
                return member
        return None
