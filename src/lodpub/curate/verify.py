"""``lodpub link --verify``: re-check every linked Wikidata item against Wikidata's API.

For each entity whose link is ``linked``, the item is fetched (wbgetentities, English label,
aliases, P31) and checked: it still exists (not deleted), it is not a redirect to another item,
its label or an alias is one of the entity's names (or a label the evidence recorded), and its
"instance of" (P31) is one of the Wikidata classes the ontology aligns to the entity's classes
or their superclasses (not checked when none is aligned). The outcome and the date are recorded
in the entity's block of data/wikidata.yaml as ``verified:``; the build publishes the date of a
consistent check (``lpo:verifiedOn``) and any problem (``lpo:verificationProblem``), which a
SHACL warning then reports. Nothing is relinked automatically: a person fixes a problem.

Online it asks ``settings.wikidata_api`` (or ``api_url``, e.g. a stand-in on 127.0.0.1) and the
date is today's; offline (``offline_file``) it answers from a recorded response file, dated by
the file's ``retrieved``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from lodpub.curate.names import best_name_score
from lodpub.curate.review import write_links
from lodpub.curate.wikidata_client import (
    GET_BATCH,
    HttpApi,
    RecordedApi,
    WikidataApi,
    get_params,
    parse_item,
    request_url,
)
from lodpub.namespaces import RDFS, expand
from lodpub.pipeline.records import Entity, load_entities
from lodpub.pipeline.wikidata_graph import class_items
from lodpub.settings import Settings

NAME_SCORE = 90.0  # a label this close to one of the entity's names is the same name
OK = "ok"


@dataclass(frozen=True)
class Check:
    """The outcome of re-checking one entity's linked item."""

    entity: str
    qid: str
    outcome: str  # "ok", or what is wrong
    label: str = ""
    instance_of: tuple[str, ...] = ()
    request: str = ""

    @property
    def ok(self) -> bool:
        """Whether the item is as the link says."""
        return self.outcome == OK

    def block(self, date: str) -> dict[str, Any]:
        """What data/wikidata.yaml records under ``verified:``."""
        entry: dict[str, Any] = {"date": date, "outcome": self.outcome}
        if self.label:
            entry["label"] = self.label
        if self.instance_of:
            entry["instance_of"] = list(self.instance_of)
        if self.request:
            entry["source"] = self.request
        return entry


@dataclass
class Verification:
    """Every check of one ``lodpub link --verify`` run."""

    date: str
    checks: list[Check] = field(default_factory=list)
    links_file: Path | None = None

    @property
    def problems(self) -> list[Check]:
        """The checks that found something wrong."""
        return [c for c in self.checks if not c.ok]

    def __str__(self) -> str:
        lines = [f"{c.entity} -> {c.qid}: {c.outcome}" for c in self.checks]
        lines.append(f"{len(self.checks)} linked items re-checked on {self.date}: "
                     f"{len(self.checks) - len(self.problems)} as recorded, "
                     f"{len(self.problems)} with a problem (a person decides what to change); "
                     f"dates and outcomes recorded in {self.links_file}")
        return "\n".join(lines)


def _superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return {c for c in ontology.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}


def expected_classes(entity: Entity, ontology: Graph) -> set[str]:
    """QIDs of the Wikidata classes aligned to the entity's classes and their superclasses."""
    items = class_items(ontology, close=True)
    return {qid for name in entity.types for cls in _superclasses(ontology, expand(name))
            for qid in items.get(cls, set())}


def _names(entity: Entity) -> list[str]:
    seen = [e.get("label", "") for e in entity.wikidata.get("evidence") or ()]
    return [n for n in (entity.label, *entity.aliases, *seen) if n]


def check_item(entity: Entity, answer: Mapping[str, Any], request: str,
               ontology: Graph) -> Check:
    """The outcome for ``entity`` from the wbgetentities ``answer`` that holds its item."""
    qid = str(entity.wikidata["qid"])
    entities = answer.get("entities", {})
    data = entities.get(qid)
    target = next((k for k, v in entities.items()
                   if isinstance(v, Mapping) and v.get("redirects", {}).get("from") == qid), None)
    if target and target != qid:
        return Check(entity.id, qid, f"redirected to {target}: link the target item instead",
                     request=request)
    if not isinstance(data, Mapping) or "missing" in data:
        return Check(entity.id, qid, "deleted: Wikidata has no such item", request=request)
    item = parse_item(qid, data, request)
    score, _ = max((best_name_score(name, [item.label, *item.aliases]) for name in _names(entity)),
                   default=(0.0, ""))
    if score < NAME_SCORE:
        outcome = f"label differs: the item is labelled {item.label!r}"
    else:
        wanted = expected_classes(entity, ontology)
        outcome = OK
        if wanted and not wanted & set(item.instance_of):
            shown = ", ".join(item.instance_of) or "nothing"
            outcome = (f"class differs: instance of {shown}, none of {', '.join(sorted(wanted))} "
                       f"(the Wikidata classes of {', '.join(entity.types)})")
    return Check(entity.id, qid, outcome, item.label, item.instance_of, request)


def _answers(api: WikidataApi, qids: Sequence[str]) -> Iterable[tuple[str, Mapping]]:
    wanted = sorted(set(qids), key=lambda q: int(q[1:]))
    for start in range(0, len(wanted), GET_BATCH):
        params = get_params(wanted[start:start + GET_BATCH])
        yield request_url(api.url, params), api.get(params)


def run_checks(entities: Sequence[Entity], api: WikidataApi, ontology: Graph) -> list[Check]:
    """Check every linked entity's item (one wbgetentities request per 50 items)."""
    linked = [e for e in entities if e.wikidata.get("status") == "linked"]
    if not linked:
        return []
    answers = list(_answers(api, [str(e.wikidata["qid"]) for e in linked]))
    checks = []
    for entity in linked:
        qid = str(entity.wikidata["qid"])
        request, answer = next(((r, a) for r, a in answers if qid in a.get("entities", {})
                                or any(v.get("redirects", {}).get("from") == qid
                                       for v in a.get("entities", {}).values())), answers[-1])
        checks.append(check_item(entity, answer, request, ontology))
    return checks


def verify(settings: Settings, *, offline_file: Path | None = None,
           api_url: str | None = None) -> Verification:
    """Re-check every linked item and record date and outcome in data/wikidata.yaml."""
    from lodpub.curate.proposals import load_ontology

    if offline_file is not None:
        api: WikidataApi = RecordedApi.load(Path(offline_file))
        date = api.retrieved or dt.date.today().isoformat()  # type: ignore[attr-defined]
    else:
        api, date = HttpApi(api_url or settings.wikidata_api), dt.date.today().isoformat()
    entities = load_entities(settings.data_dir)
    checks = run_checks(entities, api, load_ontology(settings))
    blocks = {e.id: {**e.wikidata} for e in entities if e.wikidata.get("status") == "linked"}
    for check in checks:
        blocks[check.entity]["verified"] = check.block(date)
    links_file = settings.data_dir / "wikidata.yaml"
    if blocks:
        write_links(links_file, blocks)
    return Verification(date, checks, links_file)
