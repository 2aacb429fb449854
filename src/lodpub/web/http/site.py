"""Which site the request is on: the root every link and redirect of this request is built on.

Absolute URLs come only from the ``public_url`` setting, or from the request's Host when the
``trusted_hosts`` setting allows it (Werkzeug's ``host_is_trusted``, the check behind Flask's
own ``TRUSTED_HOSTS``). Any other Host gives links relative to the host the client used (only
the path the app is mounted at), so a forged ``Host`` header changes nothing anyone else sees,
and what is cached per release is cached per root (``Publication.memo``). Where RDF needs an
absolute IRI and there is no such root (a service description's ``sd:endpoint``), the
persistent IRI under ``https://w3id.org/lodpub/`` is used.
"""

from __future__ import annotations

from flask import has_request_context, request, url_for
from werkzeug.sansio.utils import host_is_trusted

from lodpub.namespaces import BASE
from lodpub.web.publication import publication
from lodpub.web.views.labels import Labels, load_labels
from lodpub.web.views.links import Links


def _settings():
    return publication().settings


def absolute_root() -> str | None:
    """``scheme://host[/path]`` of this site when it is known and trusted, else None."""
    settings = _settings()
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if has_request_context() and settings.trusted_hosts and host_is_trusted(
            request.host, list(settings.trusted_hosts)):
        return (request.host_url.rstrip("/") + request.script_root).rstrip("/")
    return None


def site_root() -> str:
    """The root links are built on: the absolute root, else only the app's mount path."""
    found = absolute_root()
    if found is not None:
        return found
    return request.script_root if has_request_context() else ""


def persistent_or_site(path: str) -> str:
    """An absolute URL of ``path`` on this site, or its persistent IRI under BASE."""
    found = absolute_root()
    return (found if found is not None else BASE.rstrip("/")) + path


def links() -> Links:
    """The ``Links`` of the site this request is on."""
    return Links(site_root())


def site_path(path: str) -> str:
    """``/downloads`` on this site, for links and redirects."""
    return site_root() + path


def site_url(endpoint: str, **values) -> str:
    """``url_for`` on this site (public URL, trusted host, or relative)."""
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    return site_path(path[len(root):] if root and path.startswith(root) else path)


def page_url(iri: str) -> str:
    """Where a browser reads about ``iri`` on this site (Jinja filter ``page``)."""
    return links().page_url(iri)


def local_url(iri: str) -> str:
    """This site's URL of a lodpub IRI (Jinja filter ``local``)."""
    return links().local_url(iri)


def label_table() -> dict[str, str]:
    """Every label of the served release, read once per release (``Publication.memo``)."""
    pub = publication()
    return pub.memo("labels", lambda: load_labels(pub.store))


def labels() -> Labels:
    """Labels of the served release, linking to this request's site."""
    return Labels(label_table(), links())
