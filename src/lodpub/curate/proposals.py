"""``lodpub link``: propose Wikidata items for entities that are not linked; apply a review.

Two steps, and a person in between; nothing is ever accepted automatically.

``propose(settings, *, offline_file=None, api_url=None, out, record_file=None,
include_none=False) -> Proposal``
    For every entity whose status is ``unverified`` (and ``none`` too with ``include_none``:
    most of those are n-ary nodes and events only the text describes), search Wikidata
    (wbsearchentities) for its label and aliases, fetch the hits (wbgetentities: English
    label, description, aliases, P31), score them against the entity (name similarity, P31
    against the classes' Wikidata matches in ontology/, shared description words) and write a
    review file (YAML) to ``out``. Online by default (``api_url`` or
    ``settings.wikidata_api``); with ``offline_file`` every answer comes from a recorded
    response file. Online runs save their responses to ``record_file`` (default: ``out`` with
    suffix ``.responses.json``) so the same proposals can be replayed offline.

``apply(settings, review_file) -> Applied``
    Reads the review file in which the researcher set ``decision: accept`` or ``reject`` on
    each candidate and ``retrieved:`` (the date the responses were fetched), and records each
    accepted item in data/wikidata.yaml as ``status: linked`` with evidence: the API request
    that returned the item, the label it showed, the retrieval date and the reviewer.
    Other entries of data/wikidata.yaml are kept as written (comments included).

The CLI (cli.py) wires them as ``lodpub link [--offline FILE] [--api URL] [--out FILE]`` and
``lodpub link --apply FILE``; ``--include-none`` sets ``include_none``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz
from rdflib import Graph

from lodpub.curate.names import best_name_score, normalise
from lodpub.curate.review import candidate_entry, read_review, write_links
from lodpub.curate.wikidata_client import (
    HttpApi,
    Item,
    NotRecordedError,
    RecordedApi,
    RecordingApi,
    WikidataApi,
    get_items,
    search,
)
from lodpub.errors import LodpubError
from lodpub.namespaces import expand
from lodpub.pipeline.records import Entity, load_entities
from lodpub.pipeline.wikidata_graph import class_items
from lodpub.settings import Settings

MAX_CANDIDATES = 5
TYPE_BONUS = 10.0  # points added when the item's P31 matches one of the entity's classes
DESCRIPTION_BONUS = 5.0  # at most this many points for descriptions that share words
NO_SEARCH = "no recorded response for this search"
NO_ITEM = "no recorded response for this item"


class LinkError(LodpubError):
    """A link proposal or review file cannot be used; the message says where and how to fix."""


@dataclass(frozen=True)
class Proposal:
    """What ``propose`` wrote."""

    review_file: Path
    record_file: Path | None
    entities: int
    candidates: int
    unanswered: Mapping[str, Sequence[str]] = field(default_factory=dict)  # id -> what

    def __str__(self) -> str:
        saved = f"; API answers saved to {self.record_file}" if self.record_file else ""
        lines = [f"wrote {self.candidates} candidates for {_entities(self.entities)} to review "
                 f"to {self.review_file}{saved}."]
        if self.unanswered:
            lines.append(f"{_entities(len(self.unanswered))} had no recorded response for a "
                         "search or an item (listed under `unanswered:` in the review file; "
                         "run `lodpub link` online to record them):")
            lines += [f"  {entity}: {'; '.join(what)}"
                      for entity, what in sorted(self.unanswered.items())]
        lines.append("Mark each candidate accept or reject, "
                     f"then run: lodpub link --apply {self.review_file}")
        return "\n".join(lines)


def _entities(count: int) -> str:
    return f"{count} entit{'y' if count == 1 else 'ies'}"


@dataclass(frozen=True)
class Applied:
    """What ``apply`` recorded: entity id -> accepted QID, and entities left as they were."""

    linked: dict[str, str]
    unchanged: tuple[str, ...]
    links_file: Path

    def __str__(self) -> str:
        lines = [f"linked {entity} -> {qid}" for entity, qid in sorted(self.linked.items())]
        lines.append(f"{len(self.linked)} recorded in {self.links_file}; "
                     f"{len(self.unchanged)} entities left as they were")
        return "\n".join(lines)


def load_ontology(settings: Settings) -> Graph:
    """Every ontology/*.ttl file in one graph (for the classes' Wikidata matches)."""
    graph = Graph()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def score_item(entity: Entity, item: Item, type_items: Mapping[str, set[str]]) -> float:
    """Best name match of the item's label/aliases with the entity's names (0-100), plus up to
    10 points when its P31 is a class the ontology matches to the entity's classes and up to 5
    for a description that shares words with the entity's."""
    names = (item.label, *item.aliases)
    score = max(best_name_score(name, names)[0] for name in (entity.label, *entity.aliases))
    wanted = {qid for t in entity.types for qid in type_items.get(t, set())}
    if wanted & set(item.instance_of):
        score += TYPE_BONUS
    if entity.description and item.description:
        overlap = fuzz.token_set_ratio(normalise(entity.description), normalise(item.description))
        score += DESCRIPTION_BONUS * overlap / 100
    return round(score, 2)


def _search_terms(entity: Entity) -> list[str]:
    return list(dict.fromkeys([entity.label, *entity.aliases]))


def _candidates_for(entity: Entity, api: WikidataApi) -> tuple[list[str], list[dict]]:
    """QIDs to score for ``entity``, and the searches a recorded file holds no answer to
    (offline, a missing answer is this entity's outcome, not the end of the run)."""
    found: list[str] = []
    unanswered: list[dict] = []
    for text in _search_terms(entity):
        try:
            found.extend(search(api, text))
        except NotRecordedError:
            unanswered.append({"search": text, "outcome": NO_SEARCH})
    for known in entity.wikidata.get("candidates") or ():
        if known.get("qid"):
            found.append(str(known["qid"]))
    return list(dict.fromkeys(found)), unanswered


def _type_items(ontology: Graph, entities: Sequence[Entity]) -> dict[str, set[str]]:
    by_iri = class_items(ontology, close=True)
    result: dict[str, set[str]] = {}
    for entity in entities:
        for name in entity.types:
            result[name] = by_iri.get(expand(name), set())
    return result


def _entry(entity: Entity, scored: Sequence[tuple[float, Item]],
           unanswered: Sequence[dict]) -> dict[str, Any]:
    entry = {
        "id": entity.id,
        "label": entity.label,
        "aliases": list(entity.aliases),
        "types": list(entity.types),
        "description": entity.description or "",
        "status": entity.wikidata.get("status"),
        "candidates": [candidate_entry(item, score) for score, item in scored],
    }
    if unanswered:
        entry["unanswered"] = list(unanswered)
    return entry


def build_review(entities: Sequence[Entity], api: WikidataApi, ontology: Graph,
                 retrieved: str, statuses: Iterable[str] = ("unverified",)) -> dict[str, Any]:
    """The review document: per entity of ``statuses`` its scored candidates, all undecided,
    and (offline) the searches and items the recorded file holds no answer to."""
    wanted = set(statuses) - {"linked"}
    todo = [e for e in entities if e.wikidata.get("status") in wanted]
    per_entity = {e.id: _candidates_for(e, api) for e in todo}
    items = get_items(api, (q for qids, _ in per_entity.values() for q in qids))
    type_items = _type_items(ontology, todo)
    review_entities = []
    for entity in todo:
        qids, unanswered = per_entity[entity.id]
        if isinstance(api, RecordedApi):
            unanswered = [*unanswered, *({"item": q, "outcome": NO_ITEM}
                                         for q in qids if q not in items)]
        scored = sorted(
            ((score_item(entity, items[q], type_items), items[q]) for q in qids if q in items),
            key=lambda pair: (-pair[0], int(pair[1].qid[1:])),
        )[:MAX_CANDIDATES]
        review_entities.append(_entry(entity, scored, unanswered))
    return {"api": api.url, "retrieved": retrieved, "reviewer": "",
            "entities": review_entities}


def _unanswered(review: Mapping[str, Any]) -> dict[str, list[str]]:
    """Entity id -> what had no recorded response (``search 'x'``, ``item Q1``)."""
    return {e["id"]: [f"{k} {x[k]!r}" if k == "search" else f"{k} {x[k]}"
                      for x in e["unanswered"] for k in ("search", "item") if k in x]
            for e in review["entities"] if e.get("unanswered")}


def propose(settings: Settings, *, offline_file: Path | None = None, api_url: str | None = None,
            out: Path, record_file: Path | None = None, include_none: bool = False) -> Proposal:
    """Write a review file of Wikidata candidates for every unverified entity.

    With ``include_none`` the entities recorded as having no item are searched too (most are
    n-ary nodes and events only the text describes, hence not by default).
    """
    entities = load_entities(settings.data_dir)
    recorder: RecordingApi | None = None
    if offline_file is not None:
        api: WikidataApi = RecordedApi.load(Path(offline_file))
        retrieved = api.retrieved  # type: ignore[attr-defined]
    else:
        recorder = RecordingApi(HttpApi(api_url or settings.wikidata_api))
        api, retrieved = recorder, dt.date.today().isoformat()
    statuses = ("unverified", "none") if include_none else ("unverified",)
    review = build_review(entities, api, load_ontology(settings), retrieved, statuses)
    out = Path(out)
    out.write_text(_REVIEW_HEADER + yaml.safe_dump(review, sort_keys=False, allow_unicode=True,
                                                   width=100), encoding="utf-8")
    saved = None
    if recorder is not None:
        saved = Path(record_file) if record_file else out.with_suffix(".responses.json")
        recorder.save(saved, retrieved)
    total = sum(len(e["candidates"]) for e in review["entities"])
    return Proposal(out, saved, len(review["entities"]), total, _unanswered(review))


_REVIEW_HEADER = """\
# lodpub link review file. Nothing here is accepted until you say so.
# For each candidate set `decision: accept` (at most one per entity) or `decision: reject`;
# leave `undecided` to decide later. `unanswered:` lists the searches and items a recorded
# response file held no answer to (offline runs): record them online before deciding those.
# Check the item on Wikidata before accepting: a wrong link is worse than none. Fill in
# `reviewer:` and check `retrieved:` (the date the API answers were fetched), then run
# `lodpub link --apply <this file>`.
"""


def _accepted(review: Mapping[str, Any], known: Iterable[Entity], where: Path) -> dict[str, dict]:
    entities = {e.id: e for e in known}
    chosen: dict[str, dict] = {}
    for entry in review["entities"]:
        accepted = [c for c in entry["candidates"] if c["decision"] == "accept"]
        if len(accepted) > 1:
            raise LinkError(f"{where}: entity {entry['id']!r} has {len(accepted)} accepted "
                            "candidates; accept at most one")
        if not accepted:
            continue
        entity = entities.get(entry["id"])
        if entity is None:
            raise LinkError(f"{where}: {entry['id']!r} is not an entity in data/entities/")
        current = entity.wikidata
        if current.get("status") == "linked" and current.get("qid") != accepted[0]["qid"]:
            raise LinkError(
                f"{where}: {entry['id']!r} is already linked to {current.get('qid')}; "
                "change data/wikidata.yaml by hand if that link is wrong"
            )
        chosen[entry["id"]] = accepted[0]
    return chosen


def _linked_block(entity: Entity, candidate: Mapping[str, Any], review: Mapping[str, Any],
                  review_file: Path) -> dict[str, Any]:
    """The new wikidata block: linked, with this review's evidence after any already kept."""
    instance_of = ", ".join(candidate.get("instance_of") or []) or "nothing stated"
    note = (f"Accepted in review file {review_file.name} by {review['reviewer']}: "
            f"{candidate['label']!r}, {candidate.get('description') or 'no description'}; "
            f"instance of {instance_of}.")
    evidence = {"source": candidate["source"], "label": candidate["label"],
                "retrieved": review["retrieved"], "note": note}
    kept = []
    if entity.wikidata.get("status") == "linked":  # same item (a different one is refused)
        kept = [e for e in entity.wikidata.get("evidence") or []
                if e.get("source") != evidence["source"]]
    return {"status": "linked", "qid": candidate["qid"], "evidence": [*kept, evidence]}


def apply(settings: Settings, review_file: Path) -> Applied:
    """Record the accepted candidates of ``review_file`` in data/wikidata.yaml, with evidence.

    An entity already linked to the accepted item keeps its evidence and gains this one.
    """
    review_file = Path(review_file)
    review = read_review(review_file)
    entities = {e.id: e for e in load_entities(settings.data_dir)}
    chosen = _accepted(review, entities.values(), review_file)
    blocks = {entity_id: _linked_block(entities[entity_id], candidate, review, review_file)
              for entity_id, candidate in chosen.items()}
    links_file = settings.data_dir / "wikidata.yaml"
    if blocks:
        write_links(links_file, blocks)
    unchanged = tuple(e["id"] for e in review["entities"] if e["id"] not in chosen)
    return Applied({k: v["qid"] for k, v in blocks.items()}, unchanged, links_file)
