"""Run the app under waitress, the production WSGI server (``lodpub serve``), or granian.

Why waitress rather than gunicorn: the expensive work (query evaluation and result
serialization) already runs in the query worker processes, outside the GIL, so the HTTP process
only parses requests and copies bytes; waitress does that with threads in one process that owns
one worker pool that every request shares. gunicorn with two processes answered tiny queries
up to twice as fast on a 2-core machine, but each process would start its own pool and split
``workers``, so a slow query could make one process answer 503 while the other has idle
workers (see docs/endpoint.md).

``http_server = "granian"`` (opt-in, ``pip install 'lodpub[granian]'``) serves the same app
with granian's WSGI interface instead: a Rust HTTP server, one worker process (which builds the
app and so owns the one query pool), about a tenth of waitress's CPU per request (measured in
bench/wsgi_servers.py; a cache hit is then ~40 µs instead of 0.2–1.3 ms). granian runs the app
in its worker process and handles SIGINT/SIGTERM itself; everything the app writes to
temporary files goes into one directory that is removed when the server stops.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from flask import Flask
from waitress.server import create_server

from lodpub.errors import ConfigError, LodpubError
from lodpub.settings import Settings
from lodpub.web import create_app

log = logging.getLogger(__name__)


class _StreamCutFilter(logging.Filter):
    """Log an answer cut mid-stream (time limit, worker lost) as one line, not a traceback.

    Once the status line is sent the only honest way to stop a streamed answer is to break
    the chunked encoding, which the WSGI server does when the body iterator raises; waitress
    then logs the exception with its traceback as if lodpub had crashed. The client sees the
    cut; the log should say what happened in a line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, LodpubError):
            record.msg, record.args = "answer cut mid-stream: %s", (error,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


_STREAM_CUT = _StreamCutFilter()


def make_server(app: Flask, *, host: str, port: int, threads: int):
    """A waitress server for ``app`` bound to host:port (port 0 picks a free port)."""
    waitress_log = logging.getLogger("waitress")
    if _STREAM_CUT not in waitress_log.filters:
        waitress_log.addFilter(_STREAM_CUT)
    return create_server(app, host=host, port=port, threads=threads, ident="lodpub",
                         channel_timeout=60, connection_limit=1000,
                         clear_untrusted_proxy_headers=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C so the query workers are stopped on the way out."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


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
    app = create_app(settings, data_files=data_files)
    server = make_server(app, host=settings.host, port=settings.port, threads=settings.threads)
    log.info("lodpub serving %s at http://%s:%s/", app.extensions["lodpub"].version,
             settings.host, server.effective_port)
    _stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["lodpub"].close()


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
