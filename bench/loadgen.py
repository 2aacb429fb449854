"""Drive load at one endpoint for a fixed time: wrk (preferred) or a bounded Python thread pool.

Every request is the same SPARQL query, sent as POST application/x-www-form-urlencoded (or GET
with the query URL-encoded, ``method="get"``) with the Accept header of ``Query.accept``.
A run returns requests/s and latency percentiles; non-2xx answers and socket errors are counted
and make the figure invalid (the report says so instead of quoting it).
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from servers import niceness
from verify import Query

WRK_HINT = ("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu); "
            "using the Python thread-pool generator instead")

LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"p50_us\":%d,\"p90_us\":%d," ..
    "\"p99_us\":%d,\"mean_us\":%.1f,\"max_us\":%d,\"socket_errors\":%d,\"bad_status\":%d}\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Result:
    """Throughput and latency of one (server, query) measurement."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    errors: int  # socket errors + non-2xx answers
    generator: str

    def to_dict(self) -> dict:
        """A JSON-friendly copy."""
        return dict(self.__dict__)


def _request_parts(endpoint: str, query: Query, method: str) -> tuple[str, str, str, dict]:
    url = urllib.parse.urlsplit(endpoint)
    headers = {"Accept": query.accept}
    encoded = urllib.parse.urlencode({"query": query.text})
    if method == "get":
        return "GET", f"{url.path}?{encoded}", "", headers
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return "POST", url.path, encoded, headers


def wrk_available() -> bool:
    """Whether the wrk binary is on PATH."""
    return shutil.which("wrk") is not None


def _lua(endpoint: str, query: Query, method: str) -> str:
    verb, path, body, headers = _request_parts(endpoint, query, method)
    lines = [f'wrk.method = "{verb}"', f'wrk.path = "{path}"']
    if body:
        lines.append(f'wrk.body = "{body}"')  # URL-encoded: no quote or backslash inside
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    return "\n".join(lines) + "\n" + LUA_DONE


def run_wrk(endpoint: str, query: Query, duration: float, connections: int, threads: int,
            method: str, timeout: float, nice: int = 0) -> Result:
    """One wrk run; its Lua ``done`` hook prints the figures as JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_lua(endpoint, query, method))
        script = Path(fh.name)
    try:
        # wrk takes whole seconds only
        cmd = ["wrk", "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(duration))}s",
               "--timeout", f"{max(1, round(timeout))}s", "-s", str(script), endpoint]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 30,
                             start_new_session=bool(nice),
                             preexec_fn=niceness(nice))
    finally:
        script.unlink()
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures: {out.stdout[-1000:]} {out.stderr[-1000:]}")
    d = json.loads(line.removeprefix("BENCHJSON "))
    secs = d["duration_us"] / 1e6
    return Result(d["requests"], secs, d["requests"] / secs, d["p50_us"] / 1000,
                  d["p99_us"] / 1000, d["mean_us"] / 1000,
                  d["socket_errors"] + d["bad_status"], f"wrk -t{threads} -c{connections}")


def _percentile(sorted_ms: list[float], pct: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, int(round(pct / 100 * (len(sorted_ms) - 1))))]


def run_python(endpoint: str, query: Query, duration: float, connections: int, method: str,
               timeout: float) -> Result:
    """Fallback: ``connections`` threads, each on a keep-alive HTTP/1.1 connection, until time."""
    verb, path, body, headers = _request_parts(endpoint, query, method)
    url = urllib.parse.urlsplit(endpoint)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                conn.request(verb, path, body=body or None, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if not 200 <= resp.status < 300:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
            mine.append((time.perf_counter() - t0) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    secs = time.monotonic() - started
    latencies.sort()
    return Result(len(latencies), secs, len(latencies) / secs, _percentile(latencies, 50),
                  _percentile(latencies, 99), statistics.fmean(latencies) if latencies else 0.0,
                  errors[0], f"python threads={connections}")


def measure(endpoint: str, query: Query, *, duration: float, connections: int,
            wrk_threads: int, method: str, use_wrk: bool, timeout: float, nice: int = 0) -> Result:
    """Drive ``query`` at ``endpoint`` for ``duration`` seconds with the chosen generator.

    ``nice`` applies to wrk only (its own session); the Python generator runs in this process.
    """
    if use_wrk:
        return run_wrk(endpoint, query, duration, connections, wrk_threads, method, timeout,
                       nice)
    return run_python(endpoint, query, duration, connections, method, timeout)
