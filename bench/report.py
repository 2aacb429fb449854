"""Turn measurements into the ratio tables (Markdown) and the machine notes."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from pathlib import Path

# The targets of issue 11, as ratios to the Oxigraph server (and to the 40-line baseline).
TINY_VS_OXIGRAPH = 0.25  # point lookup, CONSTRUCT of one entity: also >= the baseline
HEAVY_GEOMEAN = ("label-search", "two-hop-join", "bulk-select")  # geomean >= 1.5x Oxigraph
HEAVY_GEOMEAN_TARGET = 1.5
SINGLE_TARGETS = {"aggregate-class": 1.0}  # each >= this ratio on its own


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN check


def _cpu(figures: dict | None) -> str:
    value = (figures or {}).get("cpu_ms_per_request")
    return "n/a" if value is None else f"{value:.2f}"


def _valid(figures: dict | None) -> bool:
    return figures is not None and not figures["errors"] and figures["rps"] > 0


def _ratio(a: dict | None, b: dict | None) -> float:
    return a["rps"] / b["rps"] if _valid(a) and _valid(b) else float("nan")


def _target(row: dict) -> str:
    """What the row's lodpub figure must reach, and whether it does ('' when none applies)."""
    lp, ox, base = row["lodpub"], row["oxigraph"], row.get("baseline")
    if row["kind"] == "tiny":
        vs_ox, vs_base = _ratio(lp, ox), _ratio(lp, base)
        met = vs_ox >= TINY_VS_OXIGRAPH and (vs_base != vs_base or vs_base >= 1.0)
        return f"≥{TINY_VS_OXIGRAPH}× Ox and ≥1× baseline: {'meets' if met else 'MISSES'}"
    if row["query"] in SINGLE_TARGETS:
        goal = SINGLE_TARGETS[row["query"]]
        return f"≥{goal:.1f}×: {'meets' if _ratio(lp, ox) >= goal else 'MISSES'}"
    if row["query"] in HEAVY_GEOMEAN:
        return "in the heavy geomean"
    return ""


def ratio_table(rows: list[dict]) -> str:
    """Markdown table: per dataset and query, each server's figures and the ratios to Oxigraph.

    Throughput ratio > 1 means that server answers more requests per second than Oxigraph;
    latency ratios > 1 mean lodpub is slower. CPU ms/req is the servers' own CPU time (all their
    processes) per answered request: less sensitive than req/s to other load on the machine. A
    measurement with errors is shown as INVALID, never as a figure.
    """
    head = ("| dataset | query | kind | result | lodpub req/s | Oxigraph req/s | baseline req/s "
            "| **lodpub / Ox** | baseline / Ox | lodpub / baseline | target "
            "| lodpub p50 / p99 ms | Oxigraph p50 / p99 ms | CPU ms/req lodpub / Ox / baseline |")
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        lp, ox, base = r["lodpub"], r["oxigraph"], r.get("baseline")
        if not _valid(lp) or not _valid(ox):
            why = r.get("note") or "errors during the run"
            lines.append(f"| {r['dataset']} | {r['query']} | {r['kind']} | {r['size']} "
                         f"| INVALID: {why} |||||||||| ")
            continue
        base_rps = _fmt(base["rps"]) if _valid(base) else ("INVALID" if base else "n/a")
        lines.append(
            f"| {r['dataset']} | {r['query']} | {r['kind']} | {r['size']} "
            f"| {_fmt(lp['rps'])} | {_fmt(ox['rps'])} | {base_rps} "
            f"| **{_ratio(lp, ox):.2f}×** | {_ratio(base, ox):.2f}× | {_ratio(lp, base):.2f}× "
            f"| {_target(r)} "
            f"| {_fmt(lp['p50_ms'], 2)} / {_fmt(lp['p99_ms'], 2)} "
            f"| {_fmt(ox['p50_ms'], 2)} / {_fmt(ox['p99_ms'], 2)} "
            f"| {_cpu(lp)} / {_cpu(ox)} / {_cpu(base)} |")
    return "\n".join(lines)


def _geomean(values: list[float]) -> float:
    good = [v for v in values if v == v and v > 0]
    if len(good) != len(values) or not good:
        return float("nan")
    return math.exp(sum(math.log(v) for v in good) / len(good))


def summary(rows: list[dict], infos: dict[str, dict]) -> str:
    """Per dataset: the heavy geomean, the geomean of all queries, and the peak memory.

    Memory is compared as PSS (shared pages counted once across a server's processes: lodpub's
    workers share the data they inherit through fork); Oxigraph's store on disk is added to its
    process, as the issue's target has it.
    """
    lines = ["| dataset | heavy geomean lodpub / Ox (target ≥1.5×) | all queries geomean "
             "lodpub / Ox | baseline / Ox | peak PSS MB lodpub / Ox (+ store on disk) / baseline "
             "| lodpub peak ÷ Ox (process + store) (target ≤3×) | peak RSS MB lodpub / Ox / "
             "baseline |",
             "|---|---|---|---|---|---|---|"]
    for name in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == name]
        heavy = _geomean([_ratio(r["lodpub"], r["oxigraph"]) for r in mine
                          if r["query"] in HEAVY_GEOMEAN])
        every = _geomean([_ratio(r["lodpub"], r["oxigraph"]) for r in mine])
        base = _geomean([_ratio(r.get("baseline"), r["oxigraph"]) for r in mine])
        info = infos.get(name, {})
        lp_mb, ox_mb = info.get("lodpub_peak_pss_mb"), info.get("oxigraph_peak_pss_mb")
        store_mb, base_mb = info.get("oxigraph_store_mb"), info.get("baseline_peak_pss_mb")
        rss = " / ".join(str(info.get(f"{s}_peak_rss_mb")) for s in ("lodpub", "oxigraph",
                                                                       "baseline"))
        mem_ratio = (f"{lp_mb / (ox_mb + store_mb):.2f}×" if lp_mb and ox_mb and store_mb
                     else "n/a")
        lines.append(f"| {name} | {heavy:.2f}× | {every:.2f}× | {base:.2f}× "
                     f"| {lp_mb} / {ox_mb} (+{store_mb}) / {base_mb} | {mem_ratio} | {rss} |")
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
