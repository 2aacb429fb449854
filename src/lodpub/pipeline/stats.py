"""`lodpub stats`: counts per graph and class, each document's coverage, Wikidata link coverage.

Per document: its sentences encoded, skipped with a reason and still to do, and its records by
kind (``document_lines`` is shared with `lodpub validate`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lodpub.namespaces import GRAPH_FACTS, RDF
from lodpub.pipeline.build import Inputs, load_inputs
from lodpub.release import Release
from lodpub.settings import Settings


def _short(iri: str) -> str:
    from lodpub.namespaces import PREFIXES

    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def document_figures(inputs: Inputs) -> dict[str, Any]:
    """Per document: title, whether complete, records by kind, and its sentences encoded,
    skipped with a reason and still to do (``missing``)."""
    kinds: dict[str, Counter] = {source: Counter() for source in inputs.sources}
    for record in inputs.records:
        kinds[record.source][record.kind] += 1
    figures: dict[str, Any] = {}
    for source_id, status in inputs.coverage.items():
        counts = Counter(status.values())
        total = len(status)
        source = inputs.sources[source_id]
        todo = sorted(n for n, s in status.items() if s == "missing")
        figures[source_id] = {
            "title": source.meta.get("title", source_id),
            "complete": source.complete,
            "sentences": total,
            "encoded": counts["encoded"],
            "not_encoded": counts["not-encoded"],
            "missing": counts["missing"],
            "accounted_for_percent": round(100 * (total - counts["missing"]) / total, 1),
            "missing_sentences": todo,
            "still_to_do": [f"s{n}" for n in todo],
            "records": dict(sorted(kinds[source_id].items())),
        }
    return figures


def document_lines(documents: dict[str, Any]) -> list[str]:
    """Each document's coverage in words (for `lodpub stats` and `lodpub validate`)."""
    lines = []
    for source_id, doc in documents.items():
        excerpt = "" if doc["complete"] else ", an excerpt"
        records = ", ".join(f"{k} {v}" for k, v in doc["records"].items()) or "none yet"
        lines.append(
            f"Coverage of {source_id}{excerpt}: {doc['accounted_for_percent']}% of "
            f"{doc['sentences']} sentences accounted for ({doc['encoded']} encoded, "
            f"{doc['not_encoded']} skipped with a reason, {doc['missing']} still to do); "
            f"records: {records}")
        if doc["still_to_do"]:
            lines.append(f"  still to do: {', '.join(doc['still_to_do'])} (see its "
                         "suggestions.yaml; write records, or list them in not-encoded.yaml)")
    return lines


def collect(settings: Settings) -> dict[str, Any]:
    """Every figure `lodpub stats` reports, as plain data."""
    inputs = load_inputs(settings)
    facts = inputs.compiled.graphs[GRAPH_FACTS]
    classes = Counter(_short(str(o)) for o in facts.objects(None, RDF.type))
    kinds = Counter(r.kind for r in inputs.records)
    links = Counter(e.wikidata["status"] for e in inputs.entities)
    figures: dict[str, Any] = {
        "records": {"total": sum(kinds.values()), **dict(sorted(kinds.items()))},
        "entities": len(inputs.entities),
        "classes": dict(sorted(classes.items())),
        "coverage": document_figures(inputs),
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
    lines += document_lines(figures["coverage"])
    wd = figures["wikidata"]
    lines.append(
        f"Wikidata links: {wd['linked']} linked and {wd['unverified']} unverified "
        f"({wd['linked_percent_of_candidates']}% of the entities that may have an item are "
        f"linked); {wd['no_item']} entities (events, n-ary nodes) recorded as having no item")
    return "\n".join(lines)
