"""Source documents: the text as published, its metadata, and its sentences with offsets.

Pure functions over text; reading files happens in ``load_source`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lodpub.errors import SourceError

HEADING_MARK = "[H2]"


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source: a non-empty line, or lines joined where the text breaks one."""

    number: int  # 1-based, in document order
    start: int  # offset of the first character (Unicode code points, 0-based)
    end: int  # offset after the last character
    text: str
    lines: tuple[int, ...]  # 1-based line numbers it spans

    @property
    def is_heading(self) -> bool:
        """Whether the sentence is a section heading (marked ``[H2]`` in the text)."""
        return self.text.startswith(HEADING_MARK)


@dataclass(frozen=True)
class Source:
    """A source document: id, text, metadata and sentences."""

    id: str
    path: Path
    text: str
    meta: dict[str, Any]
    sentences: tuple[Sentence, ...]

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


def split_sentences(text: str, joins: list[list[int]] | None = None) -> tuple[Sentence, ...]:
    """Sentences of ``text``: its non-empty lines, with each ``[first, last]`` line range joined."""
    spans: list[tuple[int, int, int]] = []  # line number, start, end
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            spans.append((number, offset, offset + len(line)))
        offset += len(line) + 1
    join_of = {}
    for first, last in joins or []:
        for number in range(first, last + 1):
            join_of[number] = (first, last)
    sentences: list[Sentence] = []
    index = 0
    while index < len(spans):
        number, start, end = spans[index]
        lines = [number]
        if number in join_of:
            last = join_of[number][1]
            while index + 1 < len(spans) and spans[index + 1][0] <= last:
                index += 1
                lines.append(spans[index][0])
                end = spans[index][2]
        sentences.append(Sentence(len(sentences) + 1, start, end, text[start:end], tuple(lines)))
        index += 1
    return tuple(sentences)


def load_source(text_path: Path) -> Source:
    """Read a source text and its ``.yaml`` metadata beside it (same stem)."""
    meta_path = text_path.with_suffix(".yaml")
    try:
        text = text_path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{text_path}: cannot read the source text as UTF-8 ({exc})") from exc
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        try:
            meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SourceError(f"{meta_path}: not valid YAML ({exc})") from exc
    source_id = meta.get("id", text_path.stem)
    if source_id != text_path.stem:
        raise SourceError(
            f"{meta_path}: id {source_id!r} differs from the file name {text_path.stem!r}; "
            "rename one so they match"
        )
    for first, last in meta.get("joins", []) or []:
        if not (isinstance(first, int) and isinstance(last, int) and first < last):
            raise SourceError(f"{meta_path}: joins entries are [first_line, last_line] pairs")
    sentences = split_sentences(text, meta.get("joins"))
    return Source(source_id, text_path, text, meta, sentences)


def load_sources(data_dir: Path) -> dict[str, Source]:
    """Every source under data/sources/, by id, in file-name order."""
    paths = sorted((data_dir / "sources").glob("*.txt"))
    if not paths:
        raise SourceError(f"no source text in {data_dir / 'sources'}; add <id>.txt and <id>.yaml")
    return {source.id: source for source in map(load_source, paths)}
