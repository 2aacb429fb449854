"""SPARQL queries in worker processes that can be stopped: the only way to hold a time limit.

Neither pyoxigraph nor rdflib can interrupt a running query, so every query runs in a worker
process. Each worker opens the same on-disk pyoxigraph store read-only (built once at startup
by ``store.py``), evaluates one query at a time, serializes the results itself with pyoxigraph
(fast, in the requested format) and sends them back over a pipe in chunks of ``CHUNK`` bytes.
The parent side, with the time limit, is ``querypool.WorkerPool``. A worker is started as
``python -m lodpub.query.worker FD STORE_PATH`` and talks over the socket FD.

Wire protocol (worker -> parent), one ``send_bytes`` message each, first byte is the tag:
``R`` ready; ``H`` + JSON head ``{"media_type", "truncated"}``; ``D`` + a data chunk;
``E`` end of results; ``F`` + 4-byte head length + head + the whole body (a result smaller
than one chunk: head, data and end in one message); ``X`` + JSON error
``{"kind": "syntax"|"dataset"|"unsupported"|"eval"|"format", "message"}``. The parent sends
each job as JSON.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from lodpub.errors import QueryError

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Job:
    """One query for a worker: the query, the dataset and the two candidate output formats.

    ``results_format`` is used for SELECT/ASK, ``graph_format`` for CONSTRUCT/DESCRIBE (both are
    ``ResultFormat`` names). ``default_graphs`` of ``None`` means the store's default (the union
    of all graphs when ``union``); a list (even empty) is the protocol's explicit dataset.
    """

    query: str
    results_format: str = "JSON"
    graph_format: str = "TURTLE"
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    union: bool = False
    max_rows: int = 0
    base_iri: str | None = None  # resolves relative IRIs in a query without BASE


class EngineError(QueryError):
    """The engine rejected or failed a query; ``kind`` is syntax, eval or format."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Head:
    """What the worker reports before the first chunk: the media type and the truncation flag."""

    media_type: str
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- worker side


class _ChunkWriter:
    """A file-like object pyoxigraph serializes into; it ships ``CHUNK``-sized pieces.

    The head goes out just before the first full chunk. A result that ends before filling one
    chunk (most do) travels as one ``F`` message: head, body and end together, so the parent
    can give the worker back before it even starts answering the client.
    """

    def __init__(self, conn, head: bytes):
        self.conn = conn
        self.head = head
        self.started = False
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            if not self.started:
                self.conn.send_bytes(b"H" + self.head)
                self.started = True
            self.conn.send_bytes(b"D" + bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks are sent when full and at the end (``close``)."""

    def close(self) -> None:
        """Send what is left and the end of the results."""
        if not self.started:
            self.conn.send_bytes(b"F" + len(self.head).to_bytes(4, "big") + self.head + self.buf)
        else:
            if self.buf:
                self.conn.send_bytes(b"D" + bytes(self.buf))
            self.conn.send_bytes(b"E")
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


def mark_truncated(body: bytes, fmt: str, max_rows: int) -> bytes:
    """Say in a capped SPARQL JSON or XML body that rows were cut (CSV/TSV have no place).

    Both formats define a ``link`` in the head for exactly such notes; JSON also gets a
    top-level ``lodpub`` member, which result parsers ignore.
    """
    link = f"urn:lodpub:truncated:max-rows={max_rows}"
    if fmt == "JSON":
        data = json.loads(body)
        data["head"].setdefault("link", []).append(link)
        data["lodpub"] = {"truncated": True, "max_rows": max_rows}
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    if fmt == "XML":
        element = f'<link href="{link}"/>'.encode()
        if b"<head/>" in body:
            return body.replace(b"<head/>", b"<head>" + element + b"</head>", 1)
        return body.replace(b"</head>", element + b"</head>", 1)
    return body


def _dataset_args(job: Job) -> dict[str, Any]:
    import pyoxigraph as ox

    args: dict[str, Any] = {"use_default_graph_as_union": job.union, "base_iri": job.base_iri}
    if job.default_graphs is not None:
        args["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        args["use_default_graph_as_union"] = False
    if job.named_graphs is not None:
        args["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return args


def _send_error(conn, kind: str, message: str) -> None:
    conn.send_bytes(b"X" + json.dumps({"kind": kind, "message": message}).encode())


def _run_job(conn, store, job: Job) -> None:
    import pyoxigraph as ox

    from lodpub.formats import ResultFormat

    try:
        dataset = _dataset_args(job)
    except ValueError as exc:  # a default-graph-uri / named-graph-uri that is not an IRI
        _send_error(conn, "dataset", str(exc))
        return
    try:
        result = store.query(job.query, **dataset)
    except SyntaxError as exc:
        _send_error(conn, "syntax", str(exc))
        return
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        # RuntimeError: pyoxigraph's "The custom function <…> is not supported" and the like;
        # left uncaught it killed the worker (a 500 "worker stopped" and a respawn)
        unsupported = isinstance(exc, RuntimeError) and "is not supported" in str(exc)
        _send_error(conn, "unsupported" if unsupported else "eval", str(exc))
        return
    graph = isinstance(result, ox.QueryTriples)
    fmt = ResultFormat[job.graph_format if graph else job.results_format]
    if fmt.is_graph != graph:
        _send_error(conn, "format", f"{fmt.label} cannot carry the results of this query form")
        return
    truncated = False
    try:
        if job.max_rows and isinstance(result, ox.QuerySolutions):
            result, truncated = _capped(result, job.max_rows)
        writer = _ChunkWriter(conn, json.dumps(asdict(Head(fmt.media_type, truncated))).encode())
        if truncated:
            body = result.serialize(format=fmt.oxigraph_format())
            writer.write(mark_truncated(body, fmt.name, job.max_rows))
        else:
            result.serialize(writer, fmt.oxigraph_format())
        writer.close()
    except (BrokenPipeError, ConnectionResetError):
        raise  # the parent has gone: worker_main ends quietly
    except (OSError, ValueError, SyntaxError, RuntimeError) as exc:
        _send_error(conn, "eval", str(exc))


def open_store(store_path: str, memory_max_quads: int = 0):
    """The on-disk store read-only, or an in-memory copy of it when it is small enough.

    pyoxigraph's in-memory store answers scans and joins about twice as fast as its on-disk
    one (measured in bench/); the copy takes about 9 s per million quads at start-up.
    """
    import pyoxigraph as ox

    disk = ox.Store.read_only(store_path)
    if memory_max_quads <= 0 or len(disk) > memory_max_quads:
        return disk
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return memory


def worker_main(conn, store_path: str, memory_max_quads: int = 0) -> None:
    """Entry point of a worker process: open the store, then run jobs until EOF."""
    store = open_store(store_path, memory_max_quads)
    try:
        conn.send_bytes(b"R")
        while True:
            raw = conn.recv_bytes()
            _run_job(conn, store, Job(**json.loads(raw)))
    except (EOFError, OSError):  # the parent closed the socket, or went away mid-answer
        return


if __name__ == "__main__":
    # Ctrl-C in a terminal signals the whole process group; stopping workers is the parent's
    # job (it kills them, and a worker whose socket closes exits), so a worker ignores SIGINT
    # instead of dying mid-job with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_main(Connection(int(sys.argv[1])), sys.argv[2], int(sys.argv[3]))
