"""Start and stop the servers under test: lodpub's /sparql, the Oxigraph server, and the baseline
(a 40-line Flask + pyoxigraph app under gunicorn, bench/baseline_app.py).

Each is a child process in its own session (process group), so stopping one ends its workers
too, and nothing else on the machine is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says what is missing and how to fix it."""


@dataclass
class Server:
    """A running server: its name, SPARQL endpoint URL, process and timings."""

    name: str
    endpoint: str
    process: subprocess.Popen | None  # None: a server started elsewhere (--lodpub-endpoint)
    command: list[str]
    startup_s: float = 0.0
    settled_s: float = 0.0  # lodpub: until the data is where it stays (in memory, or on disk)
    load_s: float = 0.0
    log: Path | None = None
    store: Path | None = None  # Oxigraph's store directory
    cleanup: list[Path] = field(default_factory=list)

    def rss_mb(self) -> int | None:
        """Resident memory of the server and all its child processes, in MiB (None: unknown)."""
        if self.process is None:
            return None
        return round(sum(_rss_kb(pid) for pid in _tree(self.process.pid)) / 1024)

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the server and its child processes."""
        if self.process is None:
            return None
        return sum(_cpu_ticks(pid) for pid in _tree(self.process.pid)) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def niceness(nice: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` giving a child started in its own session the niceness ``nice``.

    Both the process's nice (inherited by its threads and children) and its session's
    autogroup: with sched_autogroup (on here) CPU is shared between sessions first, and every
    server (and wrk) runs in a session of its own. Lowering niceness needs root.
    """
    if not nice:
        return None

    def apply() -> None:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
        try:
            Path("/proc/self/autogroup").write_text(str(nice))
        except OSError:
            pass  # no autogroup or no permission: the plain niceness still applies
    return apply


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime, stime, cutime, cstime (fields 14-17 of stat): the last two hold the CPU time of
    # children already reaped, e.g. query workers that lodpub killed and replaced.
    return sum(int(v) for v in fields[11:15])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait_ready(server: Server, timeout: float, every: float = 0.2) -> None:
    """Poll with a trivial ASK until it answers 200, the process dies, or time runs out."""
    url = server.endpoint + "?query=" + urllib.request.quote("ASK {}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            tail = server.log.read_text()[-2000:] if server.log else ""
            raise BenchError(f"{server.name} exited with {server.process.returncode}: {tail}")
        try:
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(every)
    server.stop()
    raise BenchError(f"{server.name} did not answer at {server.endpoint} within {timeout:.0f} s")


LOADING = "on disk, loading into memory"


def wait_settled(server: Server, timeout: float) -> None:
    """Wait until every lodpub worker serves the data from where it stays: ``lodpub serve``
    starts on the on-disk store and moves larger data into memory once loaded (``/health``
    says ``engine.data``); a run measures the server it will be, not its first seconds."""
    health = server.endpoint.rsplit("/", 1)[0] + "/health"
    deadline = time.monotonic() + timeout
    settled = 0
    while settled < 8:  # several answers in a row: every worker has been asked
        if time.monotonic() > deadline:
            raise BenchError(f"{server.name} still loading its data after {timeout:.0f} s")
        try:
            with urllib.request.urlopen(health, timeout=5) as resp:
                data = json.loads(resp.read()).get("engine", {}).get("data")
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            data = LOADING  # a worker being replaced
        settled = settled + 1 if data != LOADING else 0
        time.sleep(0.1)


def _spawn(name: str, command: list[str], endpoint: str, env: dict[str, str],
           logdir: Path, nice: int) -> Server:
    log = logdir / f"{name}.log"
    fh = log.open("w")
    process = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, env=env,
                               cwd=ROOT, start_new_session=True, preexec_fn=niceness(nice))
    return Server(name, endpoint, process, command, log=log)


def lodpub_command(data: Path, port: int, workers: int, threads: int,
                   timeout_s: float) -> list[str]:
    """`lodpub serve --data` if the CLI has it, else the Python entry point in a subprocess."""
    cli = VENV_BIN / "lodpub"
    probe = subprocess.run([str(cli), "serve", "--help"], capture_output=True, text=True,
                           cwd=ROOT) if cli.exists() else None
    if probe is not None and probe.returncode == 0 and "--data" in probe.stdout:
        cmd = [str(cli), "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port)]
        for flag, value in (("--workers", workers), ("--threads", threads),
                            ("--timeout", timeout_s)):
            if flag in probe.stdout:
                cmd += [flag, str(value)]
        return cmd
    code = (
        "import sys; from lodpub.settings import load_settings; "
        "from lodpub.web.server import serve; "
        "serve(load_settings(), data_files=(sys.argv[1],), host='127.0.0.1', "
        "port=int(sys.argv[2]), workers=int(sys.argv[3]), threads=int(sys.argv[4]))"
    )
    return [sys.executable, "-c", code, str(data), str(port), str(workers), str(threads)]


def external(name: str, endpoint: str, ready_timeout: float) -> Server:
    """A server started elsewhere (e.g. `lodpub serve` on a release): checked, never stopped."""
    server = Server(name, endpoint, None, ["(started outside the benchmark)", endpoint])
    _wait_ready(server, ready_timeout)
    return server


def start_lodpub(data: Path, workers: int, threads: int, timeout_s: float, logdir: Path,
                 ready_timeout: float, nice: int = 0, *, http_server: str = "waitress",
                 answer_cache: bool = False) -> Server:
    """Start lodpub serving ``data`` on a free port and wait until /sparql answers.

    ``answer_cache`` False sets ``LODPUB_RESULT_CACHE_BYTES=0``: every request is evaluated.
    """
    port = free_port()
    cmd = lodpub_command(data, port, workers, threads, timeout_s)
    env = dict(os.environ, LODPUB_WORKERS=str(workers), LODPUB_THREADS=str(threads),
               LODPUB_QUERY_TIMEOUT=str(timeout_s), LODPUB_MAX_ROWS="0",
               LODPUB_HTTP_SERVER=http_server)
    if not answer_cache:
        env["LODPUB_RESULT_CACHE_BYTES"] = "0"
    started = time.monotonic()
    server = _spawn("lodpub", cmd, f"http://127.0.0.1:{port}/sparql", env, logdir, nice)
    _wait_ready(server, ready_timeout)
    server.startup_s = time.monotonic() - started
    wait_settled(server, ready_timeout)
    server.settled_s = time.monotonic() - started
    return server


def start_lodpub_remote(release_dir: Path, store: str, threads: int, timeout_s: float,
                        logdir: Path, ready_timeout: float, nice: int = 0) -> Server:
    """Start ``lodpub serve --store`` on the release in ``release_dir``, over the engine at
    ``store`` (which must hold it: ``remote_nquads``), with lodpub's answer cache off so that
    every request reaches the engine."""
    port = free_port()
    dist = release_dir.resolve().parents[1]  # dist/releases/<version>
    cmd = [str(VENV_BIN / "lodpub"), "--dist", str(dist), "serve", "--store", store,
           "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
           "--timeout", str(timeout_s)]
    env = dict(os.environ, LODPUB_RESULT_CACHE_BYTES="0", LODPUB_MAX_ROWS="0")
    started = time.monotonic()
    server = _spawn("lodpub", cmd, f"http://127.0.0.1:{port}/sparql", env, logdir, nice)
    _wait_ready(server, ready_timeout)
    server.startup_s = time.monotonic() - started
    return server


def remote_nquads(release_dir: Path, out: Path) -> Path:
    """The release's quads and lodpub's record of it (``lodpub publish --nquads``): what the
    Oxigraph server loads so that lodpub can serve the release from it."""
    done = subprocess.run([str(VENV_BIN / "lodpub"), "--dist",
                           str(release_dir.resolve().parents[1]), "publish", "--nquads",
                           str(out)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise BenchError(f"lodpub publish --nquads failed: {done.stderr[-2000:]}")
    return out


def oxigraph_binary() -> str:
    """The Oxigraph server CLI from the PyPI package ``oxigraph`` (in the venv, else on PATH)."""
    candidate = VENV_BIN / "oxigraph"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("oxigraph")
    if not found:
        raise BenchError("the Oxigraph server is missing: .venv/bin/pip install oxigraph "
                         "(or .venv/bin/pip install -e '.[bench]')")
    return found


def start_oxigraph(data: Path, union: bool, timeout_s: float, logdir: Path,
                   ready_timeout: float, nice: int = 0) -> Server:
    """Bulk-load ``data`` into a fresh on-disk store, optimize it, serve it read-only."""
    binary = oxigraph_binary()
    location = Path(tempfile.mkdtemp(prefix="lodpub-bench-oxigraph-"))
    started = time.monotonic()
    load = subprocess.run([binary, "load", "--location", str(location), "--file", str(data)],
                          capture_output=True, text=True)
    if load.returncode != 0:
        shutil.rmtree(location, ignore_errors=True)
        raise BenchError(f"oxigraph load {data} failed: {load.stderr[-2000:]}")
    # Oxigraph advises `optimize` after a bulk load before a read-heavy workload: do it.
    subprocess.run([binary, "optimize", "--location", str(location)], capture_output=True,
                   check=False)
    load_s = time.monotonic() - started
    port = free_port()
    cmd = [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if timeout_s > 0:
        # Off by default: with --timeout-s, oxigraph 0.5.13 starts a thread per query and under
        # load fails with "Resource temporarily unavailable (os error 11)" (seen on this machine).
        cmd += ["--timeout-s", str(max(1, round(timeout_s)))]
    if union:
        cmd.append("--union-default-graph")
    server = _spawn("oxigraph", cmd, f"http://127.0.0.1:{port}/query", dict(os.environ), logdir,
                    nice)
    server.cleanup.append(location)
    server.store = location
    _wait_ready(server, ready_timeout)
    server.load_s = load_s
    server.startup_s = time.monotonic() - started
    return server


def start_baseline(data: Path, union: bool, logdir: Path, ready_timeout: float,
                   nice: int = 0, workers: int = 2) -> Server:
    """The 40-line Flask + pyoxigraph app under gunicorn (sync workers, in-memory stores)."""
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists():
        raise BenchError("gunicorn is missing: .venv/bin/pip install -e '.[bench]'")
    port = free_port()
    cmd = [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--chdir", str(ROOT / "bench"), "--timeout", "600", "--log-level", "warning",
           "baseline_app:app"]
    env = dict(os.environ, BASELINE_DATA=str(data), BASELINE_UNION="1" if union else "0")
    started = time.monotonic()
    server = _spawn("baseline", cmd, f"http://127.0.0.1:{port}/sparql", env, logdir, nice)
    _wait_ready(server, ready_timeout)
    server.startup_s = time.monotonic() - started
    return server


def pss_mb(server: Server) -> int | None:
    """Proportional set size of the server and its children (shared pages counted once)."""
    if server.process is None:
        return None
    total = 0
    for pid in _tree(server.process.pid):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024)


def dir_mb(path: Path) -> int:
    """Size of the files under ``path`` in MiB (e.g. the Oxigraph store on disk)."""
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 / 1024)


class PeakMemory:
    """Samples the memory of each server's process tree every ``every`` seconds and keeps the
    highest sums seen (the "peak memory of all processes"), until ``stop``: resident set size
    (RSS: pages shared by forked workers counted once per process) and proportional set size
    (PSS: a shared page split between the processes sharing it, so the sum counts it once)."""

    def __init__(self, servers: list[Server], every: float = 0.25):
        self.rss = {server.name: 0 for server in servers}
        self.pss = {server.name: 0 for server in servers}
        self._servers = servers
        self._stop = threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        for server in self._servers:
            self.rss[server.name] = max(self.rss[server.name], server.rss_mb() or 0)
            self.pss[server.name] = max(self.pss[server.name], pss_mb(server) or 0)

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self._sample()

    def stop(self) -> dict[str, dict[str, int]]:
        """Stop sampling; per server name, its peak ``rss_mb`` and ``pss_mb``."""
        self._stop.set()
        self._thread.join()
        return {name: {"rss_mb": self.rss[name], "pss_mb": self.pss[name]} for name in self.rss}
