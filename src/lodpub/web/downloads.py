"""Downloads and the dataset: /downloads, /downloads/<file>, /dataset, /.well-known/void.

/downloads lists every file of the release (format, media type, size, triples, SHA-256) with the
release version, as JSON or HTML by negotiation. Files are sent by Flask's ``send_file`` with
``conditional=True``: ETag (the file's SHA-256 from the manifest), Last-Modified, Range and
Content-Length, 304 and 206 as HTTP says.

The dataset IRI is a cool URI like every other lodpub mints: ``/dataset`` answers 303 by
``Accept`` to ``/dataset.html`` (the VoID + DCAT description rendered for people) or to
``/dataset.ttl|.jsonld|.nt|.rdf`` (the release's void.ttl), with ``Link`` alternates.
/.well-known/void answers the description itself by content negotiation (a browser asking for
HTML is sent to /dataset.html).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, redirect, render_template, request, send_file
from rdflib import Graph

from lodpub.errors import NotFound, ReleaseError, Unavailable
from lodpub.formats import DOCUMENT_FORMATS, Format, by_extension
from lodpub.namespaces import BASE, DATASET_IRI
from lodpub.pipeline.dump import GZIP
from lodpub.pipeline.void import summary
from lodpub.release import UNLISTED, Release, file_stats
from lodpub.web import documents, resources
from lodpub.web.http import negotiate
from lodpub.web.http.conditional import conditional, etag
from lodpub.web.http.site import site_path
from lodpub.web.publication import publication
from lodpub.web.views import rdfdocs

bp = Blueprint("downloads", __name__)
log = logging.getLogger(__name__)
VOID_FORMATS = tuple(f for f in DOCUMENT_FORMATS if f is not Format.HTML)
NO_RELEASE = ("this server publishes data files given to `lodpub serve --data`, not a release; "
              "there is nothing to download here")

_file = {"200": {"description": "the file"}, "206": {"description": "a byte range"},
         "304": {"description": "not modified"}, "404": {"description": "not a release file"},
         "416": {"description": "a byte range beyond the file"}}
_void = {"get": {"summary": "VoID + DCAT description of the dataset (Turtle, JSON-LD, "
                            "N-Triples, RDF/XML)",
                 "responses": {"200": {"description": "the description"},
                               "303": {"description": "browsers: see /dataset.html"},
                               "304": {"description": "not modified (ETag)"},
                               "404": {"description": "serving data files, no release"},
                               "406": {"description": "no acceptable format"}}}}
DATASET_PATH = str(DATASET_IRI)[len(BASE):]  # "dataset": the dataset IRI under BASE
OPENAPI = {
    "/downloads": {"get": {"summary": "the release's files (JSON or HTML)",
                           "responses": {"200": {"description": "the file list"},
                                         "404": {"description": "serving data files, no "
                                                                "release"}}}},
    "/downloads/{name}": {"get": {"summary": "one release file",
                                  "parameters": [{"name": "name", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
                                  "responses": _file}},
    "/.well-known/void": _void,
    "/dataset": {"get": {"summary": "the dataset IRI (303 to its page or its VoID + DCAT "
                                    "description, by Accept or ?format=)",
                         "responses": resources.DEREF_RESPONSES}},
    "/dataset/shacl-report": {"get": {"summary": "the release's SHACL report (303 to the "
                                                 "landing page's report, or shacl-report.ttl)",
                                      "responses": {"303": {"description": "see the report"},
                                                    "404": {"description": "no release"}}}},
    "/dataset.{ext}": {"get": {"summary": "the dataset's page (html) or VoID + DCAT "
                                          "description (ttl, jsonld, nt, rdf)",
                               "parameters": [{"name": "ext", "in": "path", "required": True,
                                               "schema": {"type": "string",
                                                          "enum": [f.extension for f in
                                                                   DOCUMENT_FORMATS]}}],
                               "responses": resources.DEREF_RESPONSES}},
}


def _release() -> Release:
    release = publication().release
    if release is None:
        raise NotFound(NO_RELEASE)
    return release


def listing(release: Release) -> dict:
    """The /downloads JSON: version, digest, conformance and every file with its facts."""
    manifest = release.manifest
    files = [{**entry, "url": request.script_root + "/downloads/" + entry["name"]}
             for entry in manifest["files"]]
    return {"version": release.version, "input_digest": manifest.get("input_digest"),
            "conforms": manifest.get("conforms"), "graphs": manifest.get("graphs", {}),
            "files": files}


@bp.get("/downloads")
def index() -> Response:
    """Every file of the release, as HTML for browsers and JSON for everyone else."""
    data = listing(_release())
    if request.args.get("format") != "json" and negotiate.prefers_html(
            request.headers.get("Accept")):
        return Response(render_template("downloads.html", **data), mimetype="text/html",
                        headers={"Vary": "Accept"})
    response = jsonify(data)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/downloads/<path:name>")
def download(name: str) -> Response:
    """One release file with ETag, Last-Modified, Range and Content-Length."""
    release = _release()
    try:
        path = release.file(name)
    except ReleaseError as exc:
        raise NotFound(str(exc)) from None
    _unchanged(release, name, path)
    entry = next((e for e in release.manifest["files"] if e["name"] == name),
                 {"media_type": UNLISTED.get(name)})
    media_type = entry.get("media_type") or None
    # validators every replica gives alike: the listed SHA-256 (else one from the release and
    # the name, not the local file's times), and the time the release went live where the
    # servers share an engine (else the file's time)
    response = send_file(path, mimetype=media_type, conditional=True, max_age=3600,
                         etag=entry.get("sha256") or etag("download", name),
                         last_modified=publication().released_at())
    # The body of a compressed dump is the gzip file itself (its SHA-256 is the listed one):
    # its type is the compression's (the manifest's media_type is the format inside), rather
    # than gzip bytes labelled N-Quads/N-Triples a client would then fail to parse.
    compression = entry.get("compress_format") or (GZIP if name.endswith(".gz") else "")
    if compression:
        response.headers["Content-Type"] = compression
    elif media_type and "charset=" in media_type:
        response.headers["Content-Type"] = media_type  # send_file would add a second charset
    response.headers.setdefault("Content-Disposition", f'inline; filename="{path.name}"')
    return response


def _unchanged(release: Release, name: str, path) -> None:
    """Refuse to serve a file that changed (or vanished) since the release was verified."""
    expected = publication().verified.get(name)
    if expected is None:
        return
    if file_stats(release.path, [name]).get(name) != expected:
        log.error("release %s: %s changed or vanished since it was verified at start; run "
                  "`lodpub verify`, then `lodpub build` to repair the release", release.version,
                  name)
        raise Unavailable(f"{name} is not as it was published (the release on this server is "
                          "damaged); this has been logged for the operator", retry_after=300)


def _void_graph(release: Release) -> Graph:
    return publication().memo(
        "void", lambda: Graph().parse(release.path / "void.ttl", format="turtle"))


@bp.get("/.well-known/void")
def void() -> Response:
    """The VoID + DCAT description (void.ttl) by content negotiation."""
    release = _release()
    if negotiate.prefers_html(request.headers.get("Accept")):
        response = redirect(site_path(f"/{DATASET_PATH}.html"), code=303)  # public_url path too
        response.headers["Vary"] = "Accept"
        return response
    fmt = negotiate.choose(VOID_FORMATS, "the dataset description",
                           accept=request.headers.get("Accept"),
                           requested=request.args.get("format"))
    source = release.path / "void.ttl"
    if fmt is Format.TURTLE:
        body = source.read_bytes()
    else:
        body = _void_graph(release).serialize(format=fmt.rdflib_name, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})
    return conditional(response, etag("void", fmt.name))


@bp.get("/dataset")
def dataset() -> Response:
    """The dataset IRI: 303 to /dataset.html or to its description in RDF, by Accept."""
    _release()
    return resources.see_other(DATASET_PATH)


def _dataset_body(release: Release, fmt: Format) -> Response:
    pub = publication()
    if fmt is Format.HTML:
        view = pub.memo("dataset-view", lambda: summary(_void_graph(release)))
        body = render_template("dataset.html", d=view, iri=str(DATASET_IRI),
                               alternates=documents.alternates(DATASET_PATH),
                               conforms=release.manifest.get("conforms"))
        return Response(body, mimetype="text/html")
    triples = rdfdocs.as_triples(_void_graph(release))
    triples += rdfdocs.document_metadata(f"{BASE}{DATASET_PATH}.{fmt.extension}",
                                         str(DATASET_IRI), pub.settings.license, pub.version)
    return Response(rdfdocs.serialize(triples, fmt, topic=str(DATASET_IRI)),
                    mimetype=fmt.media_type)


@bp.get("/dataset/shacl-report")
def shacl_report() -> Response:
    """The IRI of the release's SHACL report: 303 to the landing page's report for people,
    to shacl-report.ttl (the report as RDF) for programs."""
    _release()
    if negotiate.prefers_html(request.headers.get("Accept")):
        return redirect(site_path("/#shacl-report"), code=303)
    response = redirect(site_path("/downloads/shacl-report.ttl"), code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/dataset.<ext>")
def dataset_document(ext: str) -> Response:
    """The dataset's page or its VoID + DCAT description, with Link alternates and an ETag."""
    release = _release()
    fmt = by_extension(ext)
    if fmt not in DOCUMENT_FORMATS:
        raise NotFound(f"the dataset has no document in format {ext!r}; use one of "
                       f"{', '.join(f.extension for f in DOCUMENT_FORMATS)}")
    return resources.document_headers(_dataset_body(release, fmt), DATASET_PATH, fmt)
