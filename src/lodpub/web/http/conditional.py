"""Validators for everything lodpub answers: one ETag rule, 304 for a matching If-None-Match.

A release never changes while it is served, so an answer is identified by the release version
and what the request asked for (its path and query string, the negotiated format, the site
root its links were built on). ``etag`` computes that identity; ``conditional`` puts it on a
response with ``Cache-Control`` and answers 304 when the client already holds it.
"""

from __future__ import annotations

import hashlib

from flask import Response, request

from lodpub.web.http.answercache import CACHEABLE
from lodpub.web.http.site import site_root
from lodpub.web.publication import publication

CACHE_CONTROL = "public, max-age=300"
VOLATILE = "lodpub.volatile"  # environ flag: this answer may differ next time (never kept)


def etag(*parts: str) -> str:
    """The ETag (without quotes) of an answer of the served release identified by ``parts``."""
    key = "\0".join((publication().version, *parts))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def page_etag() -> str:
    """The ETag of a page or document: the request's path and query on this site root."""
    return etag(request.full_path, site_root())


def conditional(response: Response, tag: str | None = None) -> Response:
    """``response`` with its ETag and Cache-Control, or 304 if the client holds it already.

    A complete 200 answer to a GET is marked for the answer cache: it depends on nothing but
    the release and the request.
    """
    response.set_etag(tag or page_etag())
    response.headers.setdefault("Cache-Control", CACHE_CONTROL)
    if request.method == "GET" and response.status_code == 200 and not response.is_streamed \
            and not request.environ.get(VOLATILE):
        request.environ[CACHEABLE] = True
    return response.make_conditional(request)
