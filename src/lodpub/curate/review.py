"""The ``lodpub link`` review file and the writing of data/wikidata.yaml.

A review file is YAML::

    api: https://www.wikidata.org/w/api.php
    retrieved: '2026-11-26'        # date the API answers were fetched
    reviewer: ''                   # who decided (required once anything is accepted)
    entities:
    - id: kataib-hezbollah
      label: Kataib Hezbollah
      ...
      candidates:
      - qid: Q…
        label: …                   # the item's English label in the API answer
        description: …
        aliases: [...]
        instance_of: [Q…]
        score: 96.0
        source: https://…/api.php?action=wbgetentities&ids=Q…   # the request that answered
        decision: undecided        # accept | reject | undecided

data/wikidata.yaml maps entity ids to wikidata blocks. ``write_links`` replaces or appends
the blocks it is given and keeps every other line of the file as it was (comments too).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lodpub.curate.wikidata_client import Item
from lodpub.errors import LodpubError

DECISIONS = ("accept", "reject", "undecided")
_TOP_KEY = re.compile(r"^([A-Za-z0-9_-]+)\s*:")


class ReviewError(LodpubError):
    """A review file is malformed; the message names the file and the entry."""


def candidate_entry(item: Item, score: float) -> dict[str, Any]:
    """A candidate as written into a review file, undecided."""
    return {
        "qid": item.qid,
        "label": item.label,
        "description": item.description,
        "aliases": list(item.aliases),
        "instance_of": list(item.instance_of),
        "score": score,
        "source": item.request,
        "decision": "undecided",
    }


def _date(value: Any, path: Path) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ReviewError(
            f"{path}: retrieved must be the date the answers were fetched, YYYY-MM-DD; "
            f"got {value!r}"
        ) from None


def _check_candidate(candidate: Any, entity_id: str, path: Path) -> None:
    if not isinstance(candidate, dict) or not {"qid", "label", "source"} <= set(candidate):
        raise ReviewError(f"{path}: entity {entity_id!r}: each candidate needs qid, label, source")
    if candidate.get("decision") not in DECISIONS:
        raise ReviewError(
            f"{path}: entity {entity_id!r}, candidate {candidate['qid']}: decision must be one "
            f"of {', '.join(DECISIONS)}; got {candidate.get('decision')!r}"
        )


def read_review(path: Path) -> dict[str, Any]:
    """Parse and check a review file; ReviewError says which entry is wrong and how."""
    try:
        review = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReviewError(f"{path}: cannot read the review file ({exc})") from exc
    if not isinstance(review, dict) or not isinstance(review.get("entities"), list):
        raise ReviewError(f"{path}: not a lodpub link review file (no 'entities' list); "
                          "make one with `lodpub link`")
    accepted = 0
    for entry in review["entities"]:
        if not isinstance(entry, dict) or "id" not in entry:
            raise ReviewError(f"{path}: every entry under 'entities' needs an id")
        entry.setdefault("candidates", [])
        for candidate in entry["candidates"]:
            _check_candidate(candidate, entry["id"], path)
            accepted += candidate["decision"] == "accept"
    if accepted:
        review["retrieved"] = _date(review.get("retrieved"), path)
        if not str(review.get("reviewer") or "").strip():
            raise ReviewError(f"{path}: say who reviewed the candidates (reviewer: <name>)")
    return review


def _blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level keys of a YAML mapping -> (first line, end line) of their block."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    spans: dict[str, tuple[int, int]] = {}
    for index, (start, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1  # comments and blank lines before the next key belong to it
        spans[key] = (start, end)
    return spans


def write_links(path: Path, blocks: Mapping[str, Mapping[str, Any]]) -> None:
    """Set the wikidata blocks of ``blocks`` in data/wikidata.yaml, keeping everything else."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    spans = _blocks(lines)

    def dump(entity_id: str) -> list[str]:
        """The YAML lines of one entity's block."""
        text = yaml.safe_dump({entity_id: dict(blocks[entity_id])}, sort_keys=False,
                              allow_unicode=True, width=100)
        return text.splitlines(keepends=True)

    for entity_id in sorted((k for k in blocks if k in spans), key=lambda k: -spans[k][0]):
        start, end = spans[entity_id]
        lines[start:end] = dump(entity_id)
    for entity_id in (k for k in blocks if k not in spans):
        lines.extend(dump(entity_id))
    path.write_text("".join(lines), encoding="utf-8")
    check = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(check, dict) or any(k not in check for k in blocks):
        raise ReviewError(f"{path}: writing the links left a file that is not a mapping of "
                          "entity ids; restore it from git and report this")
