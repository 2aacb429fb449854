"""A source text cut into numbered sentences with character offsets. Pure functions, no I/O.

Two ways to cut, chosen per document (``segmentation:`` in its source.yaml):

- ``lines``: every non-empty line is one sentence, except where ``joins`` merges a range of
  lines the text breaks (the first document was encoded this way, one sentence a line, and its
  sentence IRIs must never change);
- ``sentences``: each non-empty line (a paragraph) is cut after ``.``, ``!`` or ``?`` (and any
  closing quotes or brackets) where white space and a capital letter, a digit or an opening
  quote follow; never after an abbreviation (``Mr.``, ``Gen.``, ``Nov.``), an initial (``J.``)
  or a dotted abbreviation (``U.S.``, ``e.g.``). The cut is conservative: when in doubt it keeps
  one longer sentence, which a quote can still select part of.

Sentences are numbered from 1 in document order; a sentence's id is ``s<number>``. The text
never changes (it is stored byte for byte), so the numbers and offsets are stable. Offsets are
Unicode code points, 0-based, end exclusive; ``text[start:end]`` is the sentence exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADING_MARK = "[H2]"
SEGMENTATIONS = ("lines", "sentences")
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "brig", "capt", "cpt", "sgt",
    "adm", "cmdr", "gov", "sen", "rep", "amb", "st", "jr", "sr", "no", "nos", "vol", "pp", "ch",
    "art", "para", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "vs", "approx", "inc", "co", "corp", "ltd", "dept", "fig", "ibid",
})
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"(\S+)$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source, with where it stands in the text."""

    number: int  # 1-based, in document order
    start: int  # offset of the first character (Unicode code points, 0-based)
    end: int  # offset after the last character
    text: str
    lines: tuple[int, ...]  # 1-based line numbers it spans

    @property
    def id(self) -> str:
        """The sentence's id within its document (``s12``), the fragment of its IRI."""
        return f"s{self.number}"

    @property
    def is_heading(self) -> bool:
        """Whether the sentence is a section heading (marked ``[H2]`` in the text)."""
        return self.text.startswith(HEADING_MARK)


def _line_spans(text: str) -> list[tuple[int, int, int]]:
    """(line number, start, end) of every non-empty line."""
    spans: list[tuple[int, int, int]] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            spans.append((number, offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def _units(text: str, joins: Sequence[Sequence[int]]) -> list[tuple[int, int, tuple[int, ...]]]:
    """(start, end, lines) of each non-empty line, with the ``joins`` ranges merged."""
    spans = _line_spans(text)
    last_of = {n: last for first, last in joins for n in range(first, last + 1)}
    units = []
    index = 0
    while index < len(spans):
        number, start, end = spans[index]
        lines = [number]
        if number in last_of:
            while index + 1 < len(spans) and spans[index + 1][0] <= last_of[number]:
                index += 1
                lines.append(spans[index][0])
                end = spans[index][2]
        units.append((start, end, tuple(lines)))
        index += 1
    return units


def _is_abbreviation(before: str) -> bool:
    """Whether the word ending at a period is an abbreviation rather than a sentence's end."""
    found = _WORD_BEFORE.search(before)
    if found is None:
        return False
    word = found.group(1).lstrip("\"'“‘([")
    bare = word[:-1] if word.endswith(".") else word
    if "." in bare:  # U.S., e.g., i.e.
        return True
    if len(bare) == 1 and bare.isalpha() and bare.isupper():  # an initial
        return True
    return bare.casefold() in ABBREVIATIONS


def sentence_cuts(paragraph: str) -> list[int]:
    """Offsets in ``paragraph`` after which a new sentence starts (white space skipped)."""
    cuts = []
    for match in _END.finditer(paragraph):
        if match.group(0)[0] == "." and _is_abbreviation(paragraph[:match.start() + 1]):
            continue
        cuts.append(match.end())
    return cuts


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the unit ``text[start:end]``."""
    paragraph = text[start:end]
    pieces = []
    begin = 0
    for cut in [*sentence_cuts(paragraph), len(paragraph)]:
        piece = paragraph[begin:cut]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            pieces.append((start + begin + lead, start + begin + lead + len(stripped)))
        begin = cut
    return pieces


def _lines_between(text: str, start: int, end: int) -> tuple[int, ...]:
    first = text.count("\n", 0, start) + 1
    return tuple(range(first, first + text.count("\n", start, end) + 1))


def split_sentences(text: str, joins: Sequence[Sequence[int]] | None = None,
                    segmentation: str = "lines") -> tuple[Sentence, ...]:
    """The sentences of ``text`` (see the module docstring for the two ways to cut)."""
    if segmentation not in SEGMENTATIONS:
        raise ValueError(f"segmentation {segmentation!r} is not one of {SEGMENTATIONS}")
    sentences: list[Sentence] = []
    for start, end, lines in _units(text, joins or ()):
        spans = [(start, end)] if segmentation == "lines" else _split_unit(text, start, end)
        for begin, finish in spans:
            span_lines = lines if segmentation == "lines" else _lines_between(text, begin, finish)
            sentences.append(Sentence(len(sentences) + 1, begin, finish, text[begin:finish],
                                      span_lines))
    return tuple(sentences)
