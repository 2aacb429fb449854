"""``lodpub new-source``: register a new document and write its curation worksheet.

``create(settings, text_file, metadata)`` checks the text (strict UTF-8; nothing is normalised:
a byte-order mark or carriage returns are refused with the fix, and characters a curator should
know about, such as no-break spaces, are reported by line and column), copies it byte for byte
to ``data/sources/<id>/text.txt``, writes ``source.yaml`` from the metadata, an empty
``records.yaml`` and ``not-encoded.yaml``, and ``suggestions.yaml``: per sentence (with its
stable id and offsets) the known entities it names, its dates and the cue words for its kind.
The suggestions are a worksheet: the build never reads them, and nothing is published until a
curator writes records.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lodpub.curate.suggest import known_names, sentence_suggestions
from lodpub.errors import LodpubError
from lodpub.pipeline.records import SLUG, load_entities
from lodpub.pipeline.sources import (
    META_FILE,
    NOT_ENCODED_FILE,
    RECORDS_FILE,
    SOURCES_DIR,
    SUGGESTIONS_FILE,
    TEXT_FILE,
    check_metadata,
    split_sentences,
)
from lodpub.settings import Settings

NOTABLE = {
    "\u00a0": "no-break space", "\u202f": "narrow no-break space", "\u2007": "figure space",
    "\u200b": "zero-width space", "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner",
    "\u2060": "word joiner", "\ufeff": "zero-width no-break space", "\t": "tab",
    "\u00ad": "soft hyphen",
}
HOW_TO = "README.md, 'Publish a new document'"


class NewSourceError(LodpubError):
    """The text or the metadata of a new document cannot be used; the message says how to fix."""


@dataclass
class NewSource:
    """What ``create`` wrote, and what it noticed in the text."""

    folder: Path
    sentences: int
    findings: list[str] = field(default_factory=list)
    suggested: int = 0

    def __str__(self) -> str:
        lines = [f"registered {self.folder.name}: {self.sentences} sentences in "
                 f"{self.folder}/{TEXT_FILE} (kept byte for byte)"]
        lines += [f"  note: {finding}" for finding in self.findings]
        lines.append(f"suggestions for {self.suggested} sentences in {self.folder}/"
                     f"{SUGGESTIONS_FILE} (a worksheet: never published)")
        lines.append(f"next: write records in {self.folder}/{RECORDS_FILE}, list skipped "
                     f"sentences in {NOT_ENCODED_FILE}, then run `lodpub stats` and "
                     f"`lodpub validate` (see {HOW_TO})")
        return "\n".join(lines)


def decode(data: bytes, path: Path) -> str:
    """The text, strictly UTF-8; NewSourceError says where it is not, or what must change."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise NewSourceError(
            f"{path}: not UTF-8 (byte {exc.start}, line {line}: {exc.reason}); save the text as "
            "UTF-8 from the program you copied it from (lodpub never converts it)") from None
    if text.startswith("\ufeff"):
        raise NewSourceError(f"{path}: starts with a byte-order mark; save it as UTF-8 without "
                             "one (lodpub stores the text as it is and will not strip it)")
    if "\r" in text:
        line = text[:text.index("\r")].count("\n") + 1
        raise NewSourceError(f"{path}: line {line} ends with a carriage return (Windows or old Mac "
                             "line ends); save it with LF line ends (lodpub will not change the "
                             "text for you: sentence offsets must match the stored bytes)")
    if not text.strip():
        raise NewSourceError(f"{path}: the text is empty")
    return text


def findings(text: str) -> list[str]:
    """What a curator should know about the text (nothing of it is changed)."""
    found: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        for column, char in enumerate(line, start=1):
            name = NOTABLE.get(char)
            if name is None and unicodedata.category(char) == "Cc":
                name = f"control character U+{ord(char):04X}"
            if name:
                found.append(f"line {number}, column {column}: {name} (kept; a quote must "
                             "contain it too)")
        if line != line.rstrip():
            found.append(f"line {number}: ends with white space (kept)")
    if unicodedata.normalize("NFC", text) != text:
        found.append("the text is not in Unicode NFC (kept as it is; quotes must match it)")
    if not text.endswith("\n"):
        found.append("the text does not end with a line break (kept)")
    return found


def metadata_yaml(meta: dict[str, Any]) -> str:
    """source.yaml for ``meta``, keys in the documented order, with a header."""
    header = ("# Metadata of text.txt (docs/architecture.md, 'Source metadata'). Only what the\n"
              "# document states goes here without a note; say where anything else comes\n"
              "# from in the matching *_note key.\n")
    return header + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)


SUGGESTIONS_HEADER = """\
# SUGGESTIONS ONLY: the curation worksheet `lodpub new-source` wrote for this document.
# Nothing here is published: the build never reads this file. For each sentence (id, lines,
# character offsets): known entities it seems to name (labels and aliases of data/entities/,
# matched as the reconciliation service matches names), the dates it contains, and cue words
# that may hint at the kind of claim (forecast? recommendation? negated? quotation?).
# Check every one against the text, then write real records in records.yaml (quote verbatim,
# kind, statements) or list the sentence in not-encoded.yaml with a reason.
"""

RECORDS_HEADER = """\
# Fact and claim records of this document, in text order (format: docs/architecture.md,
# "Fact / claim record"). suggestions.yaml lists each sentence with hints; nothing is
# published until a record is written here.
[]
"""

NOT_ENCODED_HEADER = """\
# Sentences of this document deliberately not encoded as facts or claims, with the reason.
[]
"""


def create(settings: Settings, text_file: Path, meta: dict[str, Any]) -> NewSource:
    """Register ``text_file`` as document ``meta['id']`` (see the module docstring)."""
    meta = {key: value for key, value in meta.items() if value not in (None, "", [])}
    source_id = str(meta.get("id") or "")
    if not SLUG.match(source_id):
        raise NewSourceError(f"--id {source_id!r}: use a slug of a-z, 0-9 and '-', such as "
                             "agency-report-2024-03-01 (publisher, subject, date)")
    folder = settings.data_dir / SOURCES_DIR / source_id
    if folder.exists():
        raise NewSourceError(f"{folder} already exists; choose another --id, or edit that "
                             "document's files")
    try:
        data = Path(text_file).read_bytes()
    except OSError as exc:
        raise NewSourceError(f"{text_file}: cannot read it ({exc.strerror})") from None
    text = decode(data, Path(text_file))
    check_metadata(meta, source_id, "the options given")
    sentences = split_sentences(text, meta.get("joins"), meta.get("segmentation", "sentences"))
    entities = load_entities(settings.data_dir)
    known = {e.id for e in entities}
    agents = [meta.get("publisher"), *(meta.get("author") or [])]
    missing = [agent for agent in agents if agent and agent not in known]
    if missing:
        raise NewSourceError(f"no entity {', '.join(map(repr, missing))} in data/entities/; add "
                             f"an entity record for each author and the publisher first ({HOW_TO})")
    names = known_names(entities)
    suggestions = sentence_suggestions(sentences, names)
    folder.mkdir(parents=True)
    (folder / TEXT_FILE).write_bytes(data)  # the bytes as given, never re-encoded
    (folder / META_FILE).write_text(metadata_yaml(meta), encoding="utf-8")
    (folder / RECORDS_FILE).write_text(RECORDS_HEADER, encoding="utf-8")
    (folder / NOT_ENCODED_FILE).write_text(NOT_ENCODED_HEADER, encoding="utf-8")
    (folder / SUGGESTIONS_FILE).write_text(
        SUGGESTIONS_HEADER + yaml.safe_dump({"document": source_id, "sentences": suggestions},
                                            sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8")
    return NewSource(folder, len(sentences), findings(text), len(suggestions))
