"""Entity pages and a mixed load of 64 clients against `lodpub serve` (a benchmark, not a test).

For a release (``lodpub serve`` on the latest release of this checkout, the default) or data
files (``--data FILE``: ``lodpub serve --data``), with the answer cache on and then off:

1. **Entity pages**: the documents of up to ``--entities`` distinct entities (``/id/<name>.html``
   and ``/id/<name>.ttl``, the URLs ``/id/<name>`` redirects to), taken in turn by wrk for
   ``--duration`` seconds each, HTML then Turtle, ``--connections`` connections. With the
   cache on, every page after its first request is a cache hit (a run cycles through the pages
   many times); with it off, every request builds its page.
2. **Mixed load** (a release only: it needs the dumps): ``--clients`` connections (64) for
   ``--mixed-duration`` seconds (60) over entity pages as HTML and Turtle, point queries on
   those entities (GET /sparql), an aggregate (things per class) and Range requests for 64 KiB
   of the Turtle and TriG dumps; p50 and p99 latency and the count of answers by status class.

Statuses are counted by wrk's ``response`` hook: a run with any 5xx or socket error is reported
as such. The entity list comes from the server's own /sparql.

    .venv/bin/python bench/pages.py                                   # the latest release
    .venv/bin/python bench/pages.py --data bench/out/synthetic-1000000-s42.nq --no-mixed
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import servers

ROOT = servers.ROOT
ID_BASE = "https://w3id.org/lodpub/id/"
ENTITIES = f"""SELECT DISTINCT ?s WHERE {{
  GRAPH ?g {{ ?s a ?type }}
  FILTER(STRSTARTS(STR(?s), "{ID_BASE}") && !CONTAINS(STR(?s), "#"))
}} ORDER BY ?s LIMIT %d"""
AGGREGATE = "SELECT ?class (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } } GROUP BY ?class"
POINT = "SELECT ?g ?p ?o WHERE { GRAPH ?g { <%s> ?p ?o } }"

# One request per line of the list (method, path, headers): wrk takes them in turn.
LUA = r"""
local requests, n, i = {}, 0, 0
local counts = {}
function init(args)
  for line in io.lines(args[1]) do
    local method, path, hdrs = line:match("^(%S+)\t(%S+)\t?(.*)$")
    local headers = {}
    for k, v in hdrs:gmatch("([^\t:]+): ([^\t]+)") do headers[k] = v end
    n = n + 1
    requests[n] = wrk.format(method, path, headers)
  end
  i = math.random(n)
  c2, c3, c4, c5 = 0, 0, 0, 0
end
function request()
  i = i % n + 1
  return requests[i]
end
function response(status, headers, body)
  if status < 300 then c2 = c2 + 1 elseif status < 400 then c3 = c3 + 1
  elseif status < 500 then c4 = c4 + 1 else c5 = c5 + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local s2, s3, s4, s5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s2 = s2 + t:get("c2"); s3 = s3 + t:get("c3"); s4 = s4 + t:get("c4"); s5 = s5 + t:get("c5")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d," ..
    "\"socket_errors\":%d,\"s2xx\":%d,\"s3xx\":%d,\"s4xx\":%d,\"s5xx\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, s2, s3, s4, s5))
end
"""


def _get(url: str, accept: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.read()


def entity_paths(site: str, limit: int) -> list[str]:
    """Local paths (``/id/<name>``) of up to ``limit`` typed entities, from the server."""
    query = urllib.parse.urlencode({"query": ENTITIES % limit})
    rows = json.loads(_get(f"{site}/sparql?{query}", "application/sparql-results+json"))
    iris = [b["s"]["value"] for b in rows["results"]["bindings"]]
    return ["/id/" + urllib.parse.quote(iri.removeprefix(ID_BASE)) for iri in iris]


def wrk(site: str, lines: list[str], connections: int, seconds: int) -> dict:
    """Run wrk over the request list; its figures (req/s, p50, p99, statuses)."""
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp, "cycle.lua"), Path(tmp, "requests.tsv")
        script.write_text(LUA)
        listing.write_text("\n".join(lines) + "\n")
        cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
               "-s", str(script), site, "--", str(listing)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 90)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise servers.BenchError(f"wrk gave no figures: {out.stdout[-800:]} {out.stderr[-800:]}")
    d = json.loads(line.removeprefix("BENCHJSON "))
    secs = d["duration_us"] / 1e6
    return {"rps": round(d["requests"] / secs, 1), "p50_ms": round(d["p50_us"] / 1000, 2),
            "p99_ms": round(d["p99_us"] / 1000, 2), "requests": d["requests"],
            "2xx": d["s2xx"], "3xx": d["s3xx"], "4xx": d["s4xx"], "5xx": d["s5xx"],
            "socket_errors": d["socket_errors"]}


def mixed_lines(paths: list[str], dumps: list[str]) -> list[str]:
    """The mixed load's requests: pages, point queries, an aggregate, Range requests."""
    lines = []
    for k, path in enumerate(paths):
        lines.append(f"GET\t{path}.html\tAccept: text/html")
        lines.append(f"GET\t{path}.ttl\tAccept: text/turtle")
        iri = ID_BASE + urllib.parse.unquote(path.removeprefix("/id/"))
        point = urllib.parse.urlencode({"query": POINT % iri})
        lines.append(f"GET\t/sparql?{point}\tAccept: application/sparql-results+json")
        if k % 10 == 0:
            agg = urllib.parse.urlencode({"query": AGGREGATE})
            lines.append(f"GET\t/sparql?{agg}\tAccept: application/sparql-results+json")
        if dumps and k % 5 == 0:
            dump = dumps[(k // 5) % len(dumps)]
            start = (k * 4096) % 65536
            lines.append(f"GET\t/downloads/{dump}\tRange: bytes={start}-{start + 65535}")
    return lines


def start(data: Path | None, cache: bool, logdir: Path, timeout: float) -> servers.Server:
    """``lodpub serve`` (a release) or ``serve --data``, with the answer cache on or off."""
    port = servers.free_port()
    cmd = [str(servers.VENV_BIN / "lodpub"), "serve", "--port", str(port)]
    if data is not None:
        cmd += ["--data", str(data)]
    env = dict(os.environ)
    if not cache:
        env["LODPUB_RESULT_CACHE_BYTES"] = "0"
    server = servers._spawn("lodpub-pages", cmd, f"http://127.0.0.1:{port}/sparql", env,
                            logdir, 0)
    servers._wait_ready(server, timeout)
    servers.wait_settled(server, timeout)  # larger data: measured once it is in memory
    return server


def main(argv: list[str] | None = None) -> int:
    """Measure; print a Markdown table; write JSON into ``--out``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, help="serve this RDF file instead of the release")
    p.add_argument("--entities", type=int, default=200)
    p.add_argument("--duration", type=int, default=10, help="seconds per page measurement")
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--mixed", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--mixed-duration", type=int, default=60)
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = p.parse_args(argv)
    data = args.data.resolve() if args.data else None
    # The dataset's Turtle and TriG dumps: each is larger than every Range asked of it (the
    # smaller files, such as void.ttl, would answer a Range past their end with 416).
    dumps = [] if data else sorted(f.name for f in (ROOT / "dist" / "current").glob("lodpub.*")
                                    if f.suffix in (".ttl", ".trig"))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    logdir = args.out / f"logs-pages-{stamp}"
    logdir.mkdir(parents=True)
    rows = []
    for cache in (True, False):
        server = start(data, cache, logdir, args.timeout)
        site = server.endpoint.removesuffix("/sparql")
        try:
            paths = entity_paths(site, args.entities)
            for kind, ext, accept in (("HTML", "html", "text/html"),
                                      ("Turtle", "ttl", "text/turtle")):
                lines = [f"GET\t{path}.{ext}\tAccept: {accept}" for path in paths]
                figures = wrk(site, lines, args.connections, args.duration)
                rows.append({"what": f"entity pages, {kind}", "cache": cache,
                             "pages": len(paths), "clients": args.connections, **figures})
                print(f"   {rows[-1]}", file=sys.stderr)
            if args.mixed and dumps:
                figures = wrk(site, mixed_lines(paths, dumps), args.clients,
                              args.mixed_duration)
                rows.append({"what": "mixed load", "cache": cache, "pages": len(paths),
                             "clients": args.clients, **figures})
                print(f"   {rows[-1]}", file=sys.stderr)
            rows[-1]["rss_mb_after"] = server.rss_mb()
        finally:
            server.stop()
    lines = ["| what | answer cache | distinct pages | clients | req/s | p50 ms | p99 ms "
             "| 2xx / 3xx / 4xx / 5xx | socket errors |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['what']} | {'on' if r['cache'] else 'off'} | {r['pages']} "
                     f"| {r['clients']} | {r['rps']:,.1f} | {r['p50_ms']} | {r['p99_ms']} "
                     f"| {r['2xx']} / {r['3xx']} / {r['4xx']} / {r['5xx']} "
                     f"| {r['socket_errors']} |")
    table = "\n".join(lines)
    what = str(data) if data else "the latest release"
    (args.out / f"pages-{stamp}.json").write_text(json.dumps({"served": what, "rows": rows},
                                                              indent=2))
    print(f"\ncommand: .venv/bin/python bench/pages.py {' '.join(sys.argv[1:])}\n"
          f"served: {what}\n\n{table}")
    bad = any(r["5xx"] or r["socket_errors"] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
