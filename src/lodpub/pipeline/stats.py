"""`lodpub stats`: counts per graph and class, sentence coverage, Wikidata link coverage."""

from __future__ import annotations

from collections import Counter
from typing import Any

from lodpub.namespaces import GRAPH_FACTS, RDF
from lodpub.pipeline.build import load_inputs
from lodpub.pipeline.records import load_records
from lodpub.release import Release
from lodpub.settings import Settings


def _short(iri: str) -> str:
    from lodpub.namespaces import PREFIXES

    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def collect(settings: Settings) -> dict[str, Any]:
    """Every figure `lodpub stats` reports, as plain data."""
    inputs = load_inputs(settings)
    facts = inputs.compiled.graphs[GRAPH_FACTS]
    classes = Counter(_short(str(o)) for o in facts.objects(None, RDF.type))
    kinds = Counter(r.kind for r in load_records(settings.data_dir))
    sentences: dict[str, Any] = {}
    for source, status in inputs.coverage.items():
        counts = Counter(status.values())
        total = len(status)
        sentences[source] = {
            "sentences": total,
            "encoded": counts["encoded"],
            "not_encoded": counts["not-encoded"],
            "missing": counts["missing"],
            "accounted_for_percent": round(100 * (total - counts["missing"]) / total, 1),
            "missing_sentences": sorted(n for n, s in status.items() if s == "missing"),
        }
    links = Counter(e.wikidata["status"] for e in inputs.entities)
    figures: dict[str, Any] = {
        "records": {"total": sum(kinds.values()), **dict(sorted(kinds.items()))},
        "entities": len(inputs.entities),
        "classes": dict(sorted(classes.items())),
        "coverage": sentences,
        "wikidata": {
            "linked": links["linked"], "unverified": links["unverified"],
            "no_item": links["none"],
            "linked_percent_of_candidates": round(
                100 * links["linked"] / max(1, links["linked"] + links["unverified"]), 1),
        },
    }
    if Release.exists(settings):
        release = Release.latest(settings)
        figures["release"] = {"version": release.version, "graphs": release.manifest["graphs"]}
    return figures


def render(figures: dict[str, Any]) -> str:
    """The figures as a few readable blocks of text."""
    lines = []
    if "release" in figures:
        lines.append(f"Release {figures['release']['version']}")
        lines.append("  triples per named graph:")
        for graph, count in figures["release"]["graphs"].items():
            lines.append(f"    {count:>7}  {graph}")
    else:
        lines.append("No release yet (run `lodpub build`); figures below are from data/.")
    records = figures["records"]
    lines.append(f"Records: {records['total']} "
                 + ", ".join(f"{k} {v}" for k, v in records.items() if k != "total"))
    lines.append(f"Entities: {figures['entities']}")
    lines.append("Instances per class (graph:facts):")
    lines += [f"  {count:>5}  {name}" for name, count in figures["classes"].items()]
    for source, cov in figures["coverage"].items():
        lines.append(
            f"Coverage of {source}: {cov['accounted_for_percent']}% of {cov['sentences']} "
            f"sentences accounted for ({cov['encoded']} encoded, {cov['not_encoded']} not "
            f"encoded with a reason, {cov['missing']} missing)")
        if cov["missing_sentences"]:
            lines.append(f"  missing: sentences {cov['missing_sentences']}")
    wd = figures["wikidata"]
    lines.append(
        f"Wikidata links: {wd['linked']} linked and {wd['unverified']} unverified "
        f"({wd['linked_percent_of_candidates']}% of the entities that may have an item are "
        f"linked); {wd['no_item']} entities (events, n-ary nodes) recorded as having no item")
    return "\n".join(lines)
