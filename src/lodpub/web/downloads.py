"""Downloads and the dataset description: /downloads, /downloads/<file>, /.well-known/void.

/downloads lists every file of the release (format, media type, size, triples, SHA-256) with the
release version, as JSON or HTML by negotiation. Files are sent by Flask's ``send_file`` with
``conditional=True``: ETag (the file's SHA-256 from the manifest), Last-Modified, Range and
Content-Length, 304 and 206 as HTTP says. /.well-known/void and the dataset IRI answer the
release's void.ttl (VoID + DCAT) as Turtle, JSON-LD, N-Triples or RDF/XML; a browser asking for
HTML is sent to /downloads (303), which shows the same facts.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)
from rdflib import Graph

from ..dump import GZIP
from ..errors import ReleaseError
from ..formats import ResultFormat
from ..release import UNLISTED, Release
from . import negotiate
from .linking import site_path
from .negotiate import not_found

bp = Blueprint("downloads", __name__)
VOID_FORMATS = [ResultFormat.TURTLE, ResultFormat.JSONLD, ResultFormat.NTRIPLES,
                ResultFormat.RDFXML]
RDFLIB_NAMES = {ResultFormat.JSONLD: "json-ld", ResultFormat.NTRIPLES: "nt",
                ResultFormat.RDFXML: "xml"}
NO_RELEASE = ("this server publishes data files given to `lodpub serve --data`, not a release; "
              "there is nothing to download here")

_file = {"200": {"description": "the file"}, "206": {"description": "a byte range"},
         "304": {"description": "not modified"}, "404": {"description": "not a release file"}}
_void = {"get": {"summary": "VoID + DCAT description of the dataset (Turtle, JSON-LD, "
                            "N-Triples, RDF/XML)",
                 "responses": {"200": {"description": "the description"},
                               "303": {"description": "browsers: see /downloads"}}}}
OPENAPI = {
    "/downloads": {"get": {"summary": "the release's files (JSON or HTML)",
                           "responses": {"200": {"description": "the file list"}}}},
    "/downloads/{name}": {"get": {"summary": "one release file",
                                  "parameters": [{"name": "name", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
                                  "responses": _file}},
    "/.well-known/void": _void,
    "/dataset": _void,
}


def _release() -> Release:
    release = current_app.extensions["lodpub"].release
    if release is None:
        raise not_found(NO_RELEASE)
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
    if request.args.get("format") != "json" and negotiate.prefers_html(request):
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
        raise not_found(str(exc)) from None
    entry = next((e for e in release.manifest["files"] if e["name"] == name),
                 {"media_type": UNLISTED.get(name)})
    media_type = entry.get("media_type") or None
    response = send_file(path, mimetype=media_type, conditional=True,
                         etag=entry.get("sha256") or True, max_age=3600)
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


@bp.get("/.well-known/void")
@bp.get("/dataset")
def void() -> Response:
    """The VoID + DCAT description (void.ttl) by content negotiation."""
    release = _release()
    if negotiate.prefers_html(request):
        return redirect(site_path("/downloads"), code=303)  # public_url's path included
    fmt = negotiate.choose(request, VOID_FORMATS, "the dataset description")
    source = release.path / "void.ttl"
    if fmt is ResultFormat.TURTLE:
        body = source.read_bytes()
    else:
        body = Graph().parse(source, format="turtle").serialize(format=RDFLIB_NAMES[fmt],
                                                                encoding="utf-8")
    etag = f"{release.version}-{fmt.name}"
    response = Response(body, content_type=fmt.content_type, headers={"Vary": "Accept"})
    response.set_etag(etag)
    return response.make_conditional(request)
