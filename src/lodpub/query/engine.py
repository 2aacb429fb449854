"""Running one query on pyoxigraph and serializing its answer: the one place that does it.

The query workers (``worker``) call ``evaluate`` in a process of their own; nothing else in
lodpub calls pyoxigraph's query API for the endpoint. ``evaluate`` runs a ``Job`` and hands the
serialized answer to a ``Sink`` in chunks of at most ``CHUNK`` bytes: the head (media type,
whether rows were cut), then the data, then the end, or an error (``ERROR_KINDS``).

pyoxigraph parses and evaluates recursively: a query nested a few thousand levels deep
overflows an 8 MB thread stack and ends the process. Queries therefore run on threads with
``STACK_BYTES`` of stack (``run_on_big_stack``; the memory is reserved, not used, until the
recursion needs it), which holds every query ``lodpub.query.scan`` lets through.

SPARQL makes a call to a function the engine does not know an expression error (a FILTER is
false, a BIND leaves its variable unbound); pyoxigraph rejects the whole query instead, naming
the function. ``evaluate`` then declares each such function as one that always fails and runs
the query again, which gives SPARQL's semantics.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from lodpub.errors import (
    DatasetError,
    EngineFailure,
    LodpubError,
    NotAcceptable,
    QueryError,
    QuerySyntaxError,
    ServiceFailure,
    Unsupported,
)
from lodpub.formats import Format

CHUNK = 64 * 1024
STACK_BYTES = 512 * 1024 * 1024
MAX_UNKNOWN_FUNCTIONS = 64
UNKNOWN_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")
ERROR_KINDS = ("syntax", "dataset", "unsupported", "eval", "format", "service", "engine")


@dataclass(frozen=True)
class Job:
    """One query for the engine: the text, the answer's format and the dataset.

    ``format`` is a ``Format`` name. ``default_graphs`` of ``None`` means the store's own
    default graph; a list (even empty) makes the default graph the merge of those graphs (the
    protocol's explicit dataset, or the store's composed default graph). ``named_graphs`` of
    ``None`` leaves every named graph to ``GRAPH``. ``max_rows`` caps SELECT rows (0: no cap).
    """

    query: str
    format: str = "JSON"
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    max_rows: int = 0
    base_iri: str | None = None  # resolves relative IRIs in a query without BASE
    calls_services: bool = False  # it has (allow-listed) SERVICE clauses

    def to_json(self) -> bytes:
        """The job as it travels to a worker process."""
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Job:
        """The job a worker process received."""
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class Head:
    """What comes before the first chunk: the media type and whether rows were cut."""

    media_type: str
    truncated: bool = False

    def to_json(self) -> bytes:
        """The head as it travels back from a worker process."""
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Head:
        """The head a worker process sent."""
        data = json.loads(raw)
        return cls(data["media_type"], data.get("truncated", False))


class Sink(Protocol):
    """Where ``evaluate`` puts an answer: ``answer`` once, or ``chunk``s then ``end``."""

    def answer(self, head: Head, body: bytes) -> None:
        """A whole answer smaller than one chunk (most are): head and body together."""

    def chunk(self, head: Head, data: bytes) -> None:
        """One chunk of a longer answer (the same head each time; sent once by the sink)."""

    def end(self) -> None:
        """The end of a longer answer."""

    def error(self, kind: str, message: str) -> None:
        """The query failed before any chunk was given; ``kind`` is one of ``ERROR_KINDS``."""


class _Writer:
    """A file-like object pyoxigraph serializes into; it gives the sink full chunks."""

    def __init__(self, sink: Sink, head: Head):
        self.sink, self.head = sink, head
        self.started = False
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.started = True
            self.sink.chunk(self.head, bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks go out when full and at the end (``close``)."""

    def close(self) -> None:
        if not self.started:
            self.sink.answer(self.head, bytes(self.buf))
        else:
            if self.buf:
                self.sink.chunk(self.head, bytes(self.buf))
            self.sink.end()
        self.buf.clear()


def _capped(solutions, max_rows: int):
    """The first ``max_rows`` solutions as a re-parsed result set, and whether rows were cut."""
    import pyoxigraph as ox

    names = [str(v) for v in solutions.variables]
    lines = ["\t".join(names)]
    truncated = False
    for count, solution in enumerate(solutions):
        if count >= max_rows:
            truncated = True
            break
        lines.append("\t".join("" if t is None else str(t) for t in solution))
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV), truncated


def mark_truncated(body: bytes, fmt: Format, max_rows: int) -> bytes:
    """Say in a capped SPARQL JSON or XML body that rows were cut (CSV/TSV have no place).

    Both formats define a ``link`` in the head for exactly such notes; JSON also gets a
    top-level ``lodpub`` member, which result parsers ignore.
    """
    link = f"urn:lodpub:truncated:max-rows={max_rows}"
    if fmt is Format.JSON:
        data = json.loads(body)
        data["head"].setdefault("link", []).append(link)
        data["lodpub"] = {"truncated": True, "max_rows": max_rows}
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    if fmt is Format.XML:
        element = f'<link href="{link}"/>'.encode()
        if b"<head/>" in body:
            return body.replace(b"<head/>", b"<head>" + element + b"</head>", 1)
        return body.replace(b"</head>", element + b"</head>", 1)
    return body


def _dataset_args(job: Job) -> dict[str, Any]:
    import pyoxigraph as ox

    args: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs is not None:
        args["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        args["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return args


def _failing(*_args):
    return None  # pyoxigraph reads None as an expression error


def _query(store, job: Job, dataset: dict[str, Any]):
    """``store.query``, with every function the engine does not know declared as failing."""
    import pyoxigraph as ox

    unknown: dict = {}
    while True:
        try:
            return store.query(job.query, custom_functions=unknown or None, **dataset)
        except RuntimeError as exc:
            found = UNKNOWN_FUNCTION.search(str(exc))
            if found is None or len(unknown) >= MAX_UNKNOWN_FUNCTIONS:
                raise
            unknown[ox.NamedNode(found.group(1))] = _failing


def evaluate(store, job: Job, sink: Sink) -> None:
    """Run ``job`` on the pyoxigraph ``store`` and give its answer to ``sink``."""
    import pyoxigraph as ox

    fmt = Format[job.format]
    try:
        dataset = _dataset_args(job)
    except ValueError as exc:  # a default-graph-uri / named-graph-uri that is not an IRI
        sink.error("dataset", str(exc))
        return
    try:
        result = _query(store, job, dataset)
    except SyntaxError as exc:
        sink.error("syntax", str(exc))
        return
    except OSError as exc:  # a SERVICE call failed, or the store itself (a damaged file)
        sink.error("service" if job.calls_services else "engine", str(exc))
        return
    except (ValueError, TypeError, RuntimeError) as exc:
        unsupported = isinstance(exc, RuntimeError) and "is not supported" in str(exc)
        sink.error("unsupported" if unsupported else "eval", str(exc))
        return
    graph = isinstance(result, ox.QueryTriples)
    if fmt.is_graph != graph:
        sink.error("format", f"{fmt.label} cannot carry the results of this query form")
        return
    truncated = False
    try:
        if job.max_rows and isinstance(result, ox.QuerySolutions):
            result, truncated = _capped(result, job.max_rows)
        writer = _Writer(sink, Head(fmt.media_type, truncated))
        if truncated:
            body = result.serialize(format=fmt.oxigraph_format())
            writer.write(mark_truncated(body, fmt, job.max_rows))
        else:
            result.serialize(writer, fmt.oxigraph_format())
        writer.close()
    except (BrokenPipeError, ConnectionResetError):
        raise  # whoever waits for the answer has gone
    except OSError as exc:
        sink.error("service" if job.calls_services else "engine", str(exc))
    except (ValueError, SyntaxError, RuntimeError) as exc:
        sink.error("eval", str(exc))


def error_for(kind: str, message: str) -> LodpubError:
    """The lodpub error for an engine failure of ``kind`` (the one translation there is)."""
    if kind == "syntax":
        return QuerySyntaxError(f"malformed query: {message}")
    if kind == "dataset":
        return DatasetError(f"default-graph-uri and named-graph-uri take absolute IRIs: {message}")
    if kind == "unsupported":
        return Unsupported(f"this endpoint cannot run the query: {message}")
    if kind == "format":
        return NotAcceptable(message)
    if kind == "service":
        return ServiceFailure(f"a SERVICE the query calls failed: {message}")
    if kind == "engine":
        return EngineFailure(f"the query engine failed: {message}")
    return QueryError(f"the query failed: {message}")


def open_store(store_path: str, memory_max_quads: int = 0):
    """The on-disk store read-only, or an in-memory copy of it when it is small enough.

    pyoxigraph's in-memory store answers scans and joins two to four times faster than its
    on-disk one (measured in bench/); the copy takes about 10-25 s per million quads.
    """
    import pyoxigraph as ox

    disk = ox.Store.read_only(store_path)
    if memory_max_quads <= 0 or len(disk) > memory_max_quads:
        return disk
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory


def run_on_big_stack(target: Callable[[], None], name: str = "lodpub-query") -> threading.Thread:
    """Start ``target`` on a thread with ``STACK_BYTES`` of stack, and return the thread."""
    with _STACK_LOCK:
        previous = threading.stack_size(STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


_STACK_LOCK = threading.Lock()
