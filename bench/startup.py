"""How long until each server answers its first query: first start and second start.

A benchmark, not a test. "Ready" is the time from starting the command to the first 200 from
its SPARQL endpoint (``ASK {}``, polled every 50 ms). For each dataset:

- lodpub ``serve --data FILE`` with an empty ``dist_dir`` (first start: the on-disk store is
  built from the file), then again (second start: the store kept in ``dist_dir/.cache`` is
  opened; data of up to ``memory_store_max_quads`` quads is also loaded into memory, after
  the first answer when it is larger than a tenth of that: "settled" is when every worker has
  it);
- the Oxigraph server: ``oxigraph load`` + ``optimize`` (its first start), then
  ``serve-read-only`` on that store (its second start);
- the baseline (bench/baseline_app.py under gunicorn): every start parses the file.

and, with ``--release``, ``lodpub serve`` on the latest release of this checkout (first start
with its store removed from ``dist/.cache``, then a second start).

    .venv/bin/python bench/startup.py                 # both synthetic corpora and the release
    .venv/bin/python bench/startup.py --dataset s1m=bench/out/synthetic-1000000-s42.nq
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import servers

ROOT = servers.ROOT
POLL = 0.05


def _ready(name: str, command: list[str], endpoint: str, env: dict[str, str], logdir: Path,
           timeout: float) -> tuple[float, servers.Server]:
    """Start ``command``; seconds until ``endpoint`` first answers 200, and the server."""
    started = time.monotonic()
    server = servers._spawn(name, command, endpoint, env, logdir, 0)
    servers._wait_ready(server, timeout, every=POLL)
    return time.monotonic() - started, server


def lodpub_starts(data: Path, logdir: Path, timeout: float) -> dict:
    """First and second start of ``lodpub serve --data`` with a fresh dist_dir."""
    dist = Path(tempfile.mkdtemp(prefix="lodpub-bench-dist-"))
    env = dict(os.environ, LODPUB_DIST_DIR=str(dist))
    out = {}
    try:
        for label in ("first", "second"):
            port = servers.free_port()
            cmd = servers.lodpub_command(data, port, 2, 8, 60)
            started = time.monotonic()
            seconds, server = _ready("lodpub", cmd, f"http://127.0.0.1:{port}/sparql", env,
                                     logdir, timeout)
            out[f"lodpub_{label}_s"] = round(seconds, 2)
            servers.wait_settled(server, timeout)  # larger data: in memory once loaded
            out[f"lodpub_{label}_settled_s"] = round(time.monotonic() - started, 2)
            out[f"lodpub_{label}_rss_mb"] = server.rss_mb()
            out[f"lodpub_{label}_pss_mb"] = servers.pss_mb(server)
            server.stop()
        out["lodpub_command"] = " ".join(cmd)
    finally:
        shutil.rmtree(dist, ignore_errors=True)
    return out


def oxigraph_starts(data: Path, logdir: Path, timeout: float) -> dict:
    """``oxigraph load`` + ``optimize`` (first), then ``serve-read-only`` (second)."""
    binary = servers.oxigraph_binary()
    location = Path(tempfile.mkdtemp(prefix="lodpub-bench-oxigraph-"))
    try:
        started = time.monotonic()
        subprocess.run([binary, "load", "--location", str(location), "--file", str(data)],
                       check=True, capture_output=True)
        subprocess.run([binary, "optimize", "--location", str(location)], check=True,
                       capture_output=True)
        load_s = time.monotonic() - started
        port = servers.free_port()
        cmd = [binary, "serve-read-only", "--location", str(location), "--bind",
               f"127.0.0.1:{port}"]
        seconds, server = _ready("oxigraph", cmd, f"http://127.0.0.1:{port}/query",
                                 dict(os.environ), logdir, timeout)
        server.stop()
        return {"oxigraph_first_s": round(load_s + seconds, 2), "oxigraph_second_s":
                round(seconds, 2), "oxigraph_store_mb": servers.dir_mb(location)}
    finally:
        shutil.rmtree(location, ignore_errors=True)


def baseline_start(data: Path, logdir: Path, timeout: float) -> dict:
    """The baseline parses the file in every worker at every start."""
    server = servers.start_baseline(data, False, logdir, timeout)
    server.stop()
    return {"baseline_s": round(server.startup_s, 2)}


def release_starts(logdir: Path, timeout: float) -> dict:
    """``lodpub serve`` on the latest release: its store removed first, then kept."""
    cache = ROOT / "dist" / ".cache"
    for stale in cache.glob("oxigraph-*"):
        shutil.rmtree(stale)
    out = {}
    for label in ("first", "second"):
        port = servers.free_port()
        cmd = [str(servers.VENV_BIN / "lodpub"), "serve", "--port", str(port)]
        seconds, server = _ready("lodpub-release", cmd, f"http://127.0.0.1:{port}/sparql",
                                 dict(os.environ), logdir, timeout)
        out[f"release_{label}_s"] = round(seconds, 2)
        server.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure every start; print a Markdown table and write JSON into ``--out``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", action="append", metavar="NAME=FILE")
    p.add_argument("--release", action=argparse.BooleanOptionalAction, default=True,
                   help="also time `lodpub serve` on the latest release (needs `lodpub build`)")
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = p.parse_args(argv)
    pairs = [d.split("=", 1) for d in args.dataset or
             ("synthetic-100k=bench/out/synthetic-100000-s42.nq",
              "synthetic-1m=bench/out/synthetic-1000000-s42.nq")]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    logdir = args.out / f"logs-startup-{stamp}"
    logdir.mkdir(parents=True)
    results = {}
    for name, path in pairs:
        data = (ROOT / path).resolve()
        print(f"== {name}", file=sys.stderr)
        results[name] = {**lodpub_starts(data, logdir, args.timeout),
                         **oxigraph_starts(data, logdir, args.timeout),
                         **baseline_start(data, logdir, args.timeout)}
        print(f"   {results[name]}", file=sys.stderr)
    if args.release:
        results["release"] = release_starts(logdir, args.timeout)
    lines = ["| dataset | lodpub first start s | lodpub second start s | lodpub second start, "
             "data in memory s | lodpub PSS MB | Oxigraph load + optimize + serve s "
             "| Oxigraph serve s | baseline s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        if name == "release":
            lines.append(f"| release (`lodpub serve`) | {r['release_first_s']} "
                         f"| {r['release_second_s']} | | | | | |")
            continue
        lines.append(f"| {name} | {r['lodpub_first_s']} | {r['lodpub_second_s']} "
                     f"| {r['lodpub_second_settled_s']} "
                     f"| {r['lodpub_second_pss_mb']} | {r['oxigraph_first_s']} "
                     f"| {r['oxigraph_second_s']} | {r['baseline_s']} |")
    table = "\n".join(lines)
    (args.out / f"startup-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"\ncommand: .venv/bin/python bench/startup.py {' '.join(sys.argv[1:])}\n\n{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
