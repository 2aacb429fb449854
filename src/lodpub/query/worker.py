"""A query worker process: runs one query at a time so that it can be stopped at any moment.

Neither pyoxigraph nor rdflib can interrupt a running query, so the endpoint's queries run in
processes of their own, which the parent (``pool.WorkerPool``) kills at the time or memory
limit. A worker is started as ``python -m lodpub.query.worker FD STORE_PATH MAX_QUADS ISOLATE``,
opens the store read-only (or copies it into memory, see ``engine.open_store``), leaves the
network when ``ISOLATE`` is 1 (``isolation.isolate``: no outbound request can be made), then
evaluates each job it receives on a big-stack thread (``engine.run_on_big_stack``).

Wire protocol (worker -> parent), one ``send_bytes`` message each, first byte is the tag:
``R`` ready (+ the isolation it achieved), or ``N`` + why the store cannot be opened (the
worker then exits); ``F`` + 4-byte head length + head + the whole body
(an answer smaller than one chunk); ``H`` + head, then ``D`` + a data chunk each, then ``E``
(a longer answer); ``X`` + JSON error ``{"kind", "message"}`` (``engine.ERROR_KINDS``). The
parent sends each job as JSON (``engine.Job``).
"""

from __future__ import annotations

import json
import signal
import sys
from multiprocessing.connection import Connection

from lodpub.query.engine import Head, Job, evaluate, open_store, run_on_big_stack


class _Socket:
    """The ``engine.Sink`` of a worker: each piece of the answer is a message to the parent."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.head_sent = False

    def answer(self, head: Head, body: bytes) -> None:
        raw = head.to_json()
        self.conn.send_bytes(b"F" + len(raw).to_bytes(4, "big") + raw + body)

    def chunk(self, head: Head, data: bytes) -> None:
        if not self.head_sent:
            self.conn.send_bytes(b"H" + head.to_json())
            self.head_sent = True
        self.conn.send_bytes(b"D" + data)

    def end(self) -> None:
        self.conn.send_bytes(b"E")

    def error(self, kind: str, message: str) -> None:
        self.conn.send_bytes(b"X" + json.dumps({"kind": kind, "message": message}).encode())


def worker_main(conn: Connection, store_path: str, memory_max_quads: int = 0,
                isolate: bool = False) -> None:
    """Open the store, say ready, then run jobs until the parent closes the socket."""
    from lodpub.query.isolation import isolate_network

    try:
        store = open_store(store_path, memory_max_quads)
    except OSError as exc:  # a damaged or missing store: the pool repairs it, no traceback
        conn.send_bytes(b"N" + str(exc).encode("utf-8", "replace"))
        return
    protection = isolate_network() if isolate else "none"
    failure: list[BaseException] = []

    def run(job: Job) -> None:
        try:
            evaluate(store, job, _Socket(conn))
        except BaseException as exc:  # handed to the main thread, which ends the worker
            failure.append(exc)

    try:
        conn.send_bytes(b"R" + protection.encode())
        while True:
            job = Job.from_json(conn.recv_bytes())
            run_on_big_stack(lambda job=job: run(job)).join()
            if failure:
                raise failure[0]
    except (EOFError, OSError):  # the parent closed the socket, or went away mid-answer
        return


if __name__ == "__main__":
    # Ctrl-C in a terminal signals the whole process group; stopping workers is the parent's
    # job (it kills them, and a worker whose socket closes exits), so a worker ignores SIGINT
    # instead of dying mid-job with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_main(Connection(int(sys.argv[1])), sys.argv[2], int(sys.argv[3]),
                sys.argv[4] == "1")
