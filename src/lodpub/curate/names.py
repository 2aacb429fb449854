"""Name matching for reconciliation and link proposals: normalisation and fuzzy scores.

Names of the same group reach lodpub in many spellings: "Kataib Hezbollah", "Kata'ib
Hizballah", "Kataʼib Ḥizbullah", "Popular Mobilization Forces" / "PMF", "al-Sudani" / "Sudani".
``normalise`` removes what never distinguishes two names (case, diacritics, apostrophes and
ʿayn/hamza marks, hyphens, punctuation); ``skeleton`` further drops vowels and doubled
letters, so Arabic transliteration variants (Hezbollah, Hizballah, Hizbullah) meet. Scores are
0-100 from rapidfuzz, the exact and acronym cases on top.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz

# Apostrophes, quotes and the letters used for ʿayn and hamza in transliterations.
_MARKS = re.compile(r"['\u2018\u2019\u201b\u02bc\u02bb\u02be\u02bf\u0060\u00b4\u2032]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")
# Arabic article and connectives that transliterations add or drop ("al-Sudani" / "Sudani").
_ARTICLES = {"al", "el", "ul", "ad", "an", "ar", "as", "at", "az", "the", "of"}


def normalise(name: str) -> str:
    """Lower-case ASCII words of ``name``: no diacritics, apostrophes, hyphens or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = _MARKS.sub("", stripped).casefold()
    return _NON_WORD.sub(" ", stripped).strip()


def _content_words(normalised: str) -> list[str]:
    words = normalised.split()
    kept = [w for w in words if w not in _ARTICLES]
    return kept or words


def skeleton(name: str) -> str:
    """A consonant skeleton of ``name``, shared by transliteration variants (Hizballah)."""
    words = []
    for word in _content_words(normalise(name)):
        word = _REPEATS.sub(r"\1", word)
        consonants = word[0] + _VOWELS.sub("", word[1:]) if word else word
        words.append(_REPEATS.sub(r"\1", consonants))
    return " ".join(words)


def acronym(name: str) -> str:
    """The initials of ``name``'s content words ("Popular Mobilization Forces" -> "pmf")."""
    words = _content_words(normalise(name))
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def name_score(query: str, name: str) -> float:
    """How well ``query`` matches ``name``, 0-100; 100 only when they normalise alike."""
    q, n = normalise(query), normalise(name)
    if not q or not n:
        return 0.0
    if q == n:
        return 100.0
    qc, nc = " ".join(_content_words(q)), " ".join(_content_words(n))
    if qc == nc:
        return 98.0
    scores = [
        fuzz.ratio(q, n) * 0.97,
        fuzz.token_sort_ratio(qc, nc) * 0.95,
        # a name inside a longer one: the more of the longer name it covers, the better
        fuzz.token_set_ratio(qc, nc) * 0.85 * (0.9 + 0.1 * min(len(qc), len(nc))
                                               / max(len(qc), len(nc))),
    ]
    qs, ns = skeleton(query), skeleton(name)
    if qs and ns:
        scores.append(96.0 if qs == ns else fuzz.ratio(qs, ns) * 0.9)
    if q.replace(" ", "") in (acronym(name), n.replace(" ", "")):
        scores.append(92.0)
    return round(max(scores), 2)


def best_name_score(query: str, names: Iterable[str]) -> tuple[float, str]:
    """The best score of ``query`` against any of ``names``, and the name that gave it."""
    best = (0.0, "")
    for name in names:
        score = name_score(query, name)
        if score > best[0]:
            best = (score, name)
    return best
