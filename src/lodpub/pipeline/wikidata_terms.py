"""data/wikidata-terms.yaml: the Wikidata classes and properties the ontology is aligned to.

The file has two maps, ``classes`` (short name -> block with ``qid``) and ``properties`` (PID ->
block). A block's ``status`` is ``linked`` (with ``evidence``: sources a reader can open that show
the label beside the id) or ``unverified`` (with a ``reason``, and ``candidates`` that each name
such a source). Every ``skos:exactMatch`` / ``skos:closeMatch`` from an ontology term to a
Wikidata item or property must be linked here: an alignment nobody can check is not published.

``load_terms`` reads the file; ``problems`` checks it against the ontology and returns what is
wrong, each saying where and how to fix it. No other I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from lodpub.errors import RecordError
from lodpub.namespaces import LPO, SKOS, WD
from lodpub.pipeline.linkgraph import CITABLE, citable_url
from lodpub.pipeline.records import read_yaml, strip_lines

TERMS_FILE = "wikidata-terms.yaml"
STATUSES = ("linked", "unverified")
QID = re.compile(r"^Q[1-9][0-9]*$")
PID = re.compile(r"^P[1-9][0-9]*$")


def load_terms(data_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """``{"classes": {...}, "properties": {...}}`` of data/wikidata-terms.yaml (empty if none)."""
    path = data_dir / TERMS_FILE
    if not path.is_file():
        return {"classes": {}, "properties": {}}
    content = strip_lines(read_yaml(path) or {})
    if not isinstance(content, dict) or set(content) - {"classes", "properties"}:
        raise RecordError(f"{path}: expected two maps, `classes:` and `properties:`")
    return {kind: dict(content.get(kind) or {}) for kind in ("classes", "properties")}


def _block_problems(kind: str, key: str, block: Any) -> Iterator[str]:
    where = f"{TERMS_FILE}: {kind}.{key}"
    if not isinstance(block, Mapping) or block.get("status") not in STATUSES:
        yield f"{where}: needs `status:` linked or unverified"
        return
    if kind == "properties" and not PID.match(key):
        yield f"{where}: a property's key is its PID (P<digits>)"
    if kind == "classes" and block["status"] == "linked" and not QID.match(str(block.get("qid"))):
        yield f"{where}: a linked class needs `qid: Q<digits>`"
    if block["status"] == "linked" and not block.get("evidence"):
        yield f"{where}: a linked term needs `evidence:` (a source showing its label)"
    if block["status"] == "unverified" and not block.get("reason"):
        yield f"{where}: an unverified term needs a `reason:`"
    for part in ("evidence", "candidates"):
        for number, item in enumerate(block.get(part) or (), start=1):
            if not isinstance(item, Mapping) or not citable_url(item.get("source")):
                source = item.get("source") if isinstance(item, Mapping) else item
                yield (f"{where}, {part} {number}: source {source!r} is not something a reader "
                       f"can open; give {CITABLE}")
            elif part == "evidence" and not item.get("label"):
                yield f"{where}, evidence {number}: record the `label:` the source shows"


def _aligned(ontology: Graph) -> Iterator[tuple[URIRef, URIRef]]:
    for predicate in (SKOS.exactMatch, SKOS.closeMatch):
        for term, target in ontology.subject_objects(predicate):
            if str(term).startswith(str(LPO)) and str(target).startswith(str(WD)):
                yield term, target


def problems(terms: Mapping[str, Mapping[str, Any]], ontology: Graph) -> list[str]:
    """Everything wrong with the terms file, and every ontology alignment it does not back."""
    found = [message for kind in ("classes", "properties")
             for key, block in sorted(terms[kind].items())
             for message in _block_problems(kind, key, block)]
    linked = {str(WD[b["qid"]]) for b in terms["classes"].values()
              if isinstance(b, Mapping) and b.get("status") == "linked" and b.get("qid")}
    linked |= {str(WD[pid]) for pid, b in terms["properties"].items()
               if isinstance(b, Mapping) and b.get("status") == "linked"}
    for term, target in sorted(_aligned(ontology)):
        if str(target) not in linked:
            found.append(
                f"ontology/: {term} is aligned to {target}, which {TERMS_FILE} does not record "
                "as linked with evidence; add it there with a source a reader can open, or "
                "remove the alignment")
    return found
