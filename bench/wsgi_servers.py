"""WSGI servers compared with one HTTP process that owns a pool of query workers (how lodpub runs
under granian; ``lodpub serve`` on waitress runs queries in its HTTP workers instead).

A benchmark, not a test. For each server that can be imported (waitress always; granian and
gunicorn with ``pip install -e '.[bench]'``), it serves two WSGI apps with ONE process (threads
inside it):

- ``trivial``: a fixed 800-byte answer: the server's own cost per request (its floor);
- ``lodpub``: ``create_app`` on ``--data`` (the seed release by default), i.e. ``lodpub serve
  --data``; with the answer cache on (default) a repeated query is a cache hit, so this is the
  cost of a hit; ``--setting result_cache_bytes=0`` measures the full path instead.

and drives the point lookup with wrk (``-t1 -c2``, as bench/run.py) for ``--seconds``,
printing CPU µs per request of the server's process tree (query workers included) and req/s.

    .venv/bin/python bench/wsgi_servers.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import loadgen
import servers
import verify

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TRIVIAL_BODY = b'{"x": 1}' * 100


def trivial(environ, start_response):
    """The smallest honest WSGI app: read the body, answer 800 bytes."""
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(TRIVIAL_BODY)))])
    return [TRIVIAL_BODY]


def lodpub_app():
    """lodpub's app on the data named by LODPUB_BENCH_DATA (a factory for the servers)."""
    from lodpub.settings import load_settings
    from lodpub.web import create_app

    settings = load_settings(ROOT, workers=2, query_timeout=60)
    return create_app(settings, data_files=[os.environ["LODPUB_BENCH_DATA"]])


def _command(server: str, target: str, port: int) -> list[str]:
    py = sys.executable
    if server == "waitress":
        return [py, str(Path(__file__)), "--serve-waitress", target, "--port", str(port)]
    if server == "granian":
        factory = ["--factory"] if target == "lodpub" else []
        name = "lodpub_app" if target == "lodpub" else "trivial"
        return [py, "-m", "granian", "--interface", "wsgi", "--workers", "1",
                "--blocking-threads", "4", "--port", str(port), *factory, f"wsgi_servers:{name}"]
    spec = "wsgi_servers:lodpub_app()" if target == "lodpub" else "wsgi_servers:trivial"
    return [py, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8",
            "-b", f"127.0.0.1:{port}", spec]


def _serve_waitress(target: str, port: int) -> None:
    from lodpub.web.server import make_server

    app = lodpub_app() if target == "lodpub" else trivial
    make_server(app, host="127.0.0.1", port=port, threads=8).run()


def measure(server: str, target: str, query: verify.Query, seconds: float, env: dict) -> str:
    """Start ``server`` on ``target``, drive it with wrk, stop it; one result line."""
    port = servers.free_port()
    proc = subprocess.Popen(_command(server, target, port), cwd=HERE, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if verify.fetch(url, query, timeout=5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        loadgen.run_wrk(url, query, 1, 2, 1, "post", 10)  # warm-up
        tick = os.sysconf("SC_CLK_TCK")
        before = sum(servers._cpu_ticks(p) for p in servers._tree(proc.pid))
        result = loadgen.run_wrk(url, query, seconds, 2, 1, "post", 10)
        after = sum(servers._cpu_ticks(p) for p in servers._tree(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    cpu_us = (after - before) / tick / max(1, result.requests) * 1e6
    return (f"| {server} | {target} | {cpu_us:.0f} | {result.rps:,.0f} | {result.p50_ms:.2f} | "
            f"{result.errors} | {os.getloadavg()[0]:.1f} |")


def main() -> None:
    """Compare every importable server on both apps."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT / "dist" / "current" / "lodpub.trig"))
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--query", default="point-lookup")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--serve-waitress", metavar="TARGET", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_waitress:
        _serve_waitress(args.serve_waitress, args.port)
        return
    env = dict(os.environ, LODPUB_BENCH_DATA=str(Path(args.data).resolve()))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    for item in args.setting:
        name, _, value = item.partition("=")
        env["LODPUB_" + name.upper()] = value
    query = verify.load_queries(HERE / "queries", [args.query])[0]
    print("| server | app | CPU µs/req | req/s | p50 ms | errors | load |")
    print("|---|---|---|---|---|---|---|")
    for server in ("waitress", "granian", "gunicorn"):
        if server != "waitress" and importlib.util.find_spec(server) is None:
            print(f"| {server} | (not installed) | | | | | |")
            continue
        for target in ("trivial", "lodpub"):
            print(measure(server, target, query, args.seconds, env), flush=True)


if __name__ == "__main__":
    main()
