"""Source documents: the text as published, its metadata, and its sentences with offsets.

Each document has its own folder, ``data/sources/<id>/``::

    text.txt            the document exactly as retrieved (UTF-8, never normalised)
    source.yaml         its metadata (see docs/architecture.md, "Source metadata")
    records.yaml        its fact and claim records (or several files in records/)
    not-encoded.yaml    the passages deliberately left out, with the reason
    suggestions.yaml    written by `lodpub new-source`; never read by the build

A record's source is the folder it sits in. Reading files happens in ``load_source`` and
``load_sources`` only; checking the metadata and cutting sentences are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lodpub.errors import SourceError
from lodpub.namespaces import DOCUMENT_FIELDS
from lodpub.pipeline.literals import DATE_TYPES
from lodpub.pipeline.sentences import HEADING_MARK, SEGMENTATIONS, Sentence, split_sentences

__all__ = ["HEADING_MARK", "Sentence", "Source", "load_source", "load_sources",
           "source_folders", "split_sentences", "check_metadata"]

SOURCES_DIR = "sources"
TEXT_FILE = "text.txt"
META_FILE = "source.yaml"
RECORDS_FILE = "records.yaml"
RECORDS_DIR = "records"
NOT_ENCODED_FILE = "not-encoded.yaml"
SUGGESTIONS_FILE = "suggestions.yaml"
# Every key source.yaml may have; `notes` holds the curator's free-form notes (not published).
META_KEYS = (
    "id", "title", "title_stated_in_document", "title_note", "author",
    "author_stated_in_document", "author_note", "publisher", "publisher_stated_in_document",
    "publisher_note", "date", "date_stated_in_document", "date_note", "url", "retrieved",
    "license", "license_note", "complete", "excerpt_note", "layout_note", "language",
    "description", "segmentation", "joins", "derived", "notes",
)
OLD_LAYOUT = ("records", "not-encoded.yaml")  # data/records/, data/not-encoded.yaml (before 0.2)


@dataclass(frozen=True)
class Source:
    """A source document: id, text, metadata and sentences."""

    id: str
    path: Path  # the text file
    text: str
    meta: dict[str, Any]
    sentences: tuple[Sentence, ...]

    @property
    def folder(self) -> Path:
        """The document's folder (data/sources/<id>/)."""
        return self.path.parent

    @property
    def authors(self) -> tuple[str, ...]:
        """Entity ids of who wrote or issued the document (dct:creator): claims default to them."""
        return _ids(self.meta.get("author"))

    @property
    def not_stated(self) -> tuple[str, ...]:
        """The fields of ``DOCUMENT_FIELDS`` the document does not state: source.yaml says
        ``<field>_stated_in_document: false`` and, in ``<field>_note``, where the value is from."""
        return tuple(f for f in DOCUMENT_FIELDS
                     if self.meta.get(f"{f}_stated_in_document") is False)

    @property
    def complete(self) -> bool:
        """Whether the stored text is the whole document (false: an excerpt)."""
        return self.meta.get("complete", True) is not False

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence containing character ``offset``."""
        for sentence in self.sentences:
            if sentence.start <= offset < sentence.end:
                return sentence
        raise SourceError(f"{self.path}: offset {offset} is not inside a sentence")

    def sentences_between(self, start: int, end: int) -> tuple[Sentence, ...]:
        """Every sentence that overlaps the span ``[start, end)``."""
        return tuple(s for s in self.sentences if s.start < end and start < s.end)

    def find(self, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
        """Offsets of the ``occurrence``-th verbatim occurrence of ``quote``, or None."""
        position = -1
        for _ in range(occurrence):
            position = self.text.find(quote, position + 1)
            if position < 0:
                return None
        return position, position + len(quote)

    def count(self, quote: str) -> int:
        """How often ``quote`` occurs verbatim (overlaps counted)."""
        total, position = 0, self.text.find(quote)
        while position >= 0:
            total += 1
            position = self.text.find(quote, position + 1)
        return total


def _ids(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else (str(value),)


def check_metadata(meta: Mapping[str, Any], folder_id: str, where: str) -> None:
    """Raise SourceError, naming ``where`` and the key, for metadata lodpub cannot use."""
    unknown = sorted(set(meta) - set(META_KEYS))
    if unknown:
        raise SourceError(f"{where}: unknown keys {', '.join(unknown)}; the keys are "
                          f"{', '.join(META_KEYS)} (free-form notes go under `notes:`)")
    if meta.get("id", folder_id) != folder_id:
        raise SourceError(f"{where}: id {meta['id']!r} differs from the folder name "
                          f"{folder_id!r}; rename one so they match")
    if not meta.get("title"):
        raise SourceError(f"{where}: a document needs a `title:` (say title_stated_in_document: "
                          "false when the document states none and you give a descriptive one)")
    if meta.get("segmentation", "sentences") not in SEGMENTATIONS:
        raise SourceError(f"{where}: segmentation must be one of {', '.join(SEGMENTATIONS)}")
    for key in ("date", "retrieved"):
        if key in meta and not any(p.match(str(meta[key])) for p, _ in DATE_TYPES):
            raise SourceError(f"{where}: {key} {meta[key]!r} is not YYYY, YYYY-MM or YYYY-MM-DD "
                              "(quote it in YAML: \"2024-09-27\")")
    for key in ("complete", *(f"{f}_stated_in_document" for f in DOCUMENT_FIELDS)):
        if key in meta and not isinstance(meta[key], bool):
            raise SourceError(f"{where}: {key} must be true or false")
    for field in DOCUMENT_FIELDS:
        if meta.get(f"{field}_stated_in_document") is False and not meta.get(field):
            raise SourceError(f"{where}: {field}_stated_in_document is false but there is no "
                              f"`{field}:`; give the value and say where it comes from in "
                              f"`{field}_note:`, or drop the flag")
    if meta.get("complete") is False and not meta.get("excerpt_note"):
        raise SourceError(f"{where}: an excerpt (complete: false) needs an `excerpt_note:` saying "
                          "what is there and what is missing")
    for first, last in meta.get("joins") or []:
        if not (isinstance(first, int) and isinstance(last, int) and first < last):
            raise SourceError(f"{where}: joins entries are [first_line, last_line] pairs")


def load_source(folder: Path) -> Source:
    """Read a document's folder: ``text.txt`` (strict UTF-8) and ``source.yaml``."""
    text_path, meta_path = folder / TEXT_FILE, folder / META_FILE
    try:
        text = text_path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SourceError(f"{folder}: no {TEXT_FILE}; put the document's text there (see "
                          "README, 'Publish a new document')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{text_path}: cannot read the source text as UTF-8 ({exc})") from exc
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SourceError(f"{folder}: no {META_FILE}; describe the document there (at least "
                          "its title)") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{meta_path}: not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise SourceError(f"{meta_path}: expected a mapping of metadata keys")
    check_metadata(meta, folder.name, str(meta_path))
    sentences = split_sentences(text, meta.get("joins"), meta.get("segmentation", "sentences"))
    return Source(folder.name, text_path, text, meta, sentences)


def source_folders(data_dir: Path) -> list[Path]:
    """Every document folder under data/sources/, in name order (the documents' order)."""
    root = data_dir / SOURCES_DIR
    old = [data_dir / name for name in OLD_LAYOUT if (data_dir / name).exists()
           and (not (data_dir / name).is_dir() or any((data_dir / name).iterdir()))]
    old += sorted(root.glob("*.txt"))
    if old:
        raise SourceError(
            f"{old[0]}: the old one-document layout; each document now has its own folder "
            "data/sources/<id>/ holding text.txt, source.yaml, records.yaml (or records/) and "
            "not-encoded.yaml (see docs/architecture.md, 'The authoring format')")
    folders = sorted(p for p in root.glob("*") if p.is_dir()) if root.is_dir() else []
    if not folders:
        raise SourceError(f"no source document in {root}; add one with `lodpub new-source`")
    return folders


def load_sources(data_dir: Path) -> dict[str, Source]:
    """Every document under data/sources/, by id, in folder-name order."""
    return {source.id: source for source in map(load_source, source_folders(data_dir))}
