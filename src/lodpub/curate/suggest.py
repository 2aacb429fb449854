"""Suggestions for curating a new document, sentence by sentence. Pure functions, no I/O.

For each sentence: the known entities it names (labels and aliases of data/entities/, matched
with the reconciliation matcher of ``names``), the dates it contains (with the authoring form a
record would use), and cue words that hint at the kind of claim ("likely" -> forecast?,
"should" -> recommendation?, "not" -> negated?, "said" -> quotation?). These are hints for a
curator, never records: nothing here is published until a curator writes records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lodpub.curate.names import normalise, skeleton
from lodpub.pipeline.sentences import Sentence

VARIANT_SCORE = 96.0  # the matcher's score for a transliteration variant (Hizballah/Hezbollah)
SHORT_NAME = 4  # names this short (UK, HMC, ISF) are matched exactly, case and all
MIN_SKELETON = 5  # shorter consonant skeletons match too much to be evidence
MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
               "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12})
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_PATTERNS = (
    re.compile(r"\b(?P<day>\d{1,2}) " + _MONTH + r",? (?P<year>\d{4})\b", re.I),
    re.compile(r"\b" + _MONTH + r" (?P<day>\d{1,2}),? (?P<year>\d{4})\b", re.I),
    re.compile(r"\b(?P<year>\d{4})-(?P<nmonth>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"\b" + _MONTH + r" (?P<year>\d{4})\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d{2})\b"),
)
DEADLINE = re.compile(r"\b(by|no later than|before|until|through)\s+(the\s+end\s+of\s+)?$", re.I)
CUES: tuple[tuple[str, str], ...] = (
    ("forecast?", r"likely|unlikely|may|might|will|would|could|expected to|set to|probably|"
                  r"perhaps|possibly"),
    ("recommendation?", r"should|must|needs?|need to|ought to|has to|have to|is critical that|"
                        r"it is essential"),
    ("negated?", r"not(?! only)|no(?! later| sooner)|never|unable|cannot|can't|won't|neither|"
                 r"nor|without|none"),
    ("quotation?", r"said|says|told|according to|stated|quoted|“|\""),
    ("hypothetical?", r"if|unless|were to|in case"),
)
_CUE_PATTERNS = tuple((kind, re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I))
                      for kind, words in CUES)


@dataclass(frozen=True)
class KnownName:
    """One name of a known entity: its label or an alias."""

    entity: str
    name: str
    label: str


def known_names(entities: Iterable[Any]) -> list[KnownName]:
    """Every label and alias of ``entities`` (``records.Entity``), as the matcher reads them."""
    return [KnownName(e.id, name, e.label) for e in entities for name in (e.label, *e.aliases)]


def _window_skeletons(words: Sequence[str], longest: int) -> set[str]:
    """The consonant skeleton of every run of up to ``longest`` words."""
    found = set()
    for width in range(1, longest + 1):
        for start in range(0, max(0, len(words) - width) + 1):
            found.add(skeleton(" ".join(words[start:start + width])))
    return found


def entities_in(text: str, names: Sequence[KnownName]) -> list[dict[str, Any]]:
    """Known entities a sentence names, surest first.

    The reconciliation matcher's own tests (``names``): a name whose normalised form occurs
    in the sentence (score 100), or one whose consonant skeleton equals that of a run of the
    sentence's words, as transliteration variants do (96). Short names (UK, HMC) only match
    exactly, case and all.
    """
    words = re.findall(r"[\w'’.-]+", text)
    plain = f" {normalise(text)} "
    longest = max((len(n.name.split()) for n in names), default=1)
    skeletons = _window_skeletons(words, min(longest, 8))
    best: dict[str, dict[str, Any]] = {}
    for known in names:
        if len(known.name) <= SHORT_NAME:
            score = 100.0 if re.search(rf"(?<!\w){re.escape(known.name)}(?!\w)", text) else 0.0
        elif f" {normalise(known.name)} " in plain:
            score = 100.0
        else:
            shape = skeleton(known.name)
            score = VARIANT_SCORE if len(shape) >= MIN_SKELETON and shape in skeletons else 0.0
        if score and score > best.get(known.entity, {}).get("score", 0):
            best[known.entity] = {"id": known.entity, "label": known.label,
                                  "matched": known.name, "score": score}
    return sorted(best.values(), key=lambda m: (-m["score"], m["id"]))


def dates_in(text: str) -> list[dict[str, str]]:
    """Dates a sentence contains, most precise first, each with its authoring form."""
    found: list[dict[str, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            parts = match.groupdict()
            month = parts.get("nmonth") or (MONTHS[parts["month"].lower()]
                                             if parts.get("month") else None)
            value = parts["year"] + (f"-{int(month):02d}" if month else "")
            value += f"-{int(parts['day']):02d}" if parts.get("day") and month else ""
            entry = {"text": match.group(0), "date": value}
            if DEADLINE.search(text[:match.start()]):
                entry["hint"] = "a deadline or an end? (latestDate / endDate on a planned event)"
            found.append(entry)
    return sorted(found, key=lambda d: text.find(d["text"]))


def cues_in(text: str) -> list[dict[str, str]]:
    """Cue words hinting at the kind of claim, each with the kind it suggests."""
    found = []
    for kind, pattern in _CUE_PATTERNS:
        words = sorted({m.group(0).lower() for m in pattern.finditer(text)})
        if words:
            found.append({"kind": kind, "cues": ", ".join(words)})
    return found


def sentence_suggestions(sentences: Sequence[Sentence], names: Sequence[KnownName]
                         ) -> list[dict[str, Any]]:
    """The curation worksheet of a document: one entry per sentence, all suggestions."""
    entries = []
    for sentence in sentences:
        entry: dict[str, Any] = {"sentence": sentence.id, "lines": list(sentence.lines),
                                 "start": sentence.start, "end": sentence.end,
                                 "text": sentence.text}
        for key, found in (("entities", entities_in(sentence.text, names)),
                           ("dates", dates_in(sentence.text)),
                           ("kind_cues", cues_in(sentence.text))):
            if found:
                entry[key] = found
        entries.append(entry)
    return entries
