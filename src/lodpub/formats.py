"""Every serialisation lodpub reads or writes, in one table (no I/O here).

Each ``Format`` member is one row: its label, canonical media type, what it carries, the other
media types and ``format=`` names that select it, its file extension, its rdflib plugin name
and its pyoxigraph format. The SPARQL endpoint, the resource documents, the downloads, the
dumps, the service description and the query workers all read this table; adding a format is
one row here (plus its test). Negotiation over these rows is ``lodpub.web.http.negotiate``.
"""

from __future__ import annotations

from enum import Enum

# What a format carries.
RESULTS = "results"  # SELECT solutions and ASK booleans
GRAPH = "graph"      # triples (CONSTRUCT / DESCRIBE answers, documents)
DATASET = "dataset"  # quads: named graphs kept (also answers CONSTRUCT, as the default graph)
PAGE = "page"        # a page for people


class Format(Enum):
    """A serialisation of SPARQL results, of RDF, or an HTML page."""

    # name = (label, media type, carries, other media types, format= names, extension,
    #         rdflib plugin, pyoxigraph format attribute)
    JSON = ("SPARQL JSON", "application/sparql-results+json", RESULTS,
            ("application/json",), ("json", "srj"), "srj", "json", "JSON")
    XML = ("SPARQL XML", "application/sparql-results+xml", RESULTS,
           ("application/xml", "text/xml"), ("xml", "srx"), "srx", "xml", "XML")
    CSV = ("SPARQL CSV", "text/csv", RESULTS, (), ("csv",), "csv", "csv", "CSV")
    TSV = ("SPARQL TSV", "text/tab-separated-values", RESULTS, (), ("tsv",), "tsv", "tsv", "TSV")
    TURTLE = ("Turtle", "text/turtle", GRAPH,
              ("application/x-turtle", "text/n3", "text/rdf+n3"), ("turtle", "ttl"), "ttl",
              "turtle", "TURTLE")
    NTRIPLES = ("N-Triples", "application/n-triples", GRAPH,
                ("text/plain",), ("ntriples", "nt", "n-triples"), "nt", "nt", "N_TRIPLES")
    JSONLD = ("JSON-LD", "application/ld+json", GRAPH,
              ("application/json",), ("jsonld", "json-ld", "json"), "jsonld", "json-ld",
              "JSON_LD")
    RDFXML = ("RDF/XML", "application/rdf+xml", GRAPH,
              ("application/xml", "text/xml"), ("rdfxml", "rdf", "xml"), "rdf", "xml", "RDF_XML")
    TRIG = ("TriG", "application/trig", DATASET, (), ("trig",), "trig", "trig", "TRIG")
    NQUADS = ("N-Quads", "application/n-quads", DATASET, (), ("nquads", "nq"), "nq", "nquads",
              "N_QUADS")
    HTML = ("HTML", "text/html", PAGE, ("application/xhtml+xml",), ("html",), "html", "", "")

    def __init__(self, label, media_type, carries, other_types, names, extension, rdflib_name,
                 oxigraph_name):
        self.label = label
        self.media_type = media_type
        self.carries = carries
        self.other_types = other_types
        self.names = names
        self.extension = extension
        self.rdflib_name = rdflib_name
        self.oxigraph_name = oxigraph_name

    @property
    def is_graph(self) -> bool:
        """Whether it can carry the answer of a CONSTRUCT or DESCRIBE (RDF of any kind)."""
        return self.carries in (GRAPH, DATASET)

    @property
    def is_results(self) -> bool:
        """Whether it carries SELECT solutions and ASK booleans."""
        return self.carries == RESULTS

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
        """The format's IRI under http://www.w3.org/ns/formats/ (service descriptions)."""
        if self is Format.JSONLD:  # pyoxigraph reports a non-standard IRI for JSON-LD
            return "http://www.w3.org/ns/formats/JSON-LD"
        return self.oxigraph_format().iri

    def oxigraph_format(self):
        """The pyoxigraph ``QueryResultsFormat`` or ``RdfFormat`` for this member."""
        import pyoxigraph as ox

        if not self.oxigraph_name:
            raise ValueError(f"{self.label} is not an RDF or SPARQL results format")
        table = ox.QueryResultsFormat if self.is_results else ox.RdfFormat
        return getattr(table, self.oxigraph_name)

    def matches(self, name: str) -> bool:
        """Whether a ``format=`` value (a short name or one of its media types) selects it."""
        wanted = name.strip().lower()
        return wanted in self.names or wanted in self.media_types


RESULT_FORMATS: tuple[Format, ...] = tuple(f for f in Format if f.is_results)
"""Formats for SELECT and ASK answers, the default (SPARQL JSON) first."""

GRAPH_FORMATS: tuple[Format, ...] = tuple(f for f in Format if f.is_graph)
"""Formats for CONSTRUCT and DESCRIBE answers, the default (Turtle) first."""

DOCUMENT_FORMATS: tuple[Format, ...] = (Format.HTML, Format.TURTLE, Format.JSONLD,
                                        Format.NTRIPLES, Format.RDFXML)
"""The documents of every IRI lodpub mints, the default (the HTML page) first."""

BY_EXTENSION = {f.extension: f for f in Format}


def by_name(name: str, offered: tuple[Format, ...] | list[Format]) -> Format | None:
    """The member of ``offered`` a ``format=`` value selects, if any."""
    return next((f for f in offered if f.matches(name)), None)


def by_extension(extension: str) -> Format | None:
    """The format of a file extension (``ttl``, ``jsonld``, …), if lodpub knows it."""
    return BY_EXTENSION.get(extension)
