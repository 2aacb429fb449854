"""The fixture chains every test module uses (helpers live in tests/support/).

Two chains, each built once per test session and shared by every test that does not change it:

- the real release, built from the real ontology/, data/ and shapes/ (SHACL, HermiT and all):
  ``release_settings`` -> ``release`` -> ``real_app`` -> ``real_client`` (and ``real_store``,
  the store behind the app; ``real_server``, the app served over HTTP);
- the tiny inline release of ``support.releases``: ``tiny_release`` -> ``tiny_app`` ->
  ``client`` (and ``tiny_server``); ``data_app`` -> ``data_client`` serve ``DATA_TRIG`` as
  ``serve --data`` does.

Over remote engines (``support.engines``: the Oxigraph server and Virtuoso, started once per
session on 127.0.0.1, one per release since an engine holds one release at a time, each release
loaded with ``lodpub publish``'s code): ``each_tiny_app`` and ``each_real_app`` are the tiny and
the real release's apps over every store in turn (``STORES``: the embedded engine, then each
remote one). Test modules that must hold over every engine (the protocol, the competency
queries, the dereferencing walk) take their app from these; ``engine_for`` gives a test an
engine holding a release of its own.

Tests that need other settings (limits, a row cap, a public URL) build their own app with
``support.servers.make_app`` and close it. Tests that break the data work on ``project_copy``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lodpub.pipeline.build import build
from lodpub.release import Release
from lodpub.settings import Settings, load_settings
from support import ROOT
from support.canary import Canary
from support.engines import ENGINES, Engine
from support.releases import DATA_TRIG, write_release
from support.servers import live_server, make_app

STORES = ("embedded", *ENGINES)

PROJECT_PARTS = ("pyproject.toml", "data", "ontology", "shapes")


@pytest.fixture(scope="session")
def release_settings(tmp_path_factory) -> Settings:
    """Settings for the real project with a session-wide dist/ in a temporary directory."""
    return load_settings(ROOT, dist_dir=tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def release(release_settings) -> Release:
    """The real release, built once per session (SHACL, HermiT and all)."""
    return build(release_settings)


@pytest.fixture(scope="session")
def real_app(release, release_settings):
    """The app over the real release, shared by the whole session (two query workers)."""
    from lodpub.web import create_app

    app = create_app(release_settings, release=release)
    yield app
    app.extensions["lodpub"].close()


@pytest.fixture
def real_client(real_app):
    """A test client of the real release's app."""
    return real_app.test_client()


@pytest.fixture(scope="session")
def real_store(real_app):
    """The store behind the real release's app (the endpoint's query interface)."""
    return real_app.extensions["lodpub"].store


@pytest.fixture(scope="session")
def real_server(real_app):
    """The real release's app served by waitress on a free port: its base URL."""
    with live_server(real_app) as url:
        yield url


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory) -> Release:
    """The tiny inline release (support.releases), written once per session."""
    return Release.at(write_release(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="session")
def tiny_app(tiny_release):
    """The app over the tiny release, shared by the whole session."""
    app = make_app(tiny_release, workers=2, query_timeout=10.0)
    yield app
    app.extensions["lodpub"].close()


@pytest.fixture
def client(tiny_app):
    """A test client of the tiny release's app."""
    return tiny_app.test_client()


@pytest.fixture(scope="session")
def tiny_server(tiny_app):
    """The tiny release's app served by waitress on a free port: its base URL."""
    with live_server(tiny_app) as url:
        yield url


@pytest.fixture(scope="session")
def data_app(tmp_path_factory):
    """An app serving DATA_TRIG as ``serve --data`` does (its own default graph)."""
    folder = tmp_path_factory.mktemp("data")
    path = folder / DATA_TRIG.name
    shutil.copy(DATA_TRIG, path)
    app = make_app(data_files=[path], workers=1, query_timeout=10.0)
    yield app
    app.extensions["lodpub"].close()


@pytest.fixture
def data_client(data_app):
    """A test client of the ``serve --data`` app."""
    return data_app.test_client()


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project's inputs that a test may break."""
    target = tmp_path / "project"
    target.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def copy_settings(project_copy) -> Settings:
    """Settings for ``project_copy`` with its own dist/."""
    return load_settings(project_copy, dist_dir=project_copy / "dist")


# ----------------------------------------------------------------------------- remote engines


@pytest.fixture(scope="session")
def engine_for(tmp_path_factory):
    """``engine_for(kind, release, purpose="", **options)``: an engine of ``kind``
    (``support.engines.ENGINES``, built with ``options``) that holds ``release`` (None: nothing),
    published with lodpub's loader; one per kind, release, purpose and options, kept for the
    session. A test that stops its engine or changes what it holds names a ``purpose`` of its
    own."""
    from lodpub.query.graphstore import load_release

    started: dict[tuple, Engine] = {}

    def engine(kind: str, release: Release | None, purpose: str = "", **options) -> Engine:
        key = (kind, release.version if release else None, purpose,
               tuple(sorted(options.items())))
        if key not in started:
            started[key] = ENGINES[kind](tmp_path_factory.mktemp(kind), **options).start()
            if release is not None:
                load_release(release, started[key].publish_url)
        return started[key]

    yield engine
    for running in started.values():
        running.close()


def _app_over(store: str, release: Release, engine_for, default_app, **settings):
    """``default_app`` for the embedded store, else a new app over ``engine_for(store, …)``."""
    if store == "embedded":
        return default_app
    return make_app(release, store=engine_for(store, release).query_url, **settings)


@pytest.fixture(scope="session", params=STORES)
def each_tiny_app(request, tiny_release, engine_for):
    """The tiny release's app over each store in turn (the embedded one is ``tiny_app``)."""
    embedded = request.param == "embedded"
    app = _app_over(request.param, tiny_release, engine_for,
                    request.getfixturevalue("tiny_app") if embedded else None,
                    query_timeout=10.0)
    yield app
    if not embedded:
        app.extensions["lodpub"].close()


@pytest.fixture(scope="session", params=STORES)
def each_real_app(request, release, release_settings, engine_for):
    """The real release's app over each store in turn (the embedded one is ``real_app``)."""
    embedded = request.param == "embedded"
    app = _app_over(request.param, release, engine_for,
                    request.getfixturevalue("real_app") if embedded else None)
    yield app
    if not embedded:
        app.extensions["lodpub"].close()


@pytest.fixture(scope="module")
def canary():
    """A loopback HTTP server that records every request reaching it: a query that makes
    anything leave the machine shows up in ``canary.requests`` (one per test module, so that
    what one module sends on purpose is not counted against another)."""
    server = Canary()
    yield server
    server.shutdown()
    server.server_close()
