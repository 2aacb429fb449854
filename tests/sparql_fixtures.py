"""Helpers shared by the endpoint tests: a small release directory, settings, a live server.

The release follows the documented layout (release.json + lodpub.trig + void.ttl + a source),
built from tests/fixtures/sparql/. ``data.trig`` has a default graph of its own and two named
graphs, for ``serve --data`` behaviour. The live server is lodpub.web.server.make_server (the
waitress server ``lodpub serve`` runs) on a free port in a thread.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from lodpub.settings import load_settings

FIXTURES = Path(__file__).parent / "fixtures" / "sparql"
DATA_TRIG = FIXTURES / "data.trig"
EX = "http://example.org/"
FACTS = "https://w3id.org/lodpub/graph/facts"
CLAIMS = "https://w3id.org/lodpub/graph/claims"
KH = "https://w3id.org/lodpub/id/kataib-hezbollah"
VERSION = "0.1.0-000000test00"

_FILES = [  # name, format, media type, triples
    ("lodpub.trig", "TriG", "application/trig", 14),
    ("void.ttl", "Turtle", "text/turtle", 7),
    ("sources/brookings-iraq-2025.txt", "Text", "text/plain", None),
]


def write_release(root: Path) -> Path:
    """A release directory under ``root``/dist/releases with dist/current pointing at it."""
    release = root / "dist" / "releases" / VERSION
    (release / "sources").mkdir(parents=True)
    shutil.copy(FIXTURES / "release.trig", release / "lodpub.trig")
    shutil.copy(FIXTURES / "void.ttl", release / "void.ttl")
    (release / "sources" / "brookings-iraq-2025.txt").write_text(
        "Kataib Hezbollah is part of the Popular Mobilization Forces.\n" * 20, encoding="utf-8")
    files = []
    for name, fmt, media, triples in _FILES:
        body = (release / name).read_bytes()
        files.append({"name": name, "format": fmt, "media_type": media, "size": len(body),
                      "sha256": hashlib.sha256(body).hexdigest(), "triples": triples,
                      "description": f"test file {name}"})
    manifest = {"version": VERSION, "input_digest": "0" * 64, "base": "https://w3id.org/lodpub/",
                "graphs": {FACTS: 7, CLAIMS: 3}, "files": files,
                "sources": [{"id": "brookings-iraq-2025",
                             "file": "sources/brookings-iraq-2025.txt"}],
                "conforms": True}
    (release / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "dist" / "current").symlink_to(release)
    return release


def settings_for(root: Path, **overrides):
    """Settings rooted at ``root`` (dist under it), with test-friendly limits."""
    overrides.setdefault("workers", 2)
    overrides.setdefault("query_timeout", 10.0)
    return load_settings(root, **overrides)


@contextmanager
def live_server(app):
    """Serve ``app`` with lodpub's waitress server on a free port; yield its base URL."""
    from lodpub.web.server import make_server

    server = make_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(5)


def parse_rdf(data: bytes, fmt: str):
    """Parse an RDF response with rdflib into one Graph of all its triples (any graph).

    rdflib 7.6's JSON-LD, TriG and N-Quads parsers go through its own deprecated
    ConjunctiveGraph/default_context code and warn about it; those warnings are rdflib's
    internals, not ours, so they are silenced here and only here.
    """
    import warnings

    from rdflib import Dataset, Graph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if fmt in ("json-ld", "trig", "nquads"):
            dataset = Dataset()
            dataset.parse(data=data, format=fmt)
            graph = Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
            return graph
        return Graph().parse(data=data, format=fmt)
