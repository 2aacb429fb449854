"""Curated records in data/: entities, fact and claim records, not-encoded sentences.

Entities are shared by every document (data/entities/*.yaml, one IRI per real thing); a
document's records and not-encoded passages sit in its folder (data/sources/<id>/), which is
their source. Reading and checking the YAML happens here; every error names the file, line
and record id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import URIRef

from lodpub.errors import RecordError
from lodpub.namespaces import CLAIM, ID
from lodpub.pipeline.sources import (
    NOT_ENCODED_FILE,
    RECORDS_DIR,
    RECORDS_FILE,
    source_folders,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("fact", "quotation", "forecast", "assessment", "recommendation", "hypothetical", "negated")
LINK_STATUSES = ("linked", "unverified", "none")
QID = re.compile(r"^Q[1-9][0-9]*$")
WIKIDATA_FILE = "wikidata.yaml"


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, each mapping carrying its ``__line__``."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise RecordError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise RecordError(f"{path}: cannot read ({exc})") from exc


def strip_lines(value: Any) -> Any:
    """A copy of parsed YAML without the ``__line__`` bookkeeping keys."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


@dataclass(frozen=True)
class Entity:
    """A named thing, event or n-ary node, with its Wikidata link status."""

    id: str
    label: str
    aliases: tuple[str, ...]
    types: tuple[str, ...]
    description: str | None
    wikidata: dict[str, Any]
    file: Path
    line: int

    @property
    def iri(self) -> URIRef:
        """The entity's IRI."""
        return ID[self.id]

    @property
    def where(self) -> str:
        """``file:line`` of the record, for messages."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Record:
    """A fact or claim record: a verbatim quote, its kind, who asserts it, and statements."""

    id: str
    source: str  # the document's id: the folder the record sits in
    quote: str
    kind: str
    by: tuple[str, ...]  # who asserts it (entity ids); empty: the document's author(s)
    statements: tuple[tuple[Any, Any, Any], ...]
    about: tuple[str, ...] = ()
    note: str | None = None
    occurrence: int | None = None  # which occurrence of a repeated quote (1-based)
    file: Path = field(default=Path("."))
    line: int = 0

    @property
    def iri(self) -> URIRef:
        """The claim node's IRI."""
        return CLAIM[self.id]

    @property
    def where(self) -> str:
        """``file:line`` of the record, for messages."""
        return f"{self.file}:{self.line} (record {self.id!r})"


@dataclass(frozen=True)
class NotEncoded:
    """A passage of a source deliberately not encoded, and why."""

    quote: str
    reason: str
    source: str  # the document's id: the folder the list sits in
    file: Path
    line: int


def _require(item: dict[str, Any], key: str, path: Path, what: str) -> Any:
    if key not in item or item[key] in (None, ""):
        raise RecordError(f"{path}:{item.get('__line__', '?')}: {what} has no {key!r}")
    return item[key]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_wikidata(block: Any, where: str) -> dict[str, Any]:
    if not isinstance(block, dict) or block.get("status") not in LINK_STATUSES:
        raise RecordError(
            f"{where}: wikidata needs a status, one of {', '.join(LINK_STATUSES)} "
            "(see docs/architecture.md, 'Entity record')"
        )
    block = strip_lines(block)
    if block["status"] == "linked":
        if not QID.match(str(block.get("qid", ""))):
            raise RecordError(f"{where}: a linked entity needs qid: Q<number>")
        if not block.get("evidence"):
            raise RecordError(f"{where}: a linked entity needs evidence (source and label seen)")
    return block


def parse_entity(item: dict[str, Any], path: Path) -> Entity:
    """One entity record from its parsed YAML mapping."""
    entity_id = _require(item, "id", path, "an entity")
    where = f"{path}:{item['__line__']} (entity {entity_id!r})"
    if not SLUG.match(str(entity_id)):
        raise RecordError(f"{where}: id must be a slug of a-z, 0-9 and '-'")
    label = _require(item, "label", path, f"entity {entity_id!r}")
    if not isinstance(label, str):
        raise RecordError(f"{where}: label must be one English string")
    types = tuple(str(t) for t in _as_list(item.get("type")))
    if not types:
        raise RecordError(f"{where}: an entity needs at least one type")
    wikidata = _check_wikidata(item.get("wikidata"), where)
    aliases = tuple(str(a) for a in _as_list(item.get("aliases")))
    return Entity(entity_id, label, aliases, types, item.get("description"), wikidata, path,
                  item["__line__"])


def _parse_statement(raw: Any, where: str) -> tuple[Any, Any, Any]:
    if not isinstance(raw, list) or len(raw) != 3:
        raise RecordError(f"{where}: each statement is [subject, predicate, object], got {raw!r}")
    subject, predicate, obj = raw
    if isinstance(obj, dict):
        obj = strip_lines(obj)
    return subject, predicate, obj


def _no_source_key(item: dict[str, Any], where: str) -> None:
    if "source" in item:
        raise RecordError(f"{where}: remove `source:`; a record's source is the folder it sits "
                          "in (data/sources/<id>/)")


def parse_record(item: dict[str, Any], path: Path, source: str) -> Record:
    """One fact or claim record of document ``source`` from its parsed YAML mapping."""
    record_id = _require(item, "id", path, "a record")
    where = f"{path}:{item['__line__']} (record {record_id!r})"
    if not SLUG.match(str(record_id)):
        raise RecordError(f"{where}: id must be a slug of a-z, 0-9 and '-'")
    _no_source_key(item, where)
    quote = _require(item, "quote", path, f"record {record_id!r}")
    kind = _require(item, "kind", path, f"record {record_id!r}")
    if kind not in KINDS:
        raise RecordError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    statements = tuple(_parse_statement(s, where) for s in _as_list(item.get("statements")))
    occurrence = item.get("occurrence")
    if occurrence is not None and (not isinstance(occurrence, int) or occurrence < 1):
        raise RecordError(f"{where}: occurrence must be a whole number from 1")
    by = tuple(_as_list(item.get("by")))
    if not all(isinstance(agent, str) and agent for agent in by):
        raise RecordError(f"{where}: `by:` is an entity id or a list of entity ids")
    return Record(
        id=record_id,
        source=source,
        quote=str(quote),
        kind=kind,
        by=by,
        statements=statements,
        about=tuple(_as_list(item.get("about"))),
        note=item.get("note"),
        occurrence=occurrence,
        file=path,
        line=item["__line__"],
    )


def _items(path: Path) -> list[dict[str, Any]]:
    content = read_yaml(path)
    if content is None:
        return []
    if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
        raise RecordError(f"{path}: expected a YAML list of records (each starting with '- id:')")
    return content


def _unique(items: list[Any], what: str) -> None:
    seen: dict[str, Any] = {}
    for item in items:
        if item.id in seen:
            raise RecordError(
                f"{item.file}:{item.line}: {what} id {item.id!r} is already used at "
                f"{seen[item.id].file}:{seen[item.id].line}"
            )
        seen[item.id] = item


def load_links(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The Wikidata link blocks of data/wikidata.yaml, by entity id (empty if absent)."""
    path = data_dir / WIKIDATA_FILE
    if not path.is_file():
        return {}
    content = read_yaml(path) or {}
    if not isinstance(content, dict):
        raise RecordError(f"{path}: expected a mapping from entity id to a wikidata block")
    return {k: v for k, v in content.items() if k != "__line__"}


def load_entities(data_dir: Path) -> list[Entity]:
    """Every entity record in data/entities/*.yaml, with its block from data/wikidata.yaml.

    An entity's link status lives in data/wikidata.yaml (written by people and by
    ``lodpub link --apply``) and overrides a block written inline in the entity record.
    """
    links = load_links(data_dir)
    entities = []
    for path in sorted((data_dir / "entities").glob("*.yaml")):
        for item in _items(path):
            if item.get("id") in links:
                item = {**item, "wikidata": links[item["id"]]}
            entities.append(parse_entity(item, path))
    _unique(entities, "entity")
    unknown = sorted(set(links) - {e.id for e in entities})
    if unknown:
        raise RecordError(
            f"{data_dir / WIKIDATA_FILE}: link blocks for unknown entity ids: {', '.join(unknown)}"
        )
    return entities


def record_files(folder: Path) -> list[Path]:
    """A document's record files: records.yaml, then records/*.yaml in name order."""
    single = folder / RECORDS_FILE
    return ([single] if single.is_file() else []) + sorted((folder / RECORDS_DIR).glob("*.yaml"))


def load_records(data_dir: Path) -> list[Record]:
    """Every fact and claim record of every document, in document, file and text order."""
    records = [
        parse_record(item, path, folder.name)
        for folder in source_folders(data_dir)
        for path in record_files(folder)
        for item in _items(path)
    ]
    _unique(records, "record")
    return records


def load_not_encoded(data_dir: Path) -> list[NotEncoded]:
    """Passages deliberately left out, from each document's not-encoded.yaml."""
    result = []
    for folder in source_folders(data_dir):
        path = folder / NOT_ENCODED_FILE
        if not path.is_file():
            continue
        for item in _items(path):
            quote = _require(item, "quote", path, "a not-encoded entry")
            reason = _require(item, "reason", path, "a not-encoded entry")
            _no_source_key(item, f"{path}:{item['__line__']}")
            result.append(NotEncoded(str(quote), str(reason), folder.name, path,
                                     item["__line__"]))
    return result
