"""``lodpub serve`` on waitress: a supervisor and HTTP worker processes that run queries themselves.

The supervisor (the process ``lodpub serve`` starts) checks the release, makes sure its query-ready
store exists and is intact (built, when needed, in a child process: the supervisor never opens
RocksDB, whose background threads a fork would not carry over), loads the data into memory when it
is small enough (``memory_store_max_quads``: the copy is then shared by every worker through the
fork, page by page), binds the listening socket and forks ``workers`` HTTP worker processes. Data
larger than a hundredth of ``memory_store_max_quads`` is loaded into memory after the workers have
started on the on-disk store, so that a second start answers at once; once the copy is ready, the
workers are replaced one at a time by workers forked with it. Each worker leaves the network when
the SERVICE allow-list is empty, opens the store read-only (or uses the shared in-memory copy),
builds the app with an in-process query engine (``lodpub.query.local``) and serves the shared
socket with waitress. Over a remote engine (the ``store`` setting) there is no store to prepare:
the workers keep the network and send the queries there (``lodpub.query.remote``).

A query past its time or memory limit cannot be stopped inside its process, so its worker
answers 503 and *dooms* itself (``Lifecycle``): it stops accepting connections, lets the
requests in flight finish (at most ``DOOMED_GRACE`` seconds) and exits; the supervisor starts a
replacement, and the other workers keep answering meanwhile. A worker that dies young again and
again is restarted after a growing pause, for as long as the server runs. SIGTERM or Ctrl-C
stops the workers gracefully, then the supervisor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lodpub.errors import LodpubError
from lodpub.query.store import StoreFiles
from lodpub.release import Release
from lodpub.settings import Settings

DOOMED_GRACE = {"timeout": 5.0, "memory": 1.0, "shutdown": 30.0}  # seconds, by reason
YOUNG = 5.0  # a worker that exits within this many seconds of its start died young
QUIET = 0.5  # seconds without a byte after which an open connection holds no request
ROLL_PAUSE = 2.0  # seconds between replacing one worker and retiring the next
PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
log = logging.getLogger(__name__)

# The data state of workers started while the in-memory copy loads (``/health`` engine.data).
LOADING = "on disk, loading into memory"


class Lifecycle:
    """A worker's requests in flight, and its end once it is doomed (see the module docstring)."""

    def __init__(self) -> None:
        self.server = None  # the waitress server, set once it exists
        self.inflight = 0
        self.reason = ""
        self._lock = threading.Lock()

    def wrap(self, app):
        """WSGI middleware counting requests until their answer has been handed over."""
        def counted(environ, start_response):
            with self._lock:
                self.inflight += 1
            try:
                result = app(environ, start_response)
            except BaseException:
                self._done()
                raise
            return _Counted(result, self._done)
        return counted

    def _done(self) -> None:
        with self._lock:
            self.inflight -= 1

    def busy(self, busy: bool) -> None:
        """While the engine is busy, leave new connections to the other workers."""
        if self.server is not None and not self.reason:
            self.server.accepting = not busy

    def doom(self, reason: str) -> None:
        """Stop accepting connections; exit once idle (or after the grace of ``reason``)."""
        with self._lock:
            if self.reason:
                return
            self.reason = reason
        if self.server is not None:
            self.server.accepting = False  # waitress stops polling the listening socket
        kind = next((k for k in DOOMED_GRACE if k in reason), "timeout")
        threading.Thread(target=self._exit_when_idle, args=(DOOMED_GRACE[kind],), daemon=True,
                         name="lodpub-doomed").start()

    def _exit_when_idle(self, grace: float) -> None:
        end = time.monotonic() + grace
        # the server's loop may be in a select that already saw the listening socket ready:
        # let a connection it accepts after ``accepting`` went False get its channel first
        time.sleep(min(QUIET, grace))
        while time.monotonic() < end and (self.inflight > 0 or self._pending()):
            time.sleep(0.02)
        logging.shutdown()
        os._exit(0)

    def _pending(self) -> bool:
        """Whether a connection may still carry a request this worker owes an answer: answer
        bytes waiting to go out, a request being read or queued, or bytes received in the last
        ``QUIET`` seconds. A connection accepted just before the worker stopped accepting has
        not reached the app yet: exiting then would reset it."""
        channels = getattr(self.server, "_map", {}) or {}
        now = time.time()  # waitress stamps last_activity with time.time()
        for channel in list(channels.values()):
            if not hasattr(channel, "requests"):  # the listening socket, the trigger
                continue
            if (channel.total_outbufs_len or channel.requests or channel.request is not None
                    or now - channel.last_activity < QUIET):
                return True
        return False


class _Counted:
    """An answer's body that reports when the server has finished with it."""

    def __init__(self, result, done) -> None:
        self.result, self.done, self.closed = result, done, False

    def __iter__(self):
        return iter(self.result)

    def close(self) -> None:
        try:
            getattr(self.result, "close", lambda: None)()
        finally:
            if not self.closed:
                self.closed = True
                self.done()


@dataclass
class Supervisor:
    """Starts, watches and replaces the HTTP worker processes; see the module docstring."""

    settings: Settings
    data_files: Sequence[Path] = ()
    release: Release | None = None
    files: StoreFiles | None = None  # None over a remote engine (the store setting)
    memory_store: object = None
    children: dict[int, tuple[int, float]] = field(default_factory=dict)  # pid: (slot, start)
    failures: dict[int, int] = field(default_factory=dict)  # slot: young deaths in a row
    stopping: bool = False
    loading: bool = False  # the in-memory copy is being loaded while workers serve from disk
    loaded: object = None  # that copy, once ready (the workers still to be replaced use disk)
    retiring: list[int] = field(default_factory=list)  # workers to replace by ones with the copy
    retired: int = 0  # the one asked to stop last

    def prepare(self) -> None:
        """Check the release, make its store ready, load it into memory when small enough."""
        if not self.data_files:
            self.release = Release.latest(self.settings)
            self.release.verify()
        if self.settings.store:  # a remote engine answers the queries: no store here
            from lodpub.query.remote import store_for

            store_for(self.settings, release=self.release, data_files=self.data_files).close()
            return
        self.files = _in_child(self._store_files)
        quads = _quads(self.files)
        limit = self.settings.memory_store_max_quads
        if quads is not None and 0 < quads <= limit:
            if quads <= limit // 100:  # 20,000 quads by default, loaded in a blink: at once
                self.memory_store = _memory_copy(self.files)
            else:
                self.loading = True  # after the workers are up (``run``)

    def _store_files(self) -> StoreFiles:
        if self.data_files:
            return StoreFiles.for_files(self.settings, self.data_files)
        return StoreFiles.for_release(self.settings, self.release)

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT."""
        self.prepare()
        sock = _listen(self.settings.host, self.settings.port)
        previous = {s: signal.signal(s, self._signalled) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self.settings.workers):
                self._spawn(slot, sock)
            where = f"http://{self.settings.host}:{sock.getsockname()[1]}/"
            engine = (f"queries sent to {self.settings.store}" if self.settings.store else
                      f"queries in process, data {self._data_state()}")
            log.info("lodpub serving %s at %s (%d processes, %s)",
                     self.release.version if self.release else "data files", where,
                     self.settings.workers, engine)
            if self.loading:
                threading.Thread(target=self._load, daemon=True, name="lodpub-load").start()
            self._watch(sock)
        finally:
            self._stop_children()
            sock.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _data_state(self) -> str:
        """Where new workers find the data (``/health`` reports it as ``engine.data``)."""
        if self.memory_store is not None:
            return "in memory"
        return LOADING if self.loading else "on disk"

    def _load(self) -> None:
        """Load the in-memory copy while the workers serve from disk (a thread of its own)."""
        try:
            self.loaded = _memory_copy(self.files)
        except (LodpubError, OSError) as exc:
            log.warning("the data could not be loaded into memory (%s); serving it from disk",
                        exc)
            self.loading = False

    def _roll(self, due: dict[int, float]) -> None:
        """Once the copy is loaded, replace the disk workers one at a time, each after the
        previous one's replacement has had ``ROLL_PAUSE`` seconds to start."""
        if self.loaded is not None and self.memory_store is None:
            self.memory_store, self.loading = self.loaded, False
            self.retiring = list(self.children)
            log.info("data in memory; replacing the %d workers one at a time",
                     len(self.retiring))
        if not self.retiring or due:
            return
        newest = max((started for _, started in self.children.values()), default=0.0)
        if self.retiring[0] not in self.children:  # it ended: its replacement is starting
            self.retiring.pop(0)
        elif time.monotonic() - newest >= ROLL_PAUSE and self.retiring[0] != self.retired:
            self.retired = self.retiring[0]
            _signal(self.retired, signal.SIGTERM)  # it finishes its requests, then exits

    def _signalled(self, signum, frame) -> None:
        # only a flag: ``_watch`` looks at it every 50 ms (an exception raised here could land
        # in the middle of anything the main thread is doing, such as logging's lock)
        self.stopping = True

    def _spawn(self, slot: int, sock: socket.socket) -> None:
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGTERM, signal.SIGINT):  # the worker sets its own
                signal.signal(sig, signal.SIG_DFL)
            code = 1
            try:
                code = worker_process(self.settings, self.release, self.data_files, self.files,
                                      self.memory_store, sock, slot, self._data_state())
            finally:
                os._exit(code)
        self.children[pid] = (slot, time.monotonic())

    def _watch(self, sock: socket.socket) -> None:
        due: dict[int, float] = {}  # slot: when to start its replacement
        while not self.stopping:
            pid, status = _reap()
            if pid:
                self._ended(pid, status, due)
                continue
            now = time.monotonic()
            for slot, when in list(due.items()):
                if when <= now:
                    del due[slot]
                    self._spawn(slot, sock)
            self._roll(due)
            time.sleep(0.05)

    def _ended(self, pid: int, status: int, due: dict[int, float]) -> None:
        slot, started = self.children.pop(pid, (None, 0.0))
        if slot is None:
            return
        failed = os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0  # 0: doomed, on purpose
        young = failed and time.monotonic() - started < YOUNG
        self.failures[slot] = self.failures.get(slot, 0) + 1 if young else 0
        pause = PAUSES[min(self.failures[slot], len(PAUSES)) - 1] if self.failures[slot] else 0
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit code {os.WEXITSTATUS(status)}")
        log.log(logging.WARNING if failed else logging.INFO,
                "worker %s (pid %s) ended (%s); replacing it%s", slot, pid, how,
                f" in {pause:g} s" if pause else "")
        due[slot] = time.monotonic() + pause

    def _stop_children(self) -> None:
        for pid in list(self.children):
            _signal(pid, signal.SIGTERM)
        end = time.monotonic() + DOOMED_GRACE["shutdown"] + 5
        while self.children and time.monotonic() < end:
            pid, _ = _reap()
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.05)
        for pid in list(self.children):
            _signal(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()


def worker_process(settings: Settings, release: Release | None, data_files,
                   files: StoreFiles | None, memory_store, sock: socket.socket, slot: int,
                   data_state: str = "") -> int:
    """One HTTP worker: leave the network, open the store, serve the socket; the exit code.

    Over a remote engine (``files`` None: the ``store`` setting) the worker keeps the network,
    which is how it reaches the engine, and ``create_app`` opens the ``RemoteStore``.
    """
    from lodpub.web import create_app, warm_up
    from lodpub.web.http.wsgi_server import make_server

    lifecycle = Lifecycle()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    signal.signal(signal.SIGTERM, lambda *_: lifecycle.doom("shutdown"))
    protection = f"none (queries go to the remote engine {settings.store})"
    store = None
    if files is not None:
        protection, store = _embedded_store(settings, files, memory_store, lifecycle, slot,
                                            data_state)
        if store is None:
            return 3
    try:
        app = create_app(settings, release=release, data_files=data_files, store=store)
    except LodpubError as exc:
        log.error("worker %s: %s", slot, exc)
        return 3
    server = make_server(lifecycle.wrap(app), sockets=[sock], threads=settings.threads)
    lifecycle.server = server
    log.info("worker %s (pid %s) ready; network isolation: %s", slot, os.getpid(), protection)
    if data_state != LOADING:  # else the worker is replaced by one with the data in memory
        threading.Thread(target=warm_up, args=(app,), daemon=True, name="lodpub-warm").start()
    server.run()
    return 0


def _embedded_store(settings: Settings, files: StoreFiles, memory_store, lifecycle: Lifecycle,
                    slot: int, data_state: str):
    """Leave the network (unless SERVICE calls are allowed) and open the store with queries run
    in this process; the network protection in force, and the store (None if it cannot open)."""
    import pyoxigraph as ox

    from lodpub.query.isolation import isolate_network
    from lodpub.query.local import LocalRunner
    from lodpub.query.store import EmbeddedStore, Limits

    protection = ("none (the service_allowlist setting allows outbound SERVICE calls)"
                  if settings.service_allowlist else isolate_network())
    try:
        engine_store = memory_store or ox.Store.read_only(str(files.path))
    except OSError as exc:
        log.error("worker %s cannot open the store %s: %s", slot, files.path, exc)
        return protection, None
    limits = Limits.from_settings(settings)
    runner = LocalRunner(engine_store, memory_limit_mb=limits.memory_mb,
                         on_doomed=lifecycle.doom, on_busy=lifecycle.busy,
                         protection=protection, data=data_state)
    return protection, EmbeddedStore(files, runner, limits)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _reap() -> tuple[int, int]:
    """(pid, status) of a child that ended, else (0, 0), also when no child is left (every
    worker ended at once, before its replacement starts)."""
    try:
        return os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return 0, 0


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _in_child(function):
    """``function()`` run in a forked child (which may open RocksDB); its result or its error."""
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            outcome = ("ok", function())
        except (LodpubError, OSError) as exc:
            outcome = ("error", exc)
        with os.fdopen(write, "wb") as out:
            pickle.dump(outcome, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    if not data:
        raise LodpubError("preparing the query-ready store failed (its process ended early)")
    kind, value = pickle.loads(data)  # noqa: S301 - from our own child process
    if kind == "error":
        raise value
    return value


def _quads(files: StoreFiles) -> int | None:
    from lodpub.query.diskstore import quad_count

    return quad_count(files.path)


def _memory_copy(files: StoreFiles):
    """The data of ``files`` loaded into a pyoxigraph in-memory store (no RocksDB involved)."""
    import pyoxigraph as ox

    from lodpub.query.diskstore import load_file

    started = time.monotonic()
    store = ox.Store()
    for path in files.sources:
        load_file(store, Path(path))
    log.info("data loaded into memory in %.1f s (%d quads), shared by the workers",
             time.monotonic() - started, len(store))
    return store

