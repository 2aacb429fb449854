"""Map lodpub's persistent IRIs onto the host that serves them, and back.

The data always says ``https://w3id.org/lodpub/id/iraq``; a server at ``http://127.0.0.1:5000``
shows that thing at ``http://127.0.0.1:5000/id/iraq`` and its HTML page at ``…/id/iraq.html``.
The public root is the ``public_url`` setting when set, else the request's own host.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for
from rdflib import URIRef

from lodpub.namespaces import BASE, PREFIXES

# First path segments (under BASE) whose things have HTML pages at "<path>.html".
PAGE_SEGMENTS = ("id", "claim", "source", "ontology", "vocab", "graph", "shapes")


def public_root() -> str:
    """The URL, without trailing slash, where BASE is served (setting, else request host)."""
    configured = current_app.extensions["lodpub"].settings.public_url
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return (request.host_url.rstrip("/") + request.script_root).rstrip("/")
    return BASE.rstrip("/")


def site_path(path: str) -> str:
    """``/downloads`` on the serving host (public URL or request host), for links on pages."""
    return public_root() + path


def site_url(endpoint: str, **values) -> str:
    """``url_for`` on the serving host, so pages work behind a proxy at another address."""
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    return site_path(path[len(root):] if root and path.startswith(root) else path)


def iri_of_path(path: str) -> URIRef:
    """The persistent IRI of a request path such as ``/id/iraq``."""
    return URIRef(BASE + path.lstrip("/"))


def is_local(iri: str) -> bool:
    """Whether ``iri`` is minted by lodpub (lives under BASE)."""
    return str(iri).startswith(BASE)


def local_url(iri: str) -> str:
    """The serving host's URL of a lodpub IRI; other IRIs are returned unchanged."""
    iri = str(iri)
    if not is_local(iri):
        return iri
    return public_root() + "/" + iri[len(BASE):]


# Schemes a page may link to as they stand; any other IRI (javascript:, data:, vbscript:, …,
# which a query or a --data file can carry) would run or load something when clicked.
LINKABLE_SCHEMES = ("http", "https", "ftp", "mailto")


def page_url(iri: str) -> str:
    """Where a browser reads about ``iri``: its HTML page on the serving host when it has one.

    An external IRI links to itself when its scheme is one of ``LINKABLE_SCHEMES``; any other
    links to the query page describing it, never to the IRI itself.
    """
    iri = str(iri)
    if not is_local(iri):
        # Browsers drop ASCII controls and spaces from a URL ("java\tscript:" runs too).
        cleaned = "".join(ch for ch in iri if ord(ch) > 32)
        scheme = cleaned.split(":", 1)[0].lower() if ":" in cleaned else ""
        if scheme in LINKABLE_SCHEMES:
            return iri
        return site_url("pages.query", query=f"DESCRIBE <{iri}>")
    path, hash_, fragment = iri[len(BASE):].partition("#")
    segment = path.split("/", 1)[0]
    if segment in PAGE_SEGMENTS and path and not path.endswith("/"):
        return f"{public_root()}/{path}.html{hash_}{fragment}"
    return local_url(iri)


def curie(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace (longest match), else the IRI itself."""
    iri = str(iri)
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if not best:
        return iri
    return f"{best}:{iri[len(PREFIXES[best]):]}"
