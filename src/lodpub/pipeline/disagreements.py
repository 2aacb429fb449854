"""Where sources differ: data/disagreements.yaml, and the lpo:Disagreement nodes it becomes.

A disagreement names the claims that give different accounts of one thing, and, per claim,
the predicates on which they differ::

    - id: when-the-coalition-mission-in-iraq-ends     # becomes claim:<id>
      label: When is the coalition's military mission in Iraq to end?
      about: [cjtf-oir]                              # entities it concerns (optional)
      note: the curators' explanation (optional)
      positions:
        - claim: phased-withdrawal-anbar-baghdad-2025   # a record id, any document
          disputes: [latestDate]                        # its statements on these predicates
        - claim: usiq24-first-conclude-mission-in-iraq
          disputes: [latestDate]

Every position stays a claim attributed to its source. A disputed statement (a position's
statement whose predicate is listed under ``disputes``) is never a plain triple in graph:facts:
the publisher does not assert one source's version over another's. A position without
``disputes`` differs as a whole (a different account of the same plan) and withholds nothing.

``load_disagreements`` reads and checks the file (every error names the file, line and id);
``disagreement_graph`` and ``disputed_triples`` are pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from lodpub.errors import RecordError
from lodpub.namespaces import CLAIM, ID, LPO, RDF, RDFS, SKOS
from lodpub.pipeline.records import SLUG, Record, read_yaml

DISAGREEMENTS_FILE = "disagreements.yaml"


@dataclass(frozen=True)
class Position:
    """One side of a disagreement: a claim, and the predicates its account differs on."""

    claim: str
    disputes: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """Claims of one or more sources that give different accounts of the same thing."""

    id: str
    label: str
    positions: tuple[Position, ...]
    about: tuple[str, ...] = ()
    note: str | None = None
    where: str = ""

    @property
    def iri(self) -> URIRef:
        """The disagreement's IRI (in the claim namespace: it relates claims)."""
        return CLAIM[self.id]


def _list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, list) else [value]


def _parse(item: Mapping[str, Any], path: Path) -> Disagreement:
    line = item.get("__line__", "?")
    ident = str(item.get("id") or "")
    where = f"{path}:{line} (disagreement {ident!r})"
    if not SLUG.match(ident):
        raise RecordError(f"{where}: id must be a slug of a-z, 0-9 and '-'")
    if not isinstance(item.get("label"), str) or not item["label"].strip():
        raise RecordError(f"{where}: give a `label:`, the question the sources answer "
                          "differently")
    positions = []
    for raw in _list(item.get("positions")):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("claim"), str):
            raise RecordError(f"{where}: each position is {{claim: <record id>, disputes: "
                              "[<predicate>, …]}")
        positions.append(Position(raw["claim"], tuple(str(p) for p in _list(raw.get("disputes")))))
    if len(positions) < 2:
        raise RecordError(f"{where}: a disagreement needs at least two positions")
    return Disagreement(ident, item["label"], tuple(positions),
                        tuple(str(a) for a in _list(item.get("about"))), item.get("note"),
                        where)


def load_disagreements(data_dir: Path) -> list[Disagreement]:
    """Every disagreement of data/disagreements.yaml (none when the file is absent)."""
    path = data_dir / DISAGREEMENTS_FILE
    if not path.is_file():
        return []
    content = read_yaml(path) or []
    if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
        raise RecordError(f"{path}: expected a YAML list of disagreements ('- id: …')")
    return [_parse(item, path) for item in content]


def check(disagreements: Sequence[Disagreement], records: Sequence[Record]) -> None:
    """RecordError, naming the disagreement, for an unknown claim, a predicate the claim does
    not state, or an id already used by a record (both live in the claim namespace)."""
    by_id = {r.id: r for r in records}
    seen: set[str] = set()
    for disagreement in disagreements:
        if disagreement.id in by_id or disagreement.id in seen:
            raise RecordError(f"{disagreement.where}: the id is already used; claim IRIs and "
                              "disagreement IRIs share one namespace")
        seen.add(disagreement.id)
        for position in disagreement.positions:
            record = by_id.get(position.claim)
            if record is None:
                raise RecordError(f"{disagreement.where}: {position.claim!r} is not a record id")
            stated = {str(p) for _, p, _ in record.statements}
            missing = [p for p in position.disputes if p not in stated]
            if missing:
                raise RecordError(
                    f"{disagreement.where}: record {position.claim!r} states nothing with "
                    f"{', '.join(missing)}; list under `disputes:` predicates its statements use")


def disputed_statements(disagreement: Disagreement, records: Mapping[str, Record]
                        ) -> list[tuple[str, int, tuple[Any, Any, Any]]]:
    """(record id, 1-based statement index, statement) of every disputed statement."""
    found = []
    for position in disagreement.positions:
        record = records[position.claim]
        for index, statement in enumerate(record.statements, start=1):
            if str(statement[1]) in position.disputes:
                found.append((record.id, index, statement))
    return found


def disputed_triples(disagreements: Sequence[Disagreement], records: Sequence[Record]
                     ) -> set[tuple[str, str, Any]]:
    """The disputed statements as (subject, predicate, object) of the authoring form."""
    by_id = {r.id: r for r in records}
    return {(s, str(p), _key(o)) for d in disagreements
            for _, _, (s, p, o) in disputed_statements(d, by_id)}


def _key(value: Any) -> Any:
    return tuple(sorted(value.items())) if isinstance(value, Mapping) else value


def is_disputed(statement: tuple[Any, Any, Any], disputed: set[tuple[str, str, Any]]) -> bool:
    """Whether a record's statement is one the sources dispute."""
    subject, predicate, obj = statement
    return (subject, str(predicate), _key(obj)) in disputed


def disagreement_graph(disagreements: Sequence[Disagreement], records: Sequence[Record]) -> Graph:
    """The lpo:Disagreement nodes (for graph:claims)."""
    by_id = {r.id: r for r in records}
    graph = Graph()
    for disagreement in disagreements:
        node = disagreement.iri
        graph.add((node, RDF.type, LPO.Disagreement))
        graph.add((node, RDFS.label, Literal(disagreement.label, lang="en")))
        if disagreement.note:
            graph.add((node, SKOS.note, Literal(disagreement.note, lang="en")))
        for entity in disagreement.about:
            graph.add((node, LPO.about, ID[entity]))
        for position in disagreement.positions:
            graph.add((node, LPO.position, CLAIM[position.claim]))
        for record_id, index, (subject, _, _) in disputed_statements(disagreement, by_id):
            graph.add((node, LPO.disputedStatement, URIRef(f"{CLAIM[record_id]}#s{index}")))
            graph.add((node, LPO.about, ID[subject]))
    return graph


__all__ = ["Disagreement", "Position", "load_disagreements", "check", "disagreement_graph",
           "disputed_triples", "is_disputed", "disputed_statements"]
