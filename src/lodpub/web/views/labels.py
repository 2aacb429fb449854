"""Human-readable labels for the terms shown on pages, loaded once per release.

Pages show labels, never bare IRIs: every IRI becomes a ``TermView`` with its label, the URL of
its page on the serving host, and (for literals) the datatype or date precision.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from lodpub.namespaces import SOURCE, XSD, curie
from lodpub.query.store import RELEASE_QUERY_TIMEOUT
from lodpub.web.views.links import Links, is_local

# A CONSTRUCT: its triples are parsed in Rust (Store.triples), twice as fast at a million quads as
# SELECT rows made into rdflib terms
LABEL_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s rdfs:label ?label } WHERE {
  { ?s rdfs:label|skos:prefLabel ?label } UNION { GRAPH ?g { ?s rdfs:label|skos:prefLabel ?label } }
  FILTER(isIRI(?s) && (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")))
}"""

# The precision a date literal's datatype gives, as readers say it.
DATE_PRECISION = {
    XSD.gYear: "year",
    XSD.gYearMonth: "month",
    XSD.date: "day",
    XSD.dateTime: "day and time",
}


# Readable names for the standard terms pages show most, when the release labels none of them.
COMMON_LABELS = {
    "rdf:type": "type", "rdfs:label": "label", "rdfs:comment": "comment",
    "rdfs:subClassOf": "subclass of", "rdfs:subPropertyOf": "subproperty of",
    "rdfs:domain": "domain", "rdfs:range": "range", "rdfs:seeAlso": "see also",
    "rdfs:isDefinedBy": "defined by", "owl:sameAs": "same as", "owl:inverseOf": "inverse of",
    "owl:equivalentClass": "equivalent class", "owl:equivalentProperty": "equivalent property",
    "owl:versionIRI": "version IRI", "owl:versionInfo": "version",
    "skos:prefLabel": "preferred label", "skos:altLabel": "also called",
    "skos:definition": "definition", "skos:note": "note", "skos:inScheme": "in scheme",
    "skos:exactMatch": "exact match", "skos:closeMatch": "close match",
    "skos:broadMatch": "broader match", "skos:narrowMatch": "narrower match",
    "skos:relatedMatch": "related match", "dct:title": "title", "dct:description": "description",
    "dct:publisher": "publisher", "dct:language": "language", "dct:license": "licence",
    "dct:source": "source", "dct:isPartOf": "part of", "dct:created": "created",
    "dct:creator": "creator", "dct:issued": "issued", "dct:rights": "rights",
    "skos:editorialNote": "editorial note",
    "dct:modified": "modified", "prov:wasDerivedFrom": "derived from",
    "prov:wasAttributedTo": "attributed to", "org:member": "member",
    "org:organization": "organization",
}


@dataclass(frozen=True)
class TermView:
    """An RDF term ready for a template: text to show, where it links, what kind it is."""

    text: str
    kind: str  # "iri", "literal" or "bnode"
    href: str | None = None  # the page on the serving host (or the external IRI)
    iri: str | None = None
    note: str = ""  # datatype, language or date precision of a literal
    local: bool = False  # minted by lodpub (has a page here)


def load_labels(store) -> dict[str, str]:
    """Every label of the release (small: one string per labelled IRI), English preferred."""
    found: dict[str, str] = {}
    for triple in store.triples(LABEL_QUERY, timeout=RELEASE_QUERY_TIMEOUT):
        key, label = triple.subject.value, triple.object
        # Prefer an English-tagged label over a plain one; keep the first otherwise.
        if key not in found or label.language == "en":
            found[key] = label.value
    return found


class Labels:
    """Labels for the terms a page shows, and where each links to on one site."""

    def __init__(self, labels: dict[str, str], links: Links | None = None) -> None:
        self._labels = labels
        self.links = links or Links()

    def label(self, iri: str) -> str:
        """The label of ``iri``, else a readable fallback (sentence number, CURIE)."""
        iri = str(iri)
        if iri in self._labels:
            return self._labels[iri]
        base, _, fragment = iri.partition("#")
        numbered = fragment.startswith("s") and fragment[1:].isdigit()
        if iri.startswith(str(SOURCE)) and numbered:
            return f"sentence {fragment[1:]} of {self.label(base)}"
        if numbered and is_local(iri):
            return f"statement {fragment[1:]} of {self.label(base)}"
        if fragment and is_local(iri):
            return f"{fragment.replace('-', ' ')} of {self.label(base)}"
        short = curie(iri)
        return COMMON_LABELS.get(short, short)

    def has_label(self, iri: str) -> bool:
        """Whether the release gives ``iri`` a label."""
        return str(iri) in self._labels

    def view(self, term: Node) -> TermView:
        """A ``TermView`` of an rdflib term."""
        if isinstance(term, URIRef):
            return TermView(self.label(term), "iri", self.links.page_url(term), str(term),
                            local=is_local(term))
        if isinstance(term, BNode):
            return TermView("(unnamed node)", "bnode")
        if isinstance(term, Literal):
            return TermView(str(term), "literal", note=literal_note(term))
        return TermView(str(term), "literal")


def literal_note(term: Literal) -> str:
    """What to say beside a literal: its date precision, language or datatype."""
    if term.datatype in DATE_PRECISION:
        return DATE_PRECISION[term.datatype]
    if term.language and term.language != "en":  # the data is English; say only when not
        return term.language
    if term.datatype is not None and term.datatype != XSD.string:
        return curie(term.datatype)
    return ""
