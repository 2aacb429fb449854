"""Benchmark lodpub's /sparql against the Oxigraph server on the same data and queries.

In one run, for each dataset: bulk-load it into the Oxigraph server (PyPI package ``oxigraph``)
and start ``lodpub serve --data`` on it, both on free ports of 127.0.0.1; check that both give
the same answer to every query in bench/queries/ (a query whose answers differ is not timed);
then drive each query at each server for a fixed time with wrk (or, if wrk is absent, a bounded
Python thread pool) and print throughput and latency with the ratios lodpub/Oxigraph.

    .venv/bin/python bench/run.py                      # seed release (if built) + 1M synthetic
    .venv/bin/python bench/run.py --dataset seed=dist/current/lodpub.trig --duration 10

See bench/README.md for every option and bench/RESULTS.md for recorded figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import gen_corpus
import loadgen
import report
import servers
import verify

ROOT = servers.ROOT


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", action="append", metavar="NAME=FILE",
                   help="dataset to serve (repeatable); default: seed=dist/current/lodpub.trig "
                        "if it exists, and synthetic-100k, synthetic-1m = "
                        "bench/out/synthetic-<triples>-s<seed>.nq (generated if missing)")
    p.add_argument("--triples", default="100000,1000000",
                   help="sizes of the synthetic corpora (comma-separated)")
    p.add_argument("--seed", type=int, default=42, help="seed of the synthetic corpus")
    p.add_argument("--queries", type=Path, default=ROOT / "bench" / "queries")
    p.add_argument("--only", help="comma-separated query names (file stems) to run")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up, not measured")
    p.add_argument("--rounds", type=int, default=1,
                   help="timed runs per server and query, interleaved; the median is reported")
    p.add_argument("--connections", type=int, default=2,
                   help="concurrent client connections (default 2 = lodpub's query workers)")
    p.add_argument("--pause", type=float, default=2.0,
                   help="seconds of quiet after warm-up and after each run (lodpub replaces "
                        "workers whose client hung up mid-answer, as wrk does when it stops)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (<= connections)")
    p.add_argument("--method", choices=("post", "get"), default="post")
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--workers", type=int, default=2, help="lodpub query worker processes")
    p.add_argument("--threads", type=int, default=8, help="lodpub HTTP server threads")
    p.add_argument("--timeout", type=float, default=60.0, help="per-query limit on both servers")
    p.add_argument("--oxigraph-timeout", type=float, default=0.0,
                   help="pass --timeout-s to Oxigraph (0: off; see bench/README.md for why)")
    p.add_argument("--union", action="store_true",
                   help="start Oxigraph with --union-default-graph (its default graph is then "
                        "the union of every graph; a release's default graph on lodpub is the "
                        "publisher's assertions only, and `serve --data` serves the file's "
                        "default graph)")
    p.add_argument("--ready-timeout", type=float, default=900.0, help="seconds to wait for load")
    p.add_argument("--measure-mismatched", action="store_true",
                   help="time queries even when the two servers' answers differ")
    p.add_argument("--remote", action="store_true",
                   help="lodpub over the Oxigraph server under test (`lodpub serve --store`, "
                        "answer cache off) instead of its embedded engine: the overhead of "
                        "lodpub in front of a remote engine. Each --dataset must be a release's "
                        "lodpub.trig (default: the seed release only)")
    p.add_argument("--lodpub-endpoint", metavar="URL",
                   help="measure an already running lodpub /sparql instead of starting one "
                        "(give exactly one --dataset: the data it serves, for Oxigraph)")
    p.add_argument("--nice", type=int, default=0,
                   help="niceness (and autogroup niceness) of the servers and wrk, each in its "
                        "own session, e.g. -5 as root on a machine shared with other work")
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                   help="also measure the 40-line Flask + pyoxigraph baseline under gunicorn "
                        "(bench/baseline_app.py)")
    p.add_argument("--http-server", choices=("waitress", "granian"), default="waitress",
                   help="lodpub's HTTP server (the http_server setting)")
    p.add_argument("--answer-cache", action=argparse.BooleanOptionalAction, default=False,
                   help="leave lodpub's answer cache on (off by default: every request is "
                        "evaluated, since the load generator repeats one identical request)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    return p.parse_args(argv)


def _datasets(args: argparse.Namespace) -> list[tuple[str, Path]]:
    if args.dataset:
        pairs = [d.split("=", 1) for d in args.dataset]
        return [(name, Path(path).resolve()) for name, path in pairs]
    found = []
    seed = ROOT / "dist" / "current" / "lodpub.trig"
    if seed.exists():
        found.append(("seed", seed.resolve()))
    elif args.remote:
        raise servers.BenchError(f"--remote serves a release: {seed} is missing (lodpub build)")
    else:
        print(f"note: {seed} does not exist (run `lodpub build`); seed release skipped",
              file=sys.stderr)
    if args.remote:  # a release is needed: the synthetic corpus is only a file of quads
        return found
    for triples in (int(t) for t in args.triples.split(",")):
        synthetic = ROOT / "bench" / "out" / f"synthetic-{triples}-s{args.seed}.nq"
        if not synthetic.exists():
            print(f"generating {synthetic} ...", file=sys.stderr)
            gen_corpus.main(["--triples", str(triples), "--seed", str(args.seed),
                             "--out", str(synthetic)])
        size = f"{triples // 1_000_000}m" if triples % 1_000_000 == 0 else f"{triples // 1000}k"
        found.append((f"synthetic-{size}", synthetic))
    return found


def _bench_dataset(name: str, data: Path, queries: list[verify.Query], args, use_wrk: bool,
                   logdir: Path) -> tuple[list[dict], dict]:
    print(f"\n== {name}: {data}", file=sys.stderr)
    loaded = servers.remote_nquads(data.parent, logdir / f"{name}-release.nq") if args.remote \
        else data
    ox = servers.start_oxigraph(loaded, args.union, args.oxigraph_timeout, logdir,
                                 args.ready_timeout, args.nice)
    try:
        if args.remote:
            lp = servers.start_lodpub_remote(data.parent, ox.endpoint, args.threads,
                                             args.timeout, logdir, args.ready_timeout, args.nice)
        elif args.lodpub_endpoint:
            lp = servers.external("lodpub", args.lodpub_endpoint, args.ready_timeout)
        else:
            lp = servers.start_lodpub(data, args.workers, args.threads, args.timeout, logdir,
                                      args.ready_timeout, args.nice,
                                      http_server=args.http_server,
                                      answer_cache=args.answer_cache)
        extra = ([servers.start_baseline(data, args.union, logdir, args.ready_timeout, args.nice)]
                 if args.baseline else [])
    except servers.BenchError:
        ox.stop()
        raise
    everyone = [lp, ox, *extra]
    info = {"data": str(data), "oxigraph_load_s": round(ox.load_s, 1),
            "oxigraph_store_mb": servers.dir_mb(ox.store) if ox.store else None}
    for server in everyone:
        info[f"{server.name}_command"] = shlex.join(server.command)
        info[f"{server.name}_ready_s"] = round(server.startup_s, 1)
        if server.settled_s:
            info[f"{server.name}_settled_s"] = round(server.settled_s, 1)
        info[f"{server.name}_rss_mb"] = server.rss_mb()
    print(f"   ready: {info}", file=sys.stderr)
    rows = []
    peak = servers.PeakMemory(everyone)
    try:
        for q in queries:
            rows.append(_bench_query(name, q, lp, ox, extra, args, use_wrk))
        for server in everyone:
            info[f"{server.name}_rss_mb_after"] = server.rss_mb()
            info[f"{server.name}_pss_mb_after"] = servers.pss_mb(server)
    finally:
        for server_name, mb in peak.stop().items():
            info[f"{server_name}_peak_rss_mb"] = mb["rss_mb"]
            info[f"{server_name}_peak_pss_mb"] = mb["pss_mb"]
        for server in everyone:
            server.stop()
    return rows, info


def _bench_query(name: str, q: verify.Query, lp: servers.Server, ox: servers.Server,
                 extra: list[servers.Server], args, use_wrk: bool) -> dict:
    check = verify.compare(q, lp.endpoint, ox.endpoint)
    row = {"dataset": name, "query": q.name, "kind": q.kind, "size": check.size,
           "same_answer": check.ok, "check": check.detail, "lodpub": None, "oxigraph": None,
           "baseline": None}
    status = "same answer" if check.ok else "DIFFERENT ANSWERS"
    print(f"   {q.name}: {status} ({check.detail})", file=sys.stderr)
    if check.size == 0:
        print(f"   warning: {q.name} returns nothing on {name}", file=sys.stderr)
    if not check.ok and not args.measure_mismatched:
        row["note"] = f"answers differ: {check.detail}"
        return row
    measured = [lp, ox, *(s for s in extra if verify.compare(q, s.endpoint, ox.endpoint).ok)]
    runs: dict[str, list[dict]] = {server.name: [] for server in measured}
    for _ in range(args.rounds):  # interleaved (A B A B ...) so drifting background load hits all
        for server in measured:
            runs[server.name].append(_measure(server, q, args, use_wrk))
    for server in measured:
        chosen = sorted(runs[server.name], key=lambda f: f["rps"])[len(runs[server.name]) // 2]
        chosen = dict(chosen, rounds_rps=[round(f["rps"], 1) for f in runs[server.name]])
        chosen["errors"] = sum(f["errors"] for f in runs[server.name])
        row[server.name] = chosen
        print(f"     {server.name:8} {chosen['rps']:9.1f} req/s  p50 {chosen['p50_ms']:8.2f} ms  "
              f"p99 {chosen['p99_ms']:8.2f} ms  errors {chosen['errors']}  "
              f"cpu/req {chosen.get('cpu_ms_per_request', 'n/a')} ms  "
              f"load {chosen['loadavg_1m_before']:.1f}  rounds {chosen['rounds_rps']}",
              file=sys.stderr)
    return row


def _measure(server: servers.Server, q: verify.Query, args, use_wrk: bool) -> dict:
    """Warm up, then one timed run, with the server's own CPU time and the machine's load."""
    opts = dict(connections=args.connections, wrk_threads=args.wrk_threads,
                method=args.method, use_wrk=use_wrk, timeout=args.timeout, nice=args.nice)
    if args.warmup > 0:
        loadgen.measure(server.endpoint, q, duration=args.warmup, **opts)
        time.sleep(args.pause)
    load_before, cpu_before = os.getloadavg()[0], server.cpu_seconds()
    result = loadgen.measure(server.endpoint, q, duration=args.duration, **opts)
    cpu_after = server.cpu_seconds()
    time.sleep(args.pause)
    figures = result.to_dict()
    figures["loadavg_1m_before"] = round(load_before, 2)
    if cpu_before is not None and cpu_after is not None and result.requests:
        used = cpu_after - cpu_before
        figures["cpu_ms_per_request"] = round(used * 1000 / result.requests, 3)
        figures["cpu_cores_busy"] = round(used / result.seconds, 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark; print the table; write JSON and Markdown into ``--out``."""
    args = _args(argv)
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and loadgen.wrk_available())
    if args.generator == "wrk" and not loadgen.wrk_available():
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    if not use_wrk and args.generator == "auto":
        print(loadgen.WRK_HINT, file=sys.stderr)
    only = args.only.split(",") if args.only else None
    queries = verify.load_queries(args.queries, only)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    logdir = args.out / f"logs-{stamp}"
    logdir.mkdir()
    rows, infos = [], {}
    load_start = os.getloadavg()
    try:
        for name, data in _datasets(args):
            dataset_rows, infos[name] = _bench_dataset(name, data, queries, args, use_wrk, logdir)
            rows += dataset_rows
    except servers.BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    command = f"cd {ROOT} && .venv/bin/python " + shlex.join(["bench/run.py", *sys.argv[1:]])
    generator = (f"wrk -t{args.wrk_threads} -c{args.connections}" if use_wrk
                 else f"python thread pool, {args.connections} threads")
    settings = {"duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds,
                "pause_s": args.pause, "nice": args.nice,
                "connections": args.connections, "method": args.method,
                "generator": generator, "lodpub_workers": args.workers,
                "lodpub_threads": args.threads, "lodpub_timeout_s": args.timeout,
                "lodpub_http_server": args.http_server, "lodpub_answer_cache": args.answer_cache,
                "oxigraph_timeout_s": args.oxigraph_timeout,
                "oxigraph_union_default_graph": args.union,
                "lodpub_over_the_oxigraph_server": args.remote}
    doc = {"command": command, "settings": settings, "datasets": infos, "results": rows,
           "machine": report.machine_notes(ROOT, servers.oxigraph_binary())}
    doc["machine"]["loadavg_start"] = " ".join(f"{v:.2f}" for v in load_start)
    doc["machine"]["loadavg_end"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    (args.out / f"results-{stamp}.json").write_text(json.dumps(doc, indent=2))
    table = report.ratio_table(rows) + "\n\n" + report.summary(rows, infos)
    (args.out / f"results-{stamp}.md").write_text(f"`{command}`\n\n{table}\n")
    print(f"\ncommand: {command}\nload generator: {generator}\n\n{table}\n")
    print(f"written: {args.out / f'results-{stamp}.json'}", file=sys.stderr)
    return 0 if all(r["same_answer"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
