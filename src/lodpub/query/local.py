"""Queries run in this very process, held to their limits by ending the process.

This is the engine of ``lodpub serve``'s HTTP worker processes (``lodpub.web.server``): a query
costs no hop to another process and no copy of its answer. pyoxigraph releases the GIL while it
evaluates, so while a query runs on one of the process's engine threads (started once, with
big stacks: ``engine.run_on_big_stack``) the request's own thread watches its deadline, and a
watchdog thread reads the process's resident memory every ``POLL`` seconds
(``isolation.resident_bytes``) and stops a query whose process took more than
``query_memory_mb`` since the query began. Nothing can
stop a pyoxigraph query but the end of its process, so past either limit the runner *dooms* the
process: it answers the client 503 ("query stopped after N s", "query used more than N MB"),
tells the server (``on_doomed``), which stops accepting connections, lets the requests in flight
finish and exits; the supervisor starts a replacement. One query runs at a time per process
(``concurrency``), so the memory a query takes is its own and a doomed process costs no other
query; while it runs, the process stops accepting connections (``on_busy``), so new clients go
to an idle process; a request that finds the engine busy for ``queue_wait`` seconds (on a
connection it already had) gets 503 with Retry-After.

``run`` has the shape of ``pool.WorkerPool.run``: the head, then the answer's chunks (a
one-element tuple when the answer was complete in one piece).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator

from lodpub.errors import LodpubError, Overloaded, QueryOutOfMemory, QueryTimeout
from lodpub.query.engine import Head, Job, error_for, evaluate, run_on_big_stack
from lodpub.query.isolation import resident_bytes

POLL = 0.05  # seconds between checks of a running query's deadline and memory
CONCURRENCY = 4  # queries at once per process (pyoxigraph evaluates without the GIL)
BUFFER = 16  # chunks an engine thread may get ahead of its reader
log = logging.getLogger(__name__)


class _Sink:
    """The ``engine.Sink`` of a local query: each piece of the answer goes on a queue."""

    def __init__(self) -> None:
        self.items: queue.Queue = queue.Queue(maxsize=BUFFER)

    def answer(self, head: Head, body: bytes) -> None:
        self.items.put(("answer", head, body))

    def chunk(self, head: Head, data: bytes) -> None:
        self.items.put(("chunk", head, data))

    def end(self) -> None:
        self.items.put(("end", None, None))

    def error(self, kind: str, message: str) -> None:
        self.items.put(("error", kind, message))


class LocalRunner:
    """Runs jobs on ``store`` (a pyoxigraph store) in this process; see the module docstring."""

    def __init__(self, store, *, memory_limit_mb: int = 0, queue_wait: float = 2.0,
                 concurrency: int = CONCURRENCY, on_doomed: Callable[[str], None] | None = None,
                 on_busy: Callable[[bool], None] | None = None, protection: str = "none",
                 data: str = ""):
        self.store = store
        self.memory_limit_mb = memory_limit_mb
        self.memory_limit = memory_limit_mb * 1024 * 1024
        self.queue_wait = queue_wait
        self.concurrency = concurrency
        self.on_doomed = on_doomed
        self.on_busy = on_busy or (lambda busy: None)
        self.protection = protection
        self.data = data  # where the data is: "in memory", "on disk", … (for /health)
        self.doomed = ""
        self._slots = threading.BoundedSemaphore(concurrency)
        self._running = 0
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._watched: set[_Running] = set()
        self.resident = resident_bytes() or 0  # the watchdog's latest reading
        for number in range(concurrency):  # started once: a thread with a big stack is costly
            run_on_big_stack(self._engine_thread, name=f"lodpub-engine-{number}")
        if self.memory_limit:
            threading.Thread(target=self._watchdog, daemon=True, name="lodpub-watchdog").start()

    def _watchdog(self) -> None:
        """Read the resident memory; flag the queries of a process over a query's limit."""
        while True:
            time.sleep(POLL)
            self.resident = resident_bytes() or self.resident
            with self._lock:
                watched = list(self._watched)
            for running in watched:
                if self.resident - running.baseline > self.memory_limit:
                    running.stop = "memory"

    def _engine_thread(self) -> None:
        while True:
            job, sink = self._jobs.get()
            try:
                evaluate(self.store, job, sink)
            except Exception as exc:  # noqa: BLE001 - on the engine's own thread: report it
                log.exception("the query engine failed")
                sink.items.put(("error", "engine", str(exc)))
            finally:
                with self._lock:
                    self._running -= 1
                    self.on_busy(self._running >= self.concurrency)
                self._slots.release()

    def run(self, job: Job, timeout: float | None) -> tuple[Head, Iterator[bytes] | tuple[bytes]]:
        """Run ``job``; return its head and chunks (see ``pool.WorkerPool.run``)."""
        if not self._slots.acquire(timeout=self.queue_wait):
            raise Overloaded("the query engine of this server process is busy; retry in a few "
                             "seconds", retry_after=2)
        deadline = None if timeout is None else time.monotonic() + timeout
        running = _Running(self, deadline, timeout)
        sink = running.sink
        with self._lock:
            self._running += 1
            self._watched.add(running)
            self.on_busy(self._running >= self.concurrency)
        self._jobs.put((job, sink))
        try:
            kind, head, payload = running.next()
            if kind == "answer":
                running.done = True
                return head, (payload,)
            return head, running.chunks(payload)
        except BaseException:
            running.abandon()
            raise

    def doom(self, reason: str) -> None:
        """This process must end (a query cannot be stopped otherwise); once."""
        with self._lock:
            if self.doomed:
                return
            self.doomed = reason
        log.warning("%s; this server process stops accepting requests and is replaced", reason)
        if self.on_doomed is not None:
            self.on_doomed(reason)

    def health(self) -> dict:
        """The engine's state in this process."""
        with self._lock:
            running = self._running
        return {"workers": self.concurrency, "live": 0 if self.doomed else self.concurrency,
                "idle": max(0, self.concurrency - running), "busy": running, "starting": 0,
                "failed_starts": 0, "full_strength": not self.doomed,
                "network_isolation": self.protection, "memory_limit_mb": self.memory_limit_mb,
                **({"data": self.data} if self.data else {})}

    def pids(self) -> set[int]:
        """Nothing runs in another process."""
        return set()

    def close(self) -> None:
        """Nothing to stop: the engine threads end with the process."""


class _Running:
    """A job in progress on this process's engine."""

    def __init__(self, runner: LocalRunner, deadline: float | None, limit: float | None):
        self.runner, self.deadline, self.limit = runner, deadline, limit
        self.sink = _Sink()
        self.baseline = runner.resident
        self.stop = ""  # set by the watchdog: why the query must stop
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the job is over for its reader (its answer read, or it was stopped)."""
        return self._done

    @done.setter
    def done(self, value: bool) -> None:
        self._done = value
        if value:
            with self.runner._lock:
                self.runner._watched.discard(self)

    def next(self) -> tuple:
        """The engine's next item; raises at the deadline or the memory limit, or its error."""
        while True:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                self.done = True
                self.runner.doom(f"query stopped at the {self.limit:g} s limit")
                raise QueryTimeout(f"query stopped after {self.limit:g} s (the time limit)")
            if self.stop:
                self._out_of_memory()
            try:
                item = self.sink.items.get(timeout=POLL if remaining is None
                                           else min(POLL, remaining))
            except queue.Empty:
                continue
            if item[0] == "error":
                self.done = True
                raise error_for(item[1], item[2])
            return item

    def _out_of_memory(self) -> None:
        runner = self.runner
        self.done = True
        runner.doom(f"query used more than {runner.memory_limit_mb} MB")
        raise QueryOutOfMemory(
            f"query used more than {runner.memory_limit_mb} MB (the memory limit of a "
            "query, setting query_memory_mb) and was stopped", retry_after=1)

    def chunks(self, first: bytes) -> Iterator[bytes]:
        """Yield ``first`` and every following chunk; a reader that leaves early costs nothing."""
        try:
            yield first
            while True:
                kind, _, payload = self.next()
                if kind == "end":
                    self.done = True
                    return
                yield payload
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Read the rest of an answer nobody wants, until it ends or its deadline passes."""
        if not self.done:
            threading.Thread(target=self._drain, daemon=True, name="lodpub-drain").start()

    def _drain(self) -> None:
        try:
            while not self.done:
                if self.next()[0] == "end":
                    self.done = True
        except (QueryTimeout, QueryOutOfMemory):
            pass  # the process is doomed: the query could not be stopped otherwise
        except LodpubError:  # the answer's own error: nobody is reading it
            self.done = True
