"""A remote SPARQL 1.1 engine behind the ``Store`` interface (Oxigraph server, Virtuoso, Fuseki, …).

lodpub checks a query before it leaves (``Store.prepare``: ``scan`` for size, nesting, updates
and SERVICE; ``portable`` for standard SPARQL and the graphs it names), then POSTs it as a form
(never ``application/sparql-query``, which Virtuoso never answers) with lodpub's deadline on the
whole exchange (``connection``) and the engine's own per-query time limit where it takes one
(``dialects``). The answer is checked and re-serialized in the client's format by
``translate``, so a cut answer is never passed off as complete.

**The release it serves.** ``lodpub publish`` (``graphstore``) records in the engine which
release its graphs hold, in the graph ``urn:lodpub:publication``: the release, its graphs, and
a nonce that changes at every switch. A store built for a release (``for_release``) answers
only while the engine holds that release: it reads the record before its first query and again
after every answer, and refuses an answer during which the record changed (a switch may have
happened under it; on Virtuoso a switch is not one transaction, nor is a query one snapshot).
Every query that does not name its dataset is given the release's graphs as its dataset (its
named graphs, and a default graph merging ``namespaces.DEFAULT_GRAPHS``, the publisher's
assertions, as on the embedded store), so neither the record, nor a release being loaded, nor
the engine's own graphs are ever read. An engine that cannot be reached, or
holds another release, is ``EngineUnavailable`` (503 with Retry-After), and the next query
asks again: lodpub recovers by itself when the engine comes back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from lodpub.errors import ConfigError, EngineFailure, EngineUnavailable, LodpubError, QueryTimeout
from lodpub.formats import Format
from lodpub.namespaces import DEFAULT_GRAPHS
from lodpub.query import portable
from lodpub.query.connection import (
    DOWN_RETRY,
    Connections,
    Endpoint,
    Exchange,
    read_json,
    status_error,
)
from lodpub.query.dialects import GENERIC, Dialect, recognise
from lodpub.query.scan import PreparedQuery
from lodpub.query.store import (
    NO_DATASET,
    Dataset,
    Helpers,
    Limits,
    QueryResult,
    Store,
    open_store,
)
from lodpub.query.translate import Translation

RECORD = "urn:lodpub:publication"  # the record's graph, and its subject
RELEASE, NONCE, GRAPH = "urn:lodpub:release", "urn:lodpub:switch", "urn:lodpub:graph"
SWITCHED = "urn:lodpub:switched"  # when the release was switched in (xsd:dateTime, UTC)
RECORD_QUERY = (f"SELECT ?release ?nonce ?graph ?switched WHERE {{ GRAPH <{RECORD}> {{ "
                f"<{RECORD}> <{NONCE}> ?nonce OPTIONAL {{ <{RECORD}> <{RELEASE}> ?release }} "
                f"OPTIONAL {{ <{RECORD}> <{GRAPH}> ?graph }} "
                f"OPTIONAL {{ <{RECORD}> <{SWITCHED}> ?switched }} }} }}")
RESULTS_TYPE, GRAPH_TYPE = "application/sparql-results+json", "application/n-triples"
DEFAULT = tuple(str(g) for g in DEFAULT_GRAPHS)  # the parts of a release's default graph
RECORD_WAIT = 5.0  # seconds for reading the record (a tiny query)
SWITCH_RETRY = 2  # Retry-After while the engine switches releases, in seconds


@dataclass(frozen=True)
class Record:
    """What the engine says it holds: the release (None while switching), nonce, graphs, and
    when the release was switched in."""

    release: str | None
    nonce: str
    graphs: tuple[str, ...] = ()
    switched: datetime | None = None


class RemoteStore(Helpers):
    """A SPARQL 1.1 engine at ``url``; with ``release``, only while it holds that release."""

    def __init__(self, url: str, *, limits: Limits | None = None, release: str | None = None):
        self.endpoint = Endpoint.parse(url)
        self.url = self.endpoint.url
        self.limits = limits or Limits()
        self.release = release
        self.dialect: Dialect = GENERIC
        self.connections = Connections(self.endpoint)
        self._record: Record | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_release(cls, settings, release) -> RemoteStore:
        """The engine of the ``store`` setting, serving ``release`` (see the module docstring)."""
        return cls(settings.store, limits=Limits.from_settings(settings),
                   release=release.version)

    # ------------------------------------------------------------------ the Store interface

    def prepare(self, text: str) -> PreparedQuery:
        """``scan.prepare``, then standard SPARQL only, and FROM / FROM NAMED naming only the
        release's graphs (``portable``); the protocol's dataset is checked in ``execute``."""
        query = super().prepare(text)
        reading = portable.read(query.text)
        if reading.dataset and self.release is not None:
            portable.check_graphs(reading.dataset, self.record().graphs)
        return query

    def execute(self, query: PreparedQuery, fmt: Format, *, dataset: Dataset = NO_DATASET,
                timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Send ``query`` to the engine; return its answer, checked, in ``fmt``."""
        return self._send(query, portable.read(query.text), fmt, dataset, timeout, max_rows)

    def _send(self, query: PreparedQuery, reading: portable.Reading, fmt: Format,
              dataset: Dataset, timeout: float | None, max_rows: int | None) -> QueryResult:
        limit = self.limits.timeout if timeout is None else timeout
        cap = self.limits.max_rows if max_rows is None else max_rows
        before = self.record() if self.release is not None else None
        form = self._form(reading, dataset, before, limit)
        exchange = self.post(form, GRAPH_TYPE if query.is_graph else RESULTS_TYPE, limit)
        answer = Translation(exchange, fmt, query, cap, limit)
        first = answer.first()
        if first.kind == "answer":
            self._check_unchanged(before)
            return QueryResult(fmt, fmt.media_type, iter([first.data]), answer.truncated,
                               answer.max_rows, first.data)
        return QueryResult(fmt, fmt.media_type, self._stream(answer, first.data, before),
                           answer.truncated, answer.max_rows)

    def health(self) -> dict:
        """The engine, the release it holds, and whether this store can answer from it."""
        try:
            record = self._read_record()
        except LodpubError as exc:
            return {**self._state(), "full_strength": False, "error": exc.message}
        problem = self._problem(record)
        return {**self._state(), "release": record.release if record else None,
                "full_strength": problem is None, **({"error": problem.message} if problem
                                                      else {})}

    def released_at(self) -> datetime | None:
        """When the engine switched this store's release in (``lodpub publish``), the same
        for every server that shares the engine; None if it cannot be told now."""
        try:
            return self.record().switched
        except LodpubError:
            return None

    def _state(self) -> dict:
        return {"engine": "remote", "url": self.url, "dialect": self.dialect.name}

    def close(self) -> None:
        """Close the idle connections."""
        self.connections.close()

    def _read(self, text: str, fmt: Format, timeout: float | None) -> bytes:
        """The answer of one of lodpub's own queries (pages, counts, the reconciliation
        service): built by lodpub from constants and escaped terms, with absolute IRIs and no
        FROM, so ``scan``'s checks apply but not ``portable``'s reading of a client's text,
        whose parse costs tens of milliseconds a query."""
        query = Helpers.prepare(self, text)
        result = self._send(query, portable.Reading(query.text), fmt, NO_DATASET, timeout, 0)
        body = result.read()
        if result.truncated:  # lodpub's pages never lose rows silently
            raise EngineFailure(f"the SPARQL engine at {self.url} cut an answer at "
                                f"{result.max_rows} rows (its own row limit); raise that limit")
        return body

    # ------------------------------------------------------------------ the release record

    def record(self) -> Record:
        """The engine's record if it holds this store's release; else the 503 to answer."""
        with self._lock:
            record = self._record
        if record is None:
            record = self._read_record()
        problem = self._problem(record)
        with self._lock:
            self._record = record if problem is None else None
        if problem is not None:
            raise problem
        assert record is not None
        return record

    def _problem(self, record: Record | None) -> EngineUnavailable | None:
        if self.release is None:
            return None
        where = f"the SPARQL engine at {self.url}"
        if record is None:
            return EngineUnavailable(f"{where} holds no lodpub release; load release "
                                     f"{self.release} with `lodpub publish --to URL`",
                                     retry_after=DOWN_RETRY)
        if record.release is None:
            return EngineUnavailable(f"{where} is switching releases (a `lodpub publish` is "
                                     "running, or one stopped while switching: run it again)",
                                     retry_after=SWITCH_RETRY)
        if record.release != self.release:
            return EngineUnavailable(f"{where} holds release {record.release}; this server "
                                     f"serves {self.release}: serve {record.release} (or "
                                     f"publish {self.release})", retry_after=DOWN_RETRY)
        return None

    def _read_record(self) -> Record | None:
        exchange = self.post([("query", RECORD_QUERY)], RESULTS_TYPE, RECORD_WAIT)
        rows = read_json(exchange, RECORD_WAIT)["results"]["bindings"]
        if not rows:
            return None
        releases = {r["release"]["value"] for r in rows if "release" in r}
        # a row without its nonce cannot be, but is, read from Virtuoso while a switch commits
        nonces = sorted({r["nonce"]["value"] if "nonce" in r else "" for r in rows})
        graphs = tuple(sorted({r["graph"]["value"] for r in rows if "graph" in r}))
        settled = len(releases) == 1 and len(nonces) == 1 and nonces[0] != ""
        times = {r["switched"]["value"] for r in rows if "switched" in r}
        return Record(releases.pop() if settled else None, nonces[0], graphs,
                      _datetime(times.pop()) if len(times) == 1 else None)

    def _check_unchanged(self, before: Record | None) -> None:
        """Refuse an answer during which the engine's record changed (a switch under it).

        The record's nonce is new at every change of the record (a switch, or its start where
        a switch is not one transaction), so the nonce still being there is enough.
        """
        if before is None:
            return
        ask = (f'ASK {{ GRAPH <{RECORD}> {{ <{RECORD}> <{NONCE}> "{_escape(before.nonce)}" }} '
               "}")
        answer = read_json(self.post([("query", ask)], RESULTS_TYPE, RECORD_WAIT), RECORD_WAIT)
        if answer.get("boolean") is not True:
            with self._lock:
                self._record = None
            raise EngineUnavailable(f"the SPARQL engine at {self.url} switched releases while "
                                    "answering; the answer was not passed on: retry",
                                    retry_after=SWITCH_RETRY)

    def _stream(self, answer: Translation, first: bytes, before: Record | None
                ) -> Iterator[bytes]:
        """The chunks of a long answer; the last one only once the record is checked again."""
        held = first
        try:
            for data in answer.rest():
                yield held
                held = data
            self._check_unchanged(before)
            yield held
        finally:
            answer.stop()

    # ------------------------------------------------------------------ sending

    def _form(self, reading: portable.Reading, dataset: Dataset, record: Record | None,
              limit: float) -> list[tuple[str, str]]:
        if record is not None:  # FROM was checked by prepare; the protocol's dataset here
            portable.check_graphs((*dataset.default_graphs, *dataset.named_graphs),
                                  record.graphs)
        form = [("query", reading.for_engine(protocol_dataset=dataset.explicit))]
        if dataset.explicit:
            form += [("default-graph-uri", g) for g in dataset.default_graphs]
            form += [("named-graph-uri", g) for g in dataset.named_graphs]
        elif record is not None and not reading.dataset:  # the release's graphs, and only them
            form += [("default-graph-uri", g) for g in DEFAULT if g in record.graphs]
            form += [("named-graph-uri", g) for g in record.graphs]
        return form + self.dialect.timeout_parameters(limit)

    def post(self, form: list[tuple[str, str]], accept: str, limit: float) -> Exchange:
        """POST ``form``; the exchange once the engine has answered 200 (else the error)."""
        try:
            exchange = self.connections.post(urlencode(form).encode("utf-8"), accept,
                                             time.monotonic() + limit)
        except TimeoutError:
            raise QueryTimeout(f"query stopped after {limit:g} s (the time limit)") from None
        except EngineUnavailable:
            with self._lock:
                self._record = None  # read it again when the engine is back
            raise
        self.dialect = recognise(exchange.header("Server"))
        if exchange.status != 200:
            raise status_error(exchange, limit)
        if exchange.header("X-SQL-State") == "S1TAT":  # Virtuoso: a partial, "anytime" answer
            exchange.abandon()
            raise QueryTimeout(f"query stopped after {limit:g} s (the engine's time limit); "
                               "its partial answer was not passed on")
        return exchange

    def select_json(self, text: str, timeout: float = RECORD_WAIT) -> dict:
        """A small SELECT of lodpub's own, without the release's dataset (``graphstore``)."""
        return read_json(self.post([("query", text)], RESULTS_TYPE, timeout), timeout)


def store_for(settings, *, release=None, data_files=()) -> Store:
    """The store the settings choose: the remote engine of ``store``, else the embedded one.

    A remote engine serves a release published there (``lodpub publish``); ``--data`` files are
    served by the embedded engine only.
    """
    if not settings.store:
        return open_store(settings, release=release, data_files=data_files)
    if data_files:
        raise ConfigError("`serve --data` serves files with the embedded engine; a remote "
                          "engine (the store setting) serves a release loaded there with "
                          "`lodpub publish`: unset store, or drop --data")
    if release is None:
        raise ConfigError("nothing to serve: a remote engine serves a release; run "
                          "`lodpub build`, then `lodpub publish`")
    return RemoteStore.for_release(settings, release)


def _escape(text: str) -> str:
    """``text`` inside a SPARQL string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _datetime(text: str) -> datetime | None:
    """An xsd:dateTime as an aware datetime (UTC when it has no zone), or None."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
