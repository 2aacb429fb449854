"""The waitress server every lodpub process serves with, configured once.

Used by the supervisor's worker processes (``lodpub.web.supervisor``) and by the tests' live
servers. Request heads over waitress's 256 KiB limit are refused by waitress itself (431).
"""

from __future__ import annotations

import logging
import threading

from waitress import trigger, wasyncore
from waitress.server import create_server

from lodpub.errors import LodpubError


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


def make_server(app, *, threads: int, host: str = "127.0.0.1", port: int = 0,
                sockets: list | None = None):
    """A waitress server for ``app`` on ``sockets`` (already listening), else bound to
    host:port (port 0 picks a free port)."""
    waitress_log = logging.getLogger("waitress")
    if _STREAM_CUT not in waitress_log.filters:
        waitress_log.addFilter(_STREAM_CUT)
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    return create_server(app, threads=threads, ident="lodpub", channel_timeout=60,
                         connection_limit=1000, clear_untrusted_proxy_headers=True, **where)


def stop(server, loop: threading.Thread) -> None:
    """Stop ``server``, whose ``run`` loop runs in the thread ``loop``, and its task threads.

    Closing its sockets from this thread would race the loop's select (EBADF, logged as a
    crash): a trigger thunk closes every channel, the listening sockets and the trigger itself
    inside the loop, which then ends because nothing is left to watch.
    """
    channels = server.map if hasattr(server, "map") else server._map
    wake = next(c for c in list(channels.values()) if isinstance(c, trigger.trigger))
    try:
        wake.pull_trigger(lambda: wasyncore.close_all(channels))
    except OSError:  # the trigger is closed already: the loop has ended, or is ending
        wasyncore.close_all(channels, ignore_all=True)
    loop.join(10)
    server.task_dispatcher.shutdown()
