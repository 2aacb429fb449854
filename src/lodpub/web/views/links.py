"""Map lodpub's persistent IRIs onto the site that serves them (no HTTP here).

The data always says ``https://w3id.org/lodpub/id/iraq``; a site whose root is
``http://127.0.0.1:5000`` shows that thing at ``…/id/iraq`` and its HTML page at
``…/id/iraq.html``. The root is chosen by the web layer (``lodpub.web.http.site``): the
``public_url`` setting, a host the ``trusted_hosts`` setting allows, or only the path the app is
mounted at (links are then relative to the host the browser used).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from rdflib import URIRef

from lodpub.namespaces import BASE

# First path segments (under BASE) whose things have HTML pages at "<path>.html".
PAGE_SEGMENTS = ("id", "claim", "source", "ontology", "vocab", "graph", "shapes")
# Schemes a page may link to as they stand; any other IRI (javascript:, data:, vbscript:, …,
# which a query or a --data file can carry) would run or load something when clicked.
LINKABLE_SCHEMES = ("http", "https", "ftp", "mailto")


def is_local(iri: str) -> bool:
    """Whether ``iri`` is minted by lodpub (lives under BASE)."""
    return str(iri).startswith(BASE)


def iri_of_path(path: str) -> URIRef:
    """The persistent IRI of a request path such as ``/id/iraq``."""
    return URIRef(BASE + path.lstrip("/"))


def linkable(iri: str) -> bool:
    """Whether a page may link to an external ``iri`` as it stands (a web scheme)."""
    # Browsers drop ASCII controls and spaces from a URL ("java\tscript:" runs too).
    cleaned = "".join(ch for ch in str(iri) if ord(ch) > 32)
    scheme = cleaned.split(":", 1)[0].lower() if ":" in cleaned else ""
    return scheme in LINKABLE_SCHEMES


@dataclass(frozen=True)
class Links:
    """URLs on one site: ``root`` is ``scheme://host[/path]``, or only ``/path`` (or ``""``)."""

    root: str = ""

    def path(self, path: str) -> str:
        """``/downloads`` on this site."""
        return self.root + path

    def local_url(self, iri: str) -> str:
        """This site's URL of a lodpub IRI; other IRIs are returned unchanged."""
        iri = str(iri)
        if not is_local(iri):
            return iri
        return self.root + "/" + iri[len(BASE):]

    def page_url(self, iri: str) -> str:
        """Where a browser reads about ``iri``: its HTML page here when it has one.

        An external IRI links to itself when its scheme is a web scheme; any other links to
        the query page describing it, never to the IRI itself.
        """
        iri = str(iri)
        if not is_local(iri):
            if linkable(iri):
                return iri
            return self.path("/query?" + urlencode({"query": f"DESCRIBE <{iri}>"}))
        path, hash_, fragment = iri[len(BASE):].partition("#")
        segment = path.split("/", 1)[0]
        if segment in PAGE_SEGMENTS and path and not path.endswith("/"):
            return f"{self.root}/{path}.html{hash_}{fragment}"
        return self.local_url(iri)
