"""Reconciliation over lodpub's entities: the index, scoring, type and property constraints.

No HTTP here (``web/reconcile.py`` serves it): ``load_index(select)`` reads the release through
any ``select(query) -> rows`` callable (``Store.select``), and ``Index`` answers reconciliation
and suggest queries of the W3C Entity Reconciliation API 0.2 as plain dicts.

Entity ids are the slugs under ``https://w3id.org/lodpub/id/`` (the identifier space); type ids
are lpo: class names (``ArmedGroup``) under the schema space ``https://w3id.org/lodpub/ontology/``;
property ids are lpo: property names, plus ``wikidata`` (the entity's QID).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lodpub.curate.names import name_score, normalise
from lodpub.namespaces import GRAPH_CLAIMS, GRAPH_FACTS, GRAPH_ONTOLOGY, ID, LPO, WD

Select = Callable[[str], list[dict[str, Any]]]
DEFAULT_LIMIT = 5
MIN_SCORE = 50.0
MATCH_SCORE = 95.0  # a candidate is a sure match at or above this, clearly ahead of the next
MATCH_MARGIN = 5.0
WIKIDATA_PROPERTY = "wikidata"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Every entity is described in graph:facts, or in graph:claims when only non-fact claims
# mention it (a city only a recommendation names is still a city a spreadsheet may name).
_DESCRIBED = f"FILTER(?g IN (<{GRAPH_FACTS}>, <{GRAPH_CLAIMS}>))"

_ENTITIES = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?e ?label ?alias ?description ?same WHERE {{ GRAPH ?g {{
  ?e rdfs:label ?label . FILTER(STRSTARTS(STR(?e), "{ID}"))
  {{ ?e skos:altLabel ?alias }} UNION {{ ?e schema:description ?description }}
  UNION {{ ?e owl:sameAs ?same FILTER(STRSTARTS(STR(?same), "{WD}Q")) }} UNION {{ }}
}} {_DESCRIBED} }}"""
_VALUES = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?p ?o ?olabel WHERE {{ GRAPH ?g {{
  ?e ?p ?o . FILTER(STRSTARTS(STR(?e), "{ID}"))
  FILTER(STRSTARTS(STR(?p), "{LPO}") || ?p = <{_RDF_TYPE}>)
  OPTIONAL {{ ?o rdfs:label ?olabel }}
}} {_DESCRIBED} }}"""
_TERMS = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?t ?kind ?label ?super WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{
  ?t a ?kind . FILTER(STRSTARTS(STR(?t), "{LPO}"))
  FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty))
  OPTIONAL {{ ?t rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?t rdfs:subClassOf ?super FILTER(STRSTARTS(STR(?super), "{LPO}")) }}
}} }}"""


def local(iri: Any, namespace: Any) -> str:
    """``iri`` without ``namespace`` when it is in it, else the full IRI."""
    text, ns = str(iri), str(namespace)
    return text[len(ns):] if text.startswith(ns) else text


@dataclass
class Entry:
    """One entity as the index holds it."""

    id: str
    label: str = ""
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    qid: str = ""
    types: list[str] = field(default_factory=list)
    # pid -> (entity id, or "" for a literal; label or literal text)
    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Label first, then aliases."""
        return [self.label, *self.aliases]

    def identifiers(self) -> set[str]:
        """Strings that identify this entity outright: slug, IRI, QID, Wikidata IRI."""
        ids = {self.id, f"{ID}{self.id}"}
        if self.qid:
            ids |= {self.qid, f"{WD}{self.qid}"}
        return ids


@dataclass
class Index:
    """Entities, types and properties of one release, ready for queries."""

    entries: dict[str, Entry]
    type_names: dict[str, str]
    ancestors: dict[str, set[str]]
    property_names: dict[str, str]

    def type_view(self, type_id: str) -> dict[str, str]:
        """A type as the API writes it: id and name."""
        return {"id": type_id, "name": self.type_names.get(type_id, type_id)}

    def has_type(self, entry: Entry, wanted: set[str]) -> bool:
        """Whether ``entry`` is of one of the ``wanted`` types, subclasses included."""
        return any(self.ancestors.get(t, {t}) & wanted for t in entry.types)

    def reconcile(self, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Candidates for one reconciliation query, best first (see module docstring)."""
        text = str(query.get("query") or "").strip()
        wanted = _as_set(query.get("type"))
        constraints = list(query.get("properties") or [])
        scored = []
        for entry in self.entries.values():
            if wanted and not self.has_type(entry, wanted):
                continue
            name = self._name_score(entry, text) if text else None
            props = _property_score(entry, constraints) if constraints else None
            parts = [s for s in (name, props) if s is not None]
            score = 0.75 * name + 0.25 * props if len(parts) == 2 else parts[0]
            if score >= MIN_SCORE:
                scored.append((round(score, 2), name, entry))
        scored.sort(key=lambda x: (-x[0], x[2].label, x[2].id))
        limit = int(query.get("limit") or DEFAULT_LIMIT)
        return self._candidates(scored[:max(1, limit)], bool(wanted))

    def _name_score(self, entry: Entry, text: str) -> float:
        if text in entry.identifiers():
            return 100.0
        return max(name_score(text, name) for name in entry.names)

    def _candidates(self, scored: Sequence[tuple[float, float | None, Entry]],
                    typed: bool) -> list[dict[str, Any]]:
        result = []
        for rank, (score, name, entry) in enumerate(scored):
            runner_up = scored[rank + 1][0] if rank + 1 < len(scored) else 0.0
            best = rank == 0 and score >= MATCH_SCORE and runner_up <= score - MATCH_MARGIN
            features = [{"id": "name", "value": name if name is not None else 0.0}]
            if typed:
                features.append({"id": "type_match", "value": True})
            candidate = {
                "id": entry.id, "name": entry.label, "description": self.describe(entry),
                "score": score, "match": best, "features": features,
                "type": [self.type_view(t) for t in entry.types],
                "uri": f"{ID}{entry.id}",
            }
            if entry.qid:
                candidate["wikidata"] = entry.qid
            result.append(candidate)
        return result

    def describe(self, entry: Entry) -> str:
        """The entity's description, with its Wikidata item when linked."""
        parts = [entry.description] if entry.description else []
        if entry.qid:
            parts.append(f"Wikidata {entry.qid}")
        return " · ".join(parts)

    def suggest_entities(self, prefix: str, cursor: int = 0,
                         limit: int = 10) -> list[dict[str, Any]]:
        """Entities whose label or alias starts with (or closely matches) ``prefix``."""
        wanted = normalise(prefix)
        hits = []
        for entry in self.entries.values():
            names = [normalise(n) for n in entry.names]
            starts = any(n.startswith(wanted) or f" {wanted}" in f" {n}" for n in names)
            score = 100.0 if starts or prefix in entry.identifiers() else self._name_score(
                entry, prefix)
            if score >= 80:
                hits.append((-score, entry.label, entry))
        hits.sort(key=lambda h: (h[0], h[1]))
        return [{"id": e.id, "name": e.label, "description": self.describe(e),
                 "notable": [self.type_view(t) for t in e.types]}
                for _, _, e in hits[cursor:cursor + limit]]

    def suggest_terms(self, names: Mapping[str, str], prefix: str, cursor: int = 0,
                      limit: int = 10) -> list[dict[str, str]]:
        """Types or properties whose id or name contains ``prefix`` (case-insensitive)."""
        wanted = normalise(prefix)
        hits = sorted(
            (not normalise(name).startswith(wanted), name, term) for term, name in names.items()
            if wanted in normalise(name) or wanted in normalise(term)
        )
        return [{"id": term, "name": name} for _, name, term in hits[cursor:cursor + limit]]


    def propose_properties(self, type_id: str, limit: int = 20) -> list[dict[str, str]]:
        """Properties the entities of ``type_id`` have, most used first, then ``wikidata``."""
        wanted = _as_set(type_id)
        counts: dict[str, int] = {}
        for entry in self.entries.values():
            if not wanted or self.has_type(entry, wanted):
                for pid in entry.values:
                    counts[pid] = counts.get(pid, 0) + 1
        ranked = sorted(counts, key=lambda pid: (-counts[pid], pid))
        ids = [WIKIDATA_PROPERTY, *ranked][:max(1, limit)]
        return [{"id": pid, "name": self.property_names.get(pid, pid)} for pid in ids]

    def extend(self, ids: Sequence[str], pids: Sequence[str]) -> dict[str, Any]:
        """A data extension response: for each entity id, each property's values."""
        rows: dict[str, dict[str, list[dict[str, str]]]] = {}
        for entity_id in ids:
            entry = self.entries.get(entity_id)
            rows[entity_id] = {pid: self._values(entry, pid) if entry else [] for pid in pids}
        meta = [{"id": pid, "name": self.property_names.get(pid, pid)} for pid in pids]
        return {"meta": meta, "rows": rows}

    def _values(self, entry: Entry, pid: str) -> list[dict[str, str]]:
        if pid == WIKIDATA_PROPERTY:
            return [{"str": entry.qid}] if entry.qid else []
        return [{"id": object_id, "name": text} if object_id else {"str": text}
                for object_id, text in entry.values.get(pid, [])]


def _as_set(value: Any) -> set[str]:
    if not value:
        return set()
    values = [value] if isinstance(value, str) else list(value)
    return {local(v, LPO) for v in values if isinstance(v, str)}


def _value_score(entry: Entry, pid: str, value: Any) -> float:
    if pid == WIKIDATA_PROPERTY:
        target = value.get("id") if isinstance(value, dict) else str(value)
        return 100.0 if entry.qid and local(target, WD) == entry.qid else 0.0
    known = entry.values.get(pid, [])
    if isinstance(value, dict):
        ids = {local(value.get("id", ""), ID), local(value.get("id", ""), WD)} - {""}
        if any(object_id in ids for object_id, _ in known):
            return 100.0
        value = value.get("name", "")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return max((name_score(text, t) for _, t in known), default=0.0)


def _property_score(entry: Entry, constraints: Iterable[Mapping[str, Any]]) -> float:
    scores = []
    for constraint in constraints:
        values = constraint.get("v")
        values = values if isinstance(values, list) else [values]
        pid = local(str(constraint.get("pid", "")), LPO)
        scores.append(max((_value_score(entry, pid, v) for v in values), default=0.0))
    return sum(scores) / len(scores) if scores else 0.0


def _ancestors(parents: Mapping[str, set[str]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for start in parents:
        seen, todo = {start}, [start]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        result[start] = seen
    return result


def load_index(select: Select) -> Index:
    """Read entities, their values, types and the ontology's terms through ``select``."""
    entries: dict[str, Entry] = {}
    for row in select(_ENTITIES):
        entry = entries.setdefault(local(row["e"], ID), Entry(local(row["e"], ID)))
        entry.label = str(row["label"])
        if "alias" in row and str(row["alias"]) not in entry.aliases:
            entry.aliases.append(str(row["alias"]))
        if "description" in row:
            entry.description = str(row["description"])
        if "same" in row:
            entry.qid = local(row["same"], WD)
    for row in select(_VALUES):
        entry = entries.get(local(row["e"], ID))
        if entry is None:
            continue
        if str(row["p"]) == _RDF_TYPE:
            if str(row["o"]).startswith(str(LPO)) and local(row["o"], LPO) not in entry.types:
                entry.types.append(local(row["o"], LPO))
            continue
        is_entity = str(row["o"]).startswith(str(ID))
        value = (local(row["o"], ID) if is_entity else "", str(row.get("olabel", row["o"])))
        if value not in entry.values.setdefault(local(row["p"], LPO), []):
            entry.values[local(row["p"], LPO)].append(value)
    type_names, property_names, parents = {}, {WIKIDATA_PROPERTY: "Wikidata item (QID)"}, {}
    for row in select(_TERMS):
        term = local(row["t"], LPO)
        name = str(row.get("label", term))
        if str(row["kind"]).endswith("#Class"):
            type_names[term] = name
            parents.setdefault(term, set())
            if "super" in row:
                parents[term].add(local(row["super"], LPO))
        else:
            property_names[term] = name
    for entry in entries.values():
        entry.types.sort()
    return Index(entries, type_names, _ancestors(parents), property_names)
