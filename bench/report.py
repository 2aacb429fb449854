"""Turn measurements into the ratio table (Markdown) and the machine notes."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

TARGETS = {"heavy": 1.0, "tiny": 0.5}


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN check


def _cpu(figures: dict) -> str:
    value = figures.get("cpu_ms_per_request")
    return "n/a" if value is None else f"{value:.2f}"


def ratio_table(rows: list[dict]) -> str:
    """Markdown table: per dataset and query, both servers' figures and lodpub/Oxigraph ratios.

    Throughput ratio > 1 means lodpub serves more requests per second; latency ratios > 1 mean
    lodpub is slower. CPU ms/req is the servers' own CPU time (all their processes) per answered
    request: less sensitive than req/s to other load on the machine. A measurement with errors is
    shown as INVALID, never as a figure.
    """
    head = ("| dataset | query | kind | result | lodpub req/s | Oxigraph req/s | **ratio req/s** "
            "| target | lodpub p50 / p99 ms | Oxigraph p50 / p99 ms | p50 ratio | p99 ratio "
            "| CPU ms/req lodpub / Oxigraph |")
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        lp, ox = r["lodpub"], r["oxigraph"]
        if lp is None or ox is None or lp["errors"] or ox["errors"]:
            why = r.get("note") or "errors during the run"
            lines.append(f"| {r['dataset']} | {r['query']} | {r['kind']} | {r['size']} "
                         f"| INVALID: {why} ||||||||| ")
            continue
        ratio = lp["rps"] / ox["rps"] if ox["rps"] else float("nan")
        target = TARGETS[r["kind"]]
        mark = "meets" if ratio >= target else "MISSES"
        lines.append(
            f"| {r['dataset']} | {r['query']} | {r['kind']} | {r['size']} "
            f"| {_fmt(lp['rps'])} | {_fmt(ox['rps'])} | **{ratio:.2f}×** | ≥{target:.1f}× {mark} "
            f"| {_fmt(lp['p50_ms'], 2)} / {_fmt(lp['p99_ms'], 2)} "
            f"| {_fmt(ox['p50_ms'], 2)} / {_fmt(ox['p99_ms'], 2)} "
            f"| {lp['p50_ms'] / ox['p50_ms']:.2f}× | {lp['p99_ms'] / ox['p99_ms']:.2f}× "
            f"| {_cpu(lp)} / {_cpu(ox)} |")
    return "\n".join(lines)


def _run(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (out.stdout or out.stderr).strip()


def machine_notes(root: Path, oxigraph_bin: str) -> dict[str, str]:
    """CPU, cores, memory, OS, Python and engine versions, lodpub's commit."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next((int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                   if ln.startswith("MemTotal:")), 0)
    import pyoxigraph  # the engine embedded in lodpub

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory_gib": f"{mem_kb / 1024 / 1024:.1f}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "oxigraph_server": _run([oxigraph_bin, "--version"]),
        "wrk": (_run(["wrk", "-v"]).splitlines() or ["absent"])[0],
        "lodpub_commit": _run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"]),
    }
