"""The parent side of the query workers: a pool that hands out jobs under a deadline.

``WorkerPool`` starts ``size`` worker processes (``python -m lodpub.query.worker``, see that
module for what a worker does and the wire protocol), hands each job to an idle worker and
reads its messages against the job's deadline. Past the deadline it kills the worker (SIGKILL),
starts a replacement in the background and raises ``QueryTimeout``; the other workers keep
answering. When no worker is idle for ``queue_wait`` seconds it raises ``Overloaded``. A client
that goes away mid-stream gets its worker killed and replaced too (it may still be busy).
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

from lodpub.errors import Overloaded, QueryError, QueryTimeout
from lodpub.query.worker import EngineError, Head, Job

READY_TIMEOUT = 120.0
log = logging.getLogger(__name__)


class _Worker:
    """One worker process and the parent's end of its socket.

    A plain subprocess rather than ``multiprocessing.Process``: nothing depends on how the
    parent was started (no re-import of ``__main__``, no fork of a threaded server).
    """

    def __init__(self, store_path: str, memory_max_quads: int = 0):
        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lodpub.query.worker", str(child.fileno()), store_path,
             str(memory_max_quads)],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self._lock = threading.Lock()
        self._killed = False

    def wait_ready(self, timeout: float) -> bool:
        """Whether the worker opened its store and said so within ``timeout`` seconds."""
        try:
            if not self.conn.poll(timeout):
                return False
            return self.conn.recv_bytes() == b"R"
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        """Stop the process at once (SIGKILL), reap it and close its socket; once only.

        Several threads may decide to kill the same worker (a request past its deadline, the
        pool closing, a failed replacement). ``Connection.close`` is not thread-safe: two
        concurrent calls can both close the same descriptor number, and the second may close
        a descriptor another thread has just been given (say, the socket of a new worker).
        """
        with self._lock:
            if self._killed:
                return
            self._killed = True
            if self.process.poll() is None:
                self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:  # stuck in the kernel; the OS reaps it later
                log.error("query worker %s did not exit after SIGKILL", self.process.pid)
            self.conn.close()


class WorkerPool:
    """A fixed number of query workers over one on-disk store; see the module docstring."""

    def __init__(self, store_path: str, size: int, *, queue_wait: float = 2.0,
                 memory_max_quads: int = 0):
        self.store_path = store_path
        self.memory_max_quads = memory_max_quads
        self.size = max(1, size)
        self.queue_wait = queue_wait
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._respawns: list[threading.Thread] = []

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            if not worker.wait_ready(READY_TIMEOUT):
                self.close()
                raise QueryError(f"a query worker could not open the store at {self.store_path}")
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path, self.memory_max_quads)
        with self._lock:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its replacement in the background."""
        self._discard(worker)
        if not self._closed:
            thread = threading.Thread(target=self._refill, daemon=True, name="lodpub-respawn")
            with self._lock:
                self._respawns = [t for t in self._respawns if t.is_alive()] + [thread]
            thread.start()

    def _refill(self) -> None:
        if self._closed:
            return
        try:
            worker = self._spawn()
        except (OSError, ValueError) as error:  # e.g. out of processes or file descriptors
            log.error("replacement query worker could not be started (%s); pool has one "
                      "worker fewer", error)
            return
        if self._closed:  # closed while it started: close() may not have seen it
            self._discard(worker)
            return
        if worker.wait_ready(READY_TIMEOUT) and not self._closed:
            self._idle.put(worker)
            return
        if not self._closed:
            log.error("replacement query worker failed to start; pool has one worker fewer")
        self._discard(worker)

    def pids(self) -> set[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        with self._lock:
            return {w.process.pid for w in self._all}

    def busy(self) -> int:
        """How many workers are not idle: running a job, or starting up as a replacement."""
        return max(0, len(self.pids()) - self._idle.qsize())

    def _checkout(self) -> _Worker:
        """An idle, live worker; dead ones found idle (e.g. killed by the OS) are replaced."""
        end = time.monotonic() + self.queue_wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise Overloaded(
                    f"all {self.size} query workers are busy; retry in a few seconds"
                ) from None
            if worker.process.poll() is None:
                return worker
            log.warning("query worker %s died while idle; replacing it", worker.process.pid)
            self._replace(worker)

    def run(self, job: Job, timeout: float | None) -> tuple[Head, Iterator[bytes] | tuple[bytes]]:
        """Run ``job``; return its head and the serialized result chunks.

        The chunks are a one-element tuple when the whole answer came in one message (the
        worker is already free), else an iterator that streams the rest from the worker.
        Waits for the first chunk before returning, so a query that is too slow to start
        answering raises ``QueryTimeout`` here, before any byte reaches the client.
        """
        worker = self._checkout()
        deadline = None if timeout is None else time.monotonic() + timeout
        run = _Running(self, worker, deadline, timeout)
        try:
            worker.conn.send_bytes(json.dumps(job.__dict__).encode())
            message = run.message()
            if message[:1] == b"F":  # the whole result in one message: the worker is free
                run.finish(kill=False)
                size = int.from_bytes(message[1:5], "big")
                return _head(message[5:5 + size]), (message[5 + size:],)
            head = _head(message[1:])
            first = run.next_chunk()
        except BaseException:
            run.abandon()
            raise
        return head, run.chunks(first)

    def close(self) -> None:
        """Kill every worker; the pool cannot be used afterwards.

        Replacements still starting are waited for (each sees the pool closed and stops its
        worker), so no worker outlives the pool, e.g. when a command exits right after a
        query hit its time limit.
        """
        self._closed = True
        with self._lock:
            workers, respawns = list(self._all), list(self._respawns)
        for worker in workers:
            self._discard(worker)
        for thread in respawns:
            thread.join(10)


def _head(raw: bytes) -> Head:
    info = json.loads(raw)
    return Head(info["media_type"], info.get("truncated", False))


class _Running:
    """A job in progress on one checked-out worker."""

    def __init__(self, pool: WorkerPool, worker: _Worker, deadline: float | None, limit):
        self.pool, self.worker, self.deadline, self.limit = pool, worker, deadline, limit
        self.done = False
        self._finishing = threading.Lock()

    def message(self) -> bytes:
        """The worker's next message; raises on timeout, worker death or a query error."""
        remaining = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        try:
            ready = self.worker.conn.poll(remaining)
            message = self.worker.conn.recv_bytes() if ready else None
        except (EOFError, OSError):
            self.finish(kill=True)
            raise QueryError(
                "the query worker stopped unexpectedly; it has been replaced"
            ) from None
        if message is None:
            log.warning("query stopped at the %g s limit; worker %s killed and replaced",
                        self.limit, self.worker.process.pid)
            self.finish(kill=True)
            raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)")
        if message[:1] == b"X":
            self.finish(kill=False)
            error = json.loads(message[1:])
            raise EngineError(error["message"], error["kind"])
        return message

    def next_chunk(self) -> bytes | None:
        """The next data chunk, or None at the end of the results."""
        message = self.message()
        if message[:1] == b"E":
            self.finish(kill=False)
            return None
        return message[1:]

    def chunks(self, first: bytes | None) -> Iterator[bytes]:
        """Yield ``first`` and every following chunk; kills the worker if abandoned midway."""
        try:
            chunk = first
            while chunk is not None:
                yield chunk
                chunk = self.next_chunk()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Give the worker back once its job ends; a reader that left early does not cost one.

        The rest of the answer is read and dropped in the background until the job ends (the
        worker goes back to the pool, warm) or its time limit passes (it is killed and
        replaced, as any query over the limit is). Replacing a worker that holds its data in
        memory takes seconds, so draining is cheaper than killing.
        """
        if not self.done:
            threading.Thread(target=self._drain, daemon=True, name="lodpub-drain").start()

    def _drain(self) -> None:
        try:
            while not self.done:
                remaining = None if self.deadline is None else self.deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                if not self.worker.conn.poll(remaining):
                    break
                if self.worker.conn.recv_bytes()[:1] in (b"E", b"X", b"F"):
                    self.finish(kill=False)
        except (EOFError, OSError):
            pass
        if not self.done:
            self.finish(kill=True)

    def finish(self, kill: bool) -> None:
        """Give the worker back to the pool, or kill and replace it; once only.

        The request thread and a drain thread may both get here; the lock makes sure the
        worker is handed back or replaced exactly once.
        """
        with self._finishing:
            if self.done:
                return
            self.done = True
        if kill:
            self.pool._replace(self.worker)
        else:
            self.pool._idle.put(self.worker)
