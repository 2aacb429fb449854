"""Literals from their authoring form in data/ (``{date: "2021-12"}`` and the like). No I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from lodpub.errors import RecordError

DATE_TYPES = (
    (re.compile(r"^-?\d{4}$"), XSD.gYear),
    (re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])$"), XSD.gYearMonth),
    (re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), XSD.date),
)

def literal(value: Mapping[str, Any], where: str) -> Literal:
    """A literal from its authoring form, e.g. ``{date: "2021-12"}`` -> xsd:gYearMonth."""
    if len(value) != 1:
        raise RecordError(f"{where}: a literal object has exactly one key, got {sorted(value)}")
    (key, raw), = value.items()
    if key == "date":
        for pattern, datatype in DATE_TYPES:
            if pattern.match(str(raw)):
                return Literal(str(raw), datatype=datatype)
        raise RecordError(f"{where}: date {raw!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    makers = {
        "text": lambda v: Literal(str(v), lang="en"),
        "string": lambda v: Literal(str(v)),
        "int": lambda v: Literal(int(v), datatype=XSD.integer),
        "decimal": lambda v: Literal(str(v), datatype=XSD.decimal),
        "bool": lambda v: Literal(bool(v)),
        "iri": URIRef,
    }
    if key not in makers:
        kinds = ", ".join(["date", *makers])
        raise RecordError(f"{where}: unknown literal kind {key!r}; use one of {kinds}")
    try:
        return makers[key](raw)
    except (TypeError, ValueError):
        raise RecordError(f"{where}: {raw!r} is not a valid {key}") from None
