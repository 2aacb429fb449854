"""Run the app under waitress, the production WSGI server (``lodpub serve``).

Why waitress rather than gunicorn: the expensive work (query evaluation and result
serialization) already runs in the query worker processes, outside the GIL, so the HTTP process
only parses requests and copies bytes; waitress does that with threads in one process that owns
one worker pool that every request shares. gunicorn with two processes answered tiny queries
up to twice as fast on a 2-core machine, but each process would start its own pool and split
``workers``, so a slow query could make one process answer 503 while the other has idle
workers (see docs/endpoint.md).
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from flask import Flask
from waitress.server import create_server

from ..errors import QueryError
from ..settings import Settings
from . import create_app

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
        if isinstance(error, QueryError):
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
