"""An engine's answer made lodpub's: parsed strictly, capped, serialized in the client's format.

lodpub asks a remote engine for SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE)
and reads the answer with pyoxigraph's parsers, which accept only complete documents. That is
what catches an engine that cuts its answer at its time limit but has already said 200
(Oxigraph's server appends its error message to the cut body): the parse fails and the client
gets the error, never a short answer presented as complete. The solutions or triples are then
serialized by pyoxigraph in the format the client negotiated (as the embedded store does, so
the bytes do not depend on the engine), SELECT rows capped at the row limit
(``X-Lodpub-Truncated``; an engine's own silent cap, announced by Virtuoso in
``X-SPARQL-MaxRows``, is flagged the same way).

The work runs on a thread that reads the engine's body as it arrives and hands out chunks of
at most ``CHUNK`` bytes: an answer smaller than one chunk comes back whole (sent with a
Content-Length), a longer one streams. Reading waits only for what is left of the deadline.
"""

from __future__ import annotations

import http.client
import io
import queue
import threading
import time
from dataclasses import dataclass
from itertools import islice

from lodpub.errors import (
    EngineFailure,
    LodpubError,
    QueryTimeout,
    ServiceFailure,
)
from lodpub.formats import Format
from lodpub.query.connection import CHUNK, Exchange
from lodpub.query.engine import mark_truncated
from lodpub.query.scan import PreparedQuery

CANCELLED = "The SPARQL operation has been cancelled"  # what Oxigraph appends at its limit
WHOLE = 8 * 1024 * 1024  # an announced length up to this is read and translated at once


@dataclass(frozen=True)
class Piece:
    """What the thread hands out: the whole ``answer``, a ``chunk``, the ``end``, an ``error``."""

    kind: str
    data: bytes = b""
    error: LodpubError | None = None


class Body(io.RawIOBase):
    """The engine's body as a file pyoxigraph reads; each read waits only until the deadline."""

    def __init__(self, exchange: Exchange):
        super().__init__()
        self.exchange = exchange
        self.tail = b""  # the last bytes read, to tell why a body does not parse

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.exchange.read(len(buffer))
        buffer[:len(data)] = data
        self.tail = (self.tail + data)[-512:]
        return len(data)


class Translation:
    """One answer being translated (see the module docstring).

    An answer whose length the engine announces, up to ``WHOLE``, is read and translated at
    once on the caller's thread; any other is translated on a thread of its own while it
    arrives, and handed out in chunks.
    """

    def __init__(self, exchange: Exchange, fmt: Format, query: PreparedQuery, max_rows: int,
                 limit: float):
        self.exchange, self.fmt, self.query = exchange, fmt, query
        self.max_rows, self.limit = max_rows, limit
        engine_cap = exchange.header("X-SPARQL-MaxRows")  # Virtuoso cut the rows itself
        self.engine_cap = int(engine_cap) if engine_cap and engine_cap.isdigit() else 0
        self.truncated = False
        self.body = Body(exchange)
        self.pieces: queue.Queue[Piece] = queue.Queue(maxsize=4)
        self.stopped = threading.Event()
        length = exchange.header("Content-Length") or ""
        self.whole = length.isdigit() and int(length) <= WHOLE
        if not self.whole:
            threading.Thread(target=self._run, name="lodpub-remote-answer", daemon=True).start()

    def first(self) -> Piece:
        """The whole answer, or its first chunk; raises the error if the answer failed."""
        if self.whole:
            return Piece("answer", self._translate_now())
        piece = self._next()
        if piece.kind == "end":  # an empty body that parsed: cannot happen, but be exact
            return Piece("answer")
        return piece

    def rest(self):
        """The following chunks of a long answer, until its end (or its error)."""
        while not self.whole:
            piece = self._next()
            if piece.kind == "end":
                return
            yield piece.data

    def stop(self) -> None:
        """The reader is gone (or done): stop reading the engine's answer."""
        self.stopped.set()
        self.exchange.abandon()

    def _translate_now(self) -> bytes:
        out = io.BytesIO()
        try:
            data = self.exchange.read_all()
        except TimeoutError:
            self.stop()
            raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)") \
                from None
        except (OSError, http.client.HTTPException) as exc:
            self.stop()
            raise self._malformed(exc) from None
        self.body.tail = data[-512:]
        self._translate(io.BytesIO(data), out)
        return out.getvalue()

    def _next(self) -> Piece:
        try:
            wait = max(0.0, self.exchange.deadline - time.monotonic()) + 1.0
            piece = self.pieces.get(timeout=wait)
        except queue.Empty:
            self.stop()
            raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)") \
                from None
        if piece.kind == "error":
            self.stop()
            raise piece.error
        return piece

    # ------------------------------------------------------------------ on the thread

    def _run(self) -> None:
        writer = Writer(self._give)
        try:
            self._translate(self.body, writer)
            writer.close()
        except _Gone:
            self.exchange.abandon()
        except LodpubError as exc:
            self.exchange.abandon()
            # pyoxigraph's objects may be dropped only on the thread that made them: the
            # traceback's frames hold them, so the error travels without it
            exc.__traceback__ = exc.__context__ = exc.__cause__ = None
            try:
                self._give(Piece("error", error=exc))
            except _Gone:
                pass
        else:
            self.exchange.finish()

    def _translate(self, source, writer) -> None:
        """Parse ``source`` strictly and serialize it into ``writer`` in the client's format."""
        import pyoxigraph as ox

        try:
            if self.query.is_graph:
                triples = ox.parse(source, format=ox.RdfFormat.N_TRIPLES)
                ox.serialize((q.triple for q in triples), writer, self.fmt.oxigraph_format())
                return
            result = ox.parse_query_results(source, ox.QueryResultsFormat.JSON)
            if isinstance(result, ox.QuerySolutions) and (self.max_rows or self.engine_cap):
                self._capped(result, writer)
                return
            result.serialize(writer, self.fmt.oxigraph_format())
        except TimeoutError:
            raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)") \
                from None
        except (SyntaxError, ValueError) as exc:
            raise self._malformed(exc) from None
        except (OSError, http.client.HTTPException) as exc:
            if self.stopped.is_set():
                raise _Gone from None
            raise self._malformed(exc) from None

    def _capped(self, solutions, writer: Writer) -> None:
        import pyoxigraph as ox

        names = [v.value for v in solutions.variables]
        rows = list(islice(solutions, self.max_rows + 1)) if self.max_rows else list(solutions)
        cut = 0
        if self.max_rows and len(rows) > self.max_rows:
            cut = self.max_rows
        elif self.engine_cap and len(rows) >= self.engine_cap:  # the engine stopped there
            cut = self.engine_cap
        self.truncated, self.max_rows = bool(cut), cut
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if row[n] is None else str(row[n]) for n in names)
                  for row in rows[:cut or len(rows)]]
        capped = ox.parse_query_results(("\n".join(lines) + "\n").encode("utf-8"),
                                        ox.QueryResultsFormat.TSV)
        body = capped.serialize(format=self.fmt.oxigraph_format())
        writer.write(mark_truncated(body, self.fmt, cut) if cut else body)

    def _malformed(self, exc: Exception) -> LodpubError:
        tail = self.body.tail.decode("utf-8", "replace")
        url = self.exchange.connections.endpoint.url
        if CANCELLED in tail:
            return QueryTimeout(f"query stopped after {self.limit:g} s (the engine's time "
                                "limit); its partial answer was not passed on")
        if self.query.services:
            return ServiceFailure(f"a SERVICE the query calls failed: {tail[-300:].strip()}")
        return EngineFailure(f"the SPARQL engine at {url} sent an answer that is cut or "
                             f"malformed ({exc}); it was not passed on")

    def _give(self, piece: Piece) -> None:
        while not self.stopped.is_set():
            try:
                self.pieces.put(piece, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Gone


class _Gone(Exception):
    """The reader of the answer left: stop quietly."""


class Writer:
    """A file pyoxigraph serializes into; it hands out the answer whole or in full chunks."""

    def __init__(self, give):
        self.give = give
        self.started = False
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        while len(self.buf) >= CHUNK:
            self.started = True
            self.give(Piece("chunk", bytes(self.buf[:CHUNK])))
            del self.buf[:CHUNK]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks go out when full and at the end (``close``)."""

    def close(self) -> None:
        """The end of the answer."""
        if not self.started:
            self.give(Piece("answer", bytes(self.buf)))
        else:
            if self.buf:
                self.give(Piece("chunk", bytes(self.buf)))
            self.give(Piece("end"))
        self.buf.clear()
