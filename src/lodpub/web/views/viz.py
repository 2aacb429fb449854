"""Server-side SVG pictures: a timeline of events and a network of actors. No I/O, no JS.

Both return ``Markup`` ready to inline in a page (every text and link escaped), or a standalone
SVG document. Layouts are deterministic: the same release draws the same picture.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from lodpub.web.views.vizdata import Edge, Event

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
LABEL_W, PLOT_W, ROW_H, TOP = 360, 620, 22, 64
HALO = 'paint-order="stroke" stroke="#fff" stroke-width="3"'  # labels readable over edges
GRAVITY = 0.6  # pull towards the centre, relative to the ideal edge length
EDGE_COLOURS = {"membership": "#2b6cb0", "control": "#c05621", "backing": "#2f855a",
                "designation": "#c53030", "alliance": "#6b46c1"}
GROUP_COLOURS = {"state": "#2c5282", "armed group": "#9b2c2c", "person": "#744210",
                 "government": "#285e61", "place": "#4a5568", "organization": "#553c9a"}


def _wrap(body: list[str], width: float, height: float, title: str, standalone: bool) -> Markup:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    return Markup(
        f'{head}<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _short(text: str, size: int = 50) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


class YearScale:
    """Years -> x, with long empty stretches (more than ``GAP`` years) squeezed to a break.

    The 1980s and the 2020s then both stay readable; each squeezed stretch is drawn as a
    break (a zigzag) so nobody reads the axis as linear across it.
    """

    GAP, SQUEEZED = 4.0, 1.0

    def __init__(self, spans: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for start, end in sorted((math.floor(a), math.ceil(b)) for a, b in spans):
            if merged and start <= merged[-1][1] + self.GAP:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.segments = [(a, b) for a, b in merged]
        self.breaks: list[float] = []  # positions (scaled years) of squeezed gaps
        self.offsets, total = [], 0.0
        for index, (a, b) in enumerate(self.segments):
            if index:
                self.breaks.append(total + self.SQUEEZED / 2)
                total += self.SQUEEZED
            self.offsets.append(total)
            total += b - a
        self.total = max(total, 1.0)

    def __call__(self, year: float) -> float:
        """The x of ``year`` (clamped into the nearest segment)."""
        for (a, b), offset in zip(self.segments, self.offsets, strict=True):
            if year <= b:
                return LABEL_W + (offset + max(0.0, year - a)) / self.total * PLOT_W
        a, b = self.segments[-1]
        return LABEL_W + (self.offsets[-1] + b - a) / self.total * PLOT_W

    def years(self) -> list[int]:
        """The whole years shown on the axis (not those inside a break)."""
        return [y for a, b in self.segments for y in range(int(a), int(b) + 1)]


def timeline_svg(events: list[Event], standalone: bool = False) -> Markup:
    """A Gantt-like timeline: one row per event, its mark as wide as its date's precision."""
    if not events:
        return _wrap(['<text x="10" y="20">No dated events.</text>'], 400, 30, "timeline",
                     standalone)
    x = YearScale([(e.start, e.end) for e in events])
    height = TOP + ROW_H * len(events) + 20
    body = [_legend(), *_axis(x, height)]
    for row, event in enumerate(events):
        body.append(_event_row(event, TOP + row * ROW_H, x))
    return _wrap(body, LABEL_W + PLOT_W + 250, height, "Timeline of dated and planned events",
                 standalone)


def _legend() -> str:
    return (
        '<g class="legend" font-size="11">'
        '<circle cx="12" cy="14" r="5" fill="#2d3748"/>'
        '<text x="22" y="18">happened (reported fact)</text>'
        '<path d="M 192 9 l 5 5 l -5 5 l -5 -5 z" fill="#fff" stroke="#c05621" stroke-width="2"/>'
        '<text x="202" y="18">planned: deadline ("by …")</text>'
        '<circle cx="392" cy="14" r="5" fill="#fff" stroke="#6b46c1" stroke-width="2" '
        'stroke-dasharray="2 2"/><text x="402" y="18">only claimed (forecast, assessment, …)</text>'
        '<rect x="572" y="9" width="14" height="10" rx="2" fill="#fff5f5" stroke="#c53030" '
        'stroke-width="2" stroke-dasharray="5 2"/><text x="592" y="18">disputed: sources '
        'differ</text>'
        '<text x="12" y="34" fill="#4a5568">A mark is as wide as the precision of its date: '
        'a year, a month or a day. A zigzag on the axis skips years with no events.</text></g>'
    )


def _axis(x: YearScale, height: float) -> list[str]:
    years = x.years()
    out = []
    for year in years:
        out.append(f'<line x1="{x(year):.1f}" y1="{TOP - 12}" x2="{x(year):.1f}" '
                   f'y2="{height - 16}" stroke="#e2e8f0"/>')
    labelled: list[float] = []
    starts = [int(a) for a, _ in x.segments]
    for year in starts + years:  # each segment's first year, then others where there is room
        if all(abs(x(year) - other) >= 34 for other in labelled):
            labelled.append(x(year))
            out.append(f'<text x="{x(year):.1f}" y="{TOP - 16}" text-anchor="middle" '
                       f'fill="#4a5568">{year}</text>')
    for position in x.breaks:
        px = LABEL_W + position / x.total * PLOT_W
        out.append(f'<path class="axis-break" d="M {px - 4:.1f} {TOP - 30} l 4 -4 l 4 8 l 4 -4" '
                   'fill="none" stroke="#718096" stroke-width="1.5"/>')
    return out


def _event_row(event: Event, top: float, x) -> str:
    mid = top + ROW_H / 2
    label = escape(_short(event.term.text))
    status = f"{event.status} ({event.modality})" if event.modality else event.status
    tip = escape(f"{event.term.text}: {event.when}; {status}"
                 + (f'; as written: "{event.date_text}"' if event.date_text else ""))
    start, end = x(event.start), max(x(event.end), x(event.start) + 3)
    if event.status == "planned":
        deadline = end
        mark = (f'<line x1="{start:.1f}" y1="{mid}" x2="{deadline:.1f}" y2="{mid}" '
                'stroke="#c05621" stroke-dasharray="4 3"/>'
                f'<path d="M {deadline:.1f} {mid - 6} l 6 6 l -6 6 l -6 -6 z" '
                'fill="#fff" stroke="#c05621" stroke-width="2"/>')
    elif event.status == "disputed":
        mark = (f'<rect x="{start:.1f}" y="{mid - 5}" width="{end - start:.1f}" height="10" rx="2" '
                'fill="#fff5f5" stroke="#c53030" stroke-width="2" stroke-dasharray="5 2"/>')
    elif event.status == "claimed":
        mark = (f'<rect x="{start:.1f}" y="{mid - 5}" width="{end - start:.1f}" height="10" rx="5" '
                'fill="#fff" stroke="#6b46c1" stroke-width="2" stroke-dasharray="2 2"/>')
    else:
        mark = (f'<rect x="{start:.1f}" y="{mid - 5}" width="{end - start:.1f}" height="10" rx="5" '
                'fill="#2d3748"/>')
    href = escape(event.term.href or "")
    return (
        f'<g class="event {event.status}"><title>{tip}</title>'
        f'<a href="{href}"><text x="{LABEL_W - 8}" y="{mid + 4}" text-anchor="end" '
        f'fill="#2b6cb0">{label}</text></a>{mark}'
        f'<text x="{end + 10:.1f}" y="{mid + 4}" font-size="10" fill="#4a5568">'
        f"{escape(_short(event.when, 60))}</text></g>"
    )


def _repulse(pos: dict, nodes: list[str], shift: dict, k: float) -> None:
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            dist = max(0.01, math.hypot(dx, dy))
            force = k * k / dist
            shift[a][0] += dx / dist * force
            shift[a][1] += dy / dist * force
            shift[b][0] -= dx / dist * force
            shift[b][1] -= dy / dist * force


def _attract(pos: dict, edges: list[Edge], shift: dict, k: float) -> None:
    for edge in edges:
        a, b = edge.source, edge.target
        dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
        dist = max(0.01, math.hypot(dx, dy))
        force = dist * dist / k
        for node, sign in ((a, -1), (b, 1)):
            shift[node][0] += sign * dx / dist * force
            shift[node][1] += sign * dy / dist * force


def layout(nodes: list[str], edges: list[Edge], width: float, height: float,
           rounds: int = 400) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold with a pull to the centre (so separate groups stay in view),
    starting from a circle in IRI order: deterministic."""
    count = max(1, len(nodes))
    cx, cy = width / 2, height / 2
    pos = {n: [cx + width / 3 * math.cos(2 * math.pi * i / count),
               cy + height / 3 * math.sin(2 * math.pi * i / count)]
           for i, n in enumerate(nodes)}
    k = math.sqrt(width * height / count) * 0.7
    temperature = width / 10
    for _ in range(rounds):
        shift = {n: [(cx - pos[n][0]) * GRAVITY * k / 40, (cy - pos[n][1]) * GRAVITY * k / 40]
                 for n in nodes}
        _repulse(pos, nodes, shift, k)
        _attract(pos, edges, shift, k)
        for n in nodes:
            dist = max(0.01, math.hypot(*shift[n]))
            step = min(dist, temperature)
            pos[n][0] = min(width - 110, max(110, pos[n][0] + shift[n][0] / dist * step))
            pos[n][1] = min(height - 30, max(30, pos[n][1] + shift[n][1] / dist * step))
        temperature = max(0.5, temperature * 0.985)
    return {n: (p[0], p[1]) for n, p in pos.items()}


def network_svg(nodes: dict, edges: list[Edge], standalone: bool = False) -> Markup:
    """Actors as labelled circles linking to their pages; relations as coloured arrows."""
    width, height = 1000.0, 720.0
    if not nodes:
        return _wrap(['<text x="10" y="20">No relations between actors.</text>'], 400, 30,
                     "network", standalone)
    pos = layout(sorted(nodes), edges, width, height)
    body = [_markers()]
    for edge in edges:
        (x1, y1), (x2, y2) = pos[edge.source], pos[edge.target]
        dash = ' stroke-dasharray="5 4"' if edge.claimed else ""
        arrow = "" if edge.kind == "alliance" else f' marker-end="url(#arrow-{edge.kind})"'
        tip = escape(f"{nodes[edge.source][0].text} — {edge.label} — {nodes[edge.target][0].text}"
                     + (" (claimed, not a reported fact)" if edge.claimed else ""))
        body.append(f'<line class="edge {edge.kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                    f'y2="{y2:.1f}" stroke="{EDGE_COLOURS[edge.kind]}" stroke-width="1.6"'
                    f"{dash}{arrow}><title>{tip}</title></line>")
    for iri in sorted(nodes):
        view, group = nodes[iri]
        x, y = pos[iri]
        body.append(
            f'<a class="node" href="{escape(view.href or "")}"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="8" fill="{GROUP_COLOURS.get(group, "#553c9a")}"><title>{escape(view.text)} '
            f"({escape(group)})</title></circle><text x=\"{x:.1f}\" y=\"{y + 20:.1f}\" "
            f'text-anchor="middle" font-size="11" {HALO}>{escape(_short(view.text, 32))}'
            '</text></a>')
    return _wrap(body, width, height, "Network of actors and their relations", standalone)


def _markers() -> str:
    parts = [
        f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="19" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{colour}"/></marker>'
        for kind, colour in EDGE_COLOURS.items()
    ]
    return "<defs>" + "".join(parts) + "</defs>"
