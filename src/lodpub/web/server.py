"""Run the app: ``lodpub serve`` on waitress (the default), or on granian.

waitress (``http_server = "waitress"``): ``lodpub.web.supervisor`` forks ``workers`` HTTP
worker processes that share the listening socket and run queries in process; a query past its
limits ends its worker, which the supervisor replaces. waitress reads whole requests before it
hands them to a thread, so slow clients cost a connection, not a worker.

granian (``http_server = "granian"``, opt-in, ``pip install 'lodpub[granian]'``): a Rust HTTP
server with one worker process, which builds the app; granian's own supervisor gives up on a
worker that dies twice within seconds, so under granian queries do not run in the HTTP process
but in a pool of query worker processes that can be killed at their limits
(``lodpub.query.pool``). Everything the app writes to temporary files goes into one directory
that is removed when the server stops.

The waitress server itself is ``lodpub.web.http.wsgi_server.make_server``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from flask import Flask

from lodpub.errors import ConfigError
from lodpub.settings import Settings
from lodpub.web import create_app

log = logging.getLogger(__name__)


def serve(settings: Settings, data_files: Sequence[Path | str] = (), host: str | None = None,
          port: int | None = None, workers: int | None = None, threads: int | None = None) -> None:
    """Build the app (latest release, or ``data_files``) and serve it until interrupted."""
    overrides = {"host": host, "port": port, "workers": workers, "threads": threads}
    given = {k: v for k, v in overrides.items() if v is not None}
    settings = dataclasses.replace(settings, **given)
    if not logging.getLogger().handlers:  # `lodpub serve` run bare: show the server's log
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if settings.http_server == "granian":
        serve_granian(settings, data_files)
        return
    from lodpub.web.supervisor import Supervisor

    Supervisor(settings, tuple(Path(f) for f in data_files)).run()


def _granian_app(settings: Settings, data_files: Sequence[Path | str], scratch: str) -> Flask:
    tempfile.tempdir = scratch  # in granian's worker process: its --data store lands here
    app = create_app(settings, data_files=data_files)
    log.info("lodpub serving %s at http://%s:%s/ (granian)", app.extensions["lodpub"].version,
             settings.host, settings.port)
    return app


def serve_granian(settings: Settings, data_files: Sequence[Path | str] = ()) -> None:
    """Serve the app with granian (WSGI, one worker process) until SIGINT or SIGTERM."""
    try:
        from granian.constants import Interfaces
        from granian.server import Server
    except ImportError:
        raise ConfigError("http_server = granian needs the granian package: "
                          "pip install 'lodpub[granian]' (or use http_server = waitress)") from None
    threads = max(1, min(settings.threads, 2 * (os.cpu_count() or 1) + 1))  # granian's cap
    scratch = tempfile.mkdtemp(prefix="lodpub-serve-")
    # a partial of a module function, not a closure: picklable if workers are spawned, not forked
    loader = functools.partial(_granian_app, settings, tuple(data_files), scratch)
    try:
        server = Server("lodpub.web:create_app", address=settings.host, port=settings.port,
                        interface=Interfaces.WSGI, workers=1, websockets=False,
                        blocking_threads=threads)
        server.serve(target_loader=loader, wrap_loader=False)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
