"""The parent side of the query workers: a pool that hands out jobs under a time and memory limit.

``WorkerPool`` starts ``size`` worker processes (``python -m lodpub.query.worker``, see that
module for what a worker does and the wire protocol), hands each job to an idle worker and
reads its messages, checking every ``POLL`` seconds the job's deadline and how much memory the
worker has taken since the job began (``isolation.resident_bytes``). Past the deadline it kills
the worker (SIGKILL) and raises ``QueryTimeout``; past the memory limit, ``QueryOutOfMemory``;
either way a replacement starts in the background and the other workers keep answering. When
no worker is idle for ``queue_wait`` seconds it raises ``Overloaded``. A client that goes away
mid-stream costs nothing: the rest of its answer is drained in the background.

The pool returns to full strength on its own: a replacement that cannot start is retried with
a growing pause (``RETRY_PAUSES``) for as long as the pool is open, and ``health()`` says how
many workers are live, idle and starting.
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
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from lodpub.errors import (
    EngineUnavailable,
    LodpubError,
    Overloaded,
    QueryOutOfMemory,
    QueryTimeout,
)
from lodpub.query.engine import Head, Job, error_for
from lodpub.query.isolation import resident_bytes

READY_TIMEOUT = 120.0
POLL = 0.05  # seconds between checks of a running job's deadline and memory
RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # between attempts to start a replacement
log = logging.getLogger(__name__)


class _Worker:
    """One worker process and the parent's end of its socket.

    A plain subprocess rather than ``multiprocessing.Process``: nothing depends on how the
    parent was started (no re-import of ``__main__``, no fork of a threaded server).
    """

    def __init__(self, store_path: str, memory_max_quads: int, isolate: bool):
        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lodpub.query.worker", str(child.fileno()), store_path,
             str(memory_max_quads), "1" if isolate else "0"],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.protection = ""
        self.failure = ""  # why it could not open the store, as it said
        self._lock = threading.Lock()
        self._killed = False

    def wait_ready(self, timeout: float) -> bool:
        """Whether the worker opened its store and said so within ``timeout`` seconds."""
        try:
            if not self.conn.poll(timeout):
                return False
            message = self.conn.recv_bytes()
        except (EOFError, OSError):
            return False
        if message[:1] != b"R":
            self.failure = message[1:].decode("utf-8", "replace")
            return False
        self.protection = message[1:].decode("utf-8", "replace")
        return True

    def memory(self) -> int:
        """Bytes this worker uses on its own (0 when it cannot be read)."""
        return resident_bytes(self.process.pid) or 0

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
                 memory_max_quads: int = 0, memory_limit_mb: int = 0, isolate: bool = False,
                 repair: Callable[[], None] | None = None):
        self.store_path = store_path
        self.repair = repair
        self.memory_max_quads = memory_max_quads
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.memory_limit_mb = memory_limit_mb
        self.isolate = isolate
        self.size = max(1, size)
        self.queue_wait = queue_wait
        self.protection = ""
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._starting = 0
        self._failures = 0
        self._lock = threading.Lock()
        self._closed = False
        self._respawns: list[threading.Thread] = []

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            if not worker.wait_ready(READY_TIMEOUT):
                self.close()
                raise EngineUnavailable(f"a query worker could not open the store at "
                                        f"{self.store_path}: {worker.failure or 'no answer'}")
            self.protection = worker.protection
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path, self.memory_max_quads, self.isolate)
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
                self._starting += 1
            thread.start()

    def _refill(self) -> None:
        """Start one replacement, retrying with a growing pause until it works or we close."""
        attempt = 0
        try:
            while not self._closed:
                if self._start_one():
                    return
                pause = RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)]
                attempt += 1
                with self._lock:
                    self._failures += 1
                log.error("replacement query worker failed to start; retrying in %g s", pause)
                self._try_repair()
                deadline = time.monotonic() + pause
                while not self._closed and time.monotonic() < deadline:
                    time.sleep(min(0.1, pause))
        finally:
            with self._lock:
                self._starting -= 1

    def _try_repair(self) -> None:
        """Let the store rebuild what the workers open, if it is damaged (derived data)."""
        if self.repair is None:
            return
        try:
            self.repair()
        except (LodpubError, OSError) as exc:  # retried with the next start
            log.error("repairing the query-ready store failed: %s", exc)

    def _start_one(self) -> bool:
        try:
            worker = self._spawn()
        except (OSError, ValueError) as error:  # e.g. out of processes or file descriptors
            log.error("replacement query worker could not be started: %s", error)
            return False
        if self._closed:  # closed while it started: close() may not have seen it
            self._discard(worker)
            return True
        if worker.wait_ready(READY_TIMEOUT) and not self._closed:
            self._idle.put(worker)
            return True
        if worker.failure:
            log.error("a query worker could not open the store: %s", worker.failure)
        self._discard(worker)
        return self._closed

    def pids(self) -> set[int]:
        """Process ids of the live workers (for monitoring and tests)."""
        with self._lock:
            return {w.process.pid for w in self._all}

    def busy(self) -> int:
        """How many workers are not idle: running a job, or starting up as a replacement."""
        return max(0, len(self.pids()) - self._idle.qsize())

    def health(self) -> dict:
        """The pool's state: its size, and how many workers are live, idle and starting."""
        with self._lock:
            live, starting, failures = len(self._all), self._starting, self._failures
        idle = self._idle.qsize()
        return {"workers": self.size, "live": live, "idle": idle, "starting": starting,
                "busy": max(0, live - idle), "failed_starts": failures,
                "full_strength": live >= self.size and starting == 0,
                "network_isolation": self.protection or "none",
                "memory_limit_mb": self.memory_limit_mb}

    def _checkout(self) -> _Worker:
        """An idle, live worker; dead ones found idle (e.g. killed by the OS) are replaced."""
        end = time.monotonic() + self.queue_wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise Overloaded(f"all {self.size} query workers are busy; retry in a few "
                                 "seconds", retry_after=2) from None
            if worker.process.poll() is None:
                return worker
            log.warning("query worker %s died while idle; replacing it", worker.process.pid)
            self._replace(worker)

    def run(self, job: Job, timeout: float | None) -> tuple[Head, Iterator[bytes] | tuple[bytes]]:
        """Run ``job``; return its head and the serialized answer's chunks.

        The chunks are a one-element tuple when the whole answer came in one message (the
        worker is already free), else an iterator that streams the rest from the worker.
        Waits for the first chunk before returning, so a query that is too slow to start
        answering raises ``QueryTimeout`` here, before any byte reaches the client.
        """
        worker = self._checkout()
        deadline = None if timeout is None else time.monotonic() + timeout
        run = _Running(self, worker, deadline, timeout)
        try:
            worker.conn.send_bytes(job.to_json())
            message = run.message()
            if message[:1] == b"F":  # the whole result in one message: the worker is free
                run.finish(kill=False)
                size = int.from_bytes(message[1:5], "big")
                return Head.from_json(message[5:5 + size]), (message[5 + size:],)
            head = Head.from_json(message[1:])
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


class _Running:
    """A job in progress on one checked-out worker."""

    def __init__(self, pool: WorkerPool, worker: _Worker, deadline: float | None, limit):
        self.pool, self.worker, self.deadline, self.limit = pool, worker, deadline, limit
        self.baseline = worker.memory() if pool.memory_limit else 0
        self.done = False
        self._finishing = threading.Lock()

    def _wait(self) -> bytes | None:
        """The worker's next message, or None past the deadline; checks memory meanwhile."""
        while True:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            step = POLL if remaining is None else min(POLL, remaining)
            if self.worker.conn.poll(step):
                return self.worker.conn.recv_bytes()
            if self.pool.memory_limit and \
                    self.worker.memory() - self.baseline > self.pool.memory_limit:
                log.warning("query used more than %s MB; worker %s killed and replaced",
                            self.pool.memory_limit_mb, self.worker.process.pid)
                self.finish(kill=True)
                raise QueryOutOfMemory(
                    f"query used more than {self.pool.memory_limit_mb} MB (the memory limit "
                    "of a query, setting query_memory_mb) and was stopped", retry_after=1)

    def message(self) -> bytes:
        """The worker's next message; raises on timeout, memory, worker death or query error."""
        try:
            message = self._wait()
        except (EOFError, OSError):
            self.finish(kill=True)
            raise EngineUnavailable("the query worker stopped unexpectedly; it has been "
                                    "replaced, retry the query", retry_after=1) from None
        if message is None:
            log.warning("query stopped at the %g s limit; worker %s killed and replaced",
                        self.limit, self.worker.process.pid)
            self.finish(kill=True)
            raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)")
        if message[:1] == b"X":
            self.finish(kill=False)
            error = json.loads(message[1:])
            raise error_for(error["kind"], error["message"])
        return message

    def next_chunk(self) -> bytes | None:
        """The next data chunk, or None at the end of the results."""
        message = self.message()
        if message[:1] == b"E":
            self.finish(kill=False)
            return None
        return message[1:]

    def chunks(self, first: bytes | None) -> Iterator[bytes]:
        """Yield ``first`` and every following chunk; drains the worker if abandoned midway."""
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
                message = self._wait()
                if message is None:
                    break
                if message[:1] in (b"E", b"X", b"F"):
                    self.finish(kill=False)
        except (EOFError, OSError, QueryOutOfMemory):
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
