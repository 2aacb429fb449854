"""Where the CPU of one small /sparql request goes, stage by stage (a benchmark, not a test).

Drives the real app in this process, on the same data ``bench/run.py`` serves (``lodpub serve
--data``), and prints CPU microseconds per request for nested stages, each measured alone in
a loop (``time.process_time`` for this process, /proc for the query workers):

1. ``pool.run``: the job handed to a query worker and the answer read back (the process hop);
2. ``store.execute``: plus the store's checks (scan, update/SERVICE refusal, job building);
3. ``wsgi``: the Flask app called directly with a prepared WSGI environ (the protocol code,
   negotiation, ETag, CORS, Flask's request/response machinery), no HTTP server;
4. ``waitress``: the real waitress server (``lodpub.web.server.make_server``) in this process,
   driven by wrk from outside (``-t1 -c2``, the bench's setting); its CPU is this process's.

The differences between consecutive stages are what each layer adds. ``--cprofile FILE``
also writes the cProfile of the ``wsgi`` loop (top functions by own time).

    .venv/bin/python bench/profile_request.py                       # point lookup + CONSTRUCT
    .venv/bin/python bench/profile_request.py --only point-lookup --cprofile /tmp/prof.txt
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import threading
import time
import urllib.parse
from pathlib import Path

import loadgen
import verify

from lodpub.formats import ResultFormat
from lodpub.query.worker import Job
from lodpub.settings import load_settings
from lodpub.web import create_app
from lodpub.web.server import make_server

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:13])  # utime, stime


class Meter:
    """CPU seconds of this process and of the pool's live workers, between two readings."""

    def __init__(self, pool):
        self.pool = pool

    def read(self) -> tuple[float, float]:
        """(this process, workers) CPU seconds so far."""
        return time.process_time(), sum(_ticks(p) for p in self.pool.pids()) / TICK


def _loop(meter: Meter, fn, seconds: float) -> tuple[float, float, int]:
    """Call ``fn`` until ``seconds`` pass; CPU µs per call (here, workers) and the count."""
    for _ in range(50):  # warm-up
        fn()
    (p0, w0), start, n = meter.read(), time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    p1, w1 = meter.read()
    return (p1 - p0) / n * 1e6, (w1 - w0) / n * 1e6, n


def _environ(query: verify.Query, path: str = "/sparql") -> dict:
    from werkzeug.test import EnvironBuilder

    body = urllib.parse.urlencode({"query": query.text}).encode()
    builder = EnvironBuilder(path=path, method="POST", data=body, headers={
        "Accept": query.accept, "Content-Type": "application/x-www-form-urlencoded"})
    environ = builder.get_environ()
    environ.pop("wsgi.input")
    return {"environ": environ, "body": body}


def _wsgi_call(app, prepared: dict):
    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    def call() -> None:
        environ = dict(prepared["environ"])
        environ["wsgi.input"] = io.BytesIO(prepared["body"])
        result = app(environ, start_response)
        try:
            for _ in result:
                pass
        finally:
            getattr(result, "close", lambda: None)()

    return call


def _waitress(app, meter: Meter, query: verify.Query, seconds: float) -> tuple[float, float, float]:
    server = make_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/sparql"
    try:
        loadgen.run_wrk(url, query, 1, 2, 1, "post", 10)  # warm-up
        (p0, w0) = meter.read()
        result = loadgen.run_wrk(url, query, seconds, 2, 1, "post", 10)
        p1, w1 = meter.read()
    finally:
        server.close()
        thread.join(5)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests under wrk")
    return (p1 - p0) / result.requests * 1e6, (w1 - w0) / result.requests * 1e6, result.rps


def profile_query(app, query: verify.Query, seconds: float, cprofile: Path | None) -> None:
    """Print the stage table for one query (and write its cProfile if asked)."""
    store = app.extensions["lodpub"].store
    meter = Meter(store.pool)
    fmt = ResultFormat.NTRIPLES if query.is_graph else ResultFormat.JSON
    job = Job(query=query.text, results_format="JSON" if query.is_graph else fmt.name,
              graph_format=fmt.name if query.is_graph else "TURTLE", union=store.union)
    prepared = _environ(query)
    wsgi = _wsgi_call(app, prepared)
    stages = [
        ("pool.run (process hop)", lambda: store.pool.run(job, 10)),
        ("store.execute", lambda: store.execute(query.text, result_format=fmt).read()),
        ("wsgi (Flask + protocol)", wsgi),
    ]
    print(f"\n## {query.name}  (load average {os.getloadavg()[0]:.2f})")
    print("| stage | HTTP process µs/req | worker µs/req | calls |\n|---|---|---|---|")
    for name, fn in stages:
        here, workers, n = _loop(meter, fn, seconds)
        print(f"| {name} | {here:.0f} | {workers:.0f} | {n} |")
    here, workers, rps = _waitress(app, meter, query, seconds)
    print(f"| waitress + wrk -t1 -c2 | {here:.0f} | {workers:.0f} | {rps:.0f} req/s |")
    if cprofile is not None:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [wsgi() for _ in range(2000)])
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
        path = cprofile.with_name(f"{cprofile.stem}-{query.name}{cprofile.suffix}")
        path.write_text(out.getvalue(), encoding="utf-8")
        print(f"cProfile of 2000 wsgi calls: {path}")


def main() -> None:
    """Parse the options, start the app on the data, profile each query, stop the app."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT / "dist" / "current" / "lodpub.trig"))
    parser.add_argument("--only", default="point-lookup,construct-entity")
    parser.add_argument("--seconds", type=float, default=3.0, help="per stage")
    parser.add_argument("--cprofile", type=Path, help="write cProfile text next to this path")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a lodpub setting for the app, e.g. result_cache_bytes=0")
    args = parser.parse_args()
    overrides = dict(s.split("=", 1) for s in args.setting)
    settings = load_settings(ROOT, workers=2, query_timeout=60, **overrides)
    app = create_app(settings, data_files=[args.data])
    try:
        for query in verify.load_queries(ROOT / "bench" / "queries", args.only.split(",")):
            profile_query(app, query, args.seconds, args.cprofile)
    finally:
        app.extensions["lodpub"].close()


if __name__ == "__main__":
    main()
