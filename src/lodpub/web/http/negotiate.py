"""Content negotiation over the format table (``lodpub.formats``): one function for every route.

``choose`` picks the answer's format from a ``format`` (or ``output``) parameter, which wins, then
from the ``Accept`` header (q-values honoured; among equal qualities the first offered format,
the default, wins), and raises ``NotAcceptable`` naming what is available. A format's canonical
media type matches any range (``text/*``, ``*/*``); its other media types only when named
exactly (``application/json`` selects JSON-LD among documents). No Flask here: the callers pass
the header and parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from lodpub.errors import NotAcceptable
from lodpub.formats import Format, by_name

Range = tuple[str, str, float]


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an Accept header as (type, subtype, q), in header order."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((kind, sub, q))
    return ranges


def quality(ranges: list[Range], media_type: str) -> float:
    """The q the client gives ``media_type``: that of the most specific matching range."""
    kind, _, sub = media_type.lower().partition("/")
    best, specificity = 0.0, -1
    for r_kind, r_sub, q in ranges:
        if (r_kind, r_sub) == (kind, sub):
            level = 2
        elif r_kind == kind and r_sub == "*":
            level = 1
        elif (r_kind, r_sub) == ("*", "*"):
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def format_quality(ranges: list[Range], fmt: Format) -> float:
    """A format's q: its canonical type by any range; another of its types only when named."""
    q = quality(ranges, fmt.media_type)
    for alias in fmt.other_types:
        kind, _, sub = alias.partition("/")
        exact = [rq for r_kind, r_sub, rq in ranges if (r_kind, r_sub) == (kind, sub)]
        if exact:
            q = max(q, exact[0])
    return q


def not_acceptable(offered: Sequence[Format], what: str) -> NotAcceptable:
    """406 naming the formats that are available."""
    types = ", ".join(f.media_type for f in offered)
    return NotAcceptable(f"cannot answer {what} in any format your Accept header allows; "
                         f"available: {types} (or pass format=…)")


def choose(offered: Sequence[Format], what: str, *, accept: str | None,
           requested: str | None = None) -> Format:
    """The format to answer in: ``requested`` (a ``format=`` value) first, then ``accept``."""
    if requested:
        found = by_name(requested, offered)
        if found is None:
            raise not_acceptable(offered, f"{what} as format={requested!r}")
        return found
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    scored = [(format_quality(ranges, f), -i, f) for i, f in enumerate(offered)]
    q, _, best = max(scored, key=lambda t: (t[0], t[1]))
    if q <= 0:
        raise not_acceptable(offered, what)
    return best


def best_media_type(accept: str | None, candidates: Sequence[str]) -> str | None:
    """The candidate media type with the highest q (the earliest among equals), or None."""
    ranges = parse_accept(accept)
    if not ranges:
        return candidates[0] if candidates else None
    scored = [(quality(ranges, c), -i, c) for i, c in enumerate(candidates)]
    q, _, best = max(scored)
    return best if q > 0 else None


def prefers_html(accept: str | None) -> bool:
    """Whether the client (a browser) ranks HTML above JSON and RDF."""
    return bool(accept) and best_media_type(
        accept, ["application/json", "text/turtle", "text/html"]) == "text/html"
