"""Settings, apps and live servers for the tests.

``settings_for`` roots settings at a test's directory with test-friendly limits; ``make_app``
builds an app over a release or data files; ``live_server`` serves an app with the waitress
server ``lodpub serve`` runs, on a free port in a thread.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from lodpub.settings import Settings, load_settings


def settings_for(root: Path, **overrides) -> Settings:
    """Settings rooted at ``root`` (dist under it), with test-friendly limits."""
    overrides.setdefault("workers", 2)
    overrides.setdefault("query_timeout", 10.0)
    return load_settings(root, **overrides)


def make_app(release=None, data_files=(), **settings):
    """A lodpub app for ``release`` (or ``data_files``); one query worker unless told."""
    from lodpub.web import create_app

    dist = release.path.parents[1] if release is not None else Path(data_files[0]).parent
    values = load_settings(dist_dir=dist, **{"workers": 1, **settings})
    return create_app(values, release=release, data_files=data_files)


@contextmanager
def live_server(app):
    """Serve ``app`` with lodpub's waitress server on a free port; yield its base URL."""
    from lodpub.web.http.wsgi_server import make_server, stop

    server = make_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop(server, thread)
