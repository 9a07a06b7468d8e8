"""Charts of evaluations as SVG drawn here (no plotting stack), and PNG rendered from that SVG by CairoSVG.

    radar_svg       the dimension scores of one evaluation on a radar (one axis per dimension, 0–100)
    comparison_svg  several peers' totals and dimension scores as grouped horizontal bars

Every label is wrapped (textfit) and measured first; the canvas is then sized around the drawing and its
labels, so no label runs off it and no name is cut inside a word. Each line of a label is its own <text>.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .fonts import SVG_FAMILIES, register_with_fontconfig
from .textfit import text_width, wrap

__all__ = ["ASCENT", "DESCENT", "FONT_SIZE", "comparison_svg", "radar_svg", "to_png"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FONT_SIZE = 12
TITLE_SIZE = 15
# A line's box around its baseline, in em: generous for CJK faces, whose ideographs reach about 0.88 em up.
ASCENT, DESCENT = 1.0, 0.3
LINE = ASCENT + DESCENT
MARGIN = 14
# Characters XML 1.0 does not allow: a name carrying one would make the whole SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class _Label:
    """Lines of text laid out from a top-left box corner (``x`` is where ``anchor`` puts the lines)."""

    lines: list[str]
    size: float = FONT_SIZE
    anchor: str = "start"
    fill: str = "#222"

    @property
    def width(self) -> float:
        return max((text_width(line, self.size) for line in self.lines), default=0.0)

    @property
    def height(self) -> float:
        return len(self.lines) * LINE * self.size

    def svg(self, x: float, top: float) -> str:
        out = []
        for i, line in enumerate(self.lines):
            baseline = top + (i * LINE + ASCENT) * self.size
            out.append(f"<text x='{x:.1f}' y='{baseline:.1f}' text-anchor='{self.anchor}' font-size='{self.size}' "
                       f"fill='{self.fill}'>{escape(_NOT_XML.sub('', line))}</text>")
        return "".join(out)


def _open(width: float, height: float) -> list[str]:
    w, h = math.ceil(width), math.ceil(height)
    return [(f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}' "
             f"font-family={quoteattr(SVG_FAMILIES)} font-size='{FONT_SIZE}'>"),
            "<rect width='100%' height='100%' fill='white'/>"]


def radar_svg(title: str, dimensions: list[dict], radius: float = 130, label_width: float = 120) -> str:
    """``dimensions``: [{"code", "name", "score" (0–100), "applicable"}] in model order."""
    n = len(dimensions)

    def unit(i: int) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / max(n, 1)
        return math.cos(angle), math.sin(angle)

    # Each axis label is placed beside the end of its axis, on the outside, relative to the centre (0, 0).
    placed: list[tuple[_Label, float, float, float, float]] = []  # label, anchor x, top, box left, box right
    for i, d in enumerate(dimensions):
        c, s = unit(i)
        anchor = "middle" if abs(c) < 0.3 else ("start" if c > 0 else "end")
        # A dimension that does not apply to the subject (an agency makes no products) is marked, not scored 0.
        figure = f"{float(d['score']):.1f}" if d.get("applicable", True) else "—"
        label = _Label([*wrap(d["name"], label_width, FONT_SIZE), figure], anchor=anchor)
        px, py = (radius + 10) * c, (radius + 10) * s
        top = py - label.height if s < -0.3 else (py if s > 0.3 else py - label.height / 2)
        left = {"start": px, "end": px - label.width, "middle": px - label.width / 2}[anchor]
        placed.append((label, px, top, left, left + label.width))
    min_x = min([-radius, *(p[3] for p in placed)])
    max_x = max([radius, *(p[4] for p in placed)])
    min_y = min([-radius, *(p[2] for p in placed)])
    max_y = max([radius, *(p[2] + p[0].height for p in placed)])
    heading = _Label(wrap(title, max(max_x - min_x, 320), TITLE_SIZE, max_lines=3), size=TITLE_SIZE,
                     anchor="middle")
    width = max(max_x - min_x, heading.width) + 2 * MARGIN
    content_top = MARGIN + heading.height + 10
    height = content_top + (max_y - min_y) + MARGIN
    cx = (width - (max_x - min_x)) / 2 - min_x
    cy = content_top - min_y

    def point(i: int, value: float) -> tuple[float, float]:
        c, s = unit(i)
        return cx + radius * value / 100 * c, cy + radius * value / 100 * s

    parts = [*_open(width, height), heading.svg(width / 2, MARGIN)]
    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f"<polygon points='{pts}' fill='none' stroke='#ccc'/>")
    for i, (label, px, top, _, _) in enumerate(placed):
        x, y = point(i, 100)
        parts.append(f"<line x1='{cx:.1f}' y1='{cy:.1f}' x2='{x:.1f}' y2='{y:.1f}' stroke='#ccc'/>")
        parts.append(label.svg(cx + px, cy + top))
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, float(d["score"])) for i, d in enumerate(dimensions)))
    parts.append(f"<polygon class='scores' points='{pts}' fill='{PALETTE[0]}' fill-opacity='0.3' "
                 f"stroke='{PALETTE[0]}' stroke-width='2'/>")
    parts.append("</svg>")
    return "".join(parts)


def comparison_svg(title: str, peers: list[dict], label_width: float = 150, plot_width: float = 400) -> str:
    """``peers``: [{"name", "total", "dimensions": [{"name", "score"}]}]; one bar group per dimension."""
    dims = [d["name"] for d in peers[0]["dimensions"]] if peers else []
    rows = [_Label(wrap(row, label_width, FONT_SIZE), anchor="end") for row in ["总分 total", *dims]]
    legend = [_Label(wrap(p["name"], plot_width, FONT_SIZE)) for p in peers]
    bar, gap = 12, 12
    left = MARGIN + max((r.width for r in rows), default=0.0) + 8
    scale = plot_width / 100
    value_room = 6 + text_width("100.0", FONT_SIZE)
    content_width = left + plot_width + value_room + MARGIN
    heading = _Label(wrap(title, content_width - 2 * MARGIN, TITLE_SIZE, max_lines=3), size=TITLE_SIZE,
                     anchor="middle")
    legend_width = left + 16 + max((label.width for label in legend), default=0.0) + MARGIN
    width = max(content_width, legend_width, heading.width + 2 * MARGIN)
    y = MARGIN + heading.height + 10
    body: list[str] = []
    tick_label = _Label(["0"], anchor="middle", fill="#666")
    for r, row in enumerate(rows):
        group = max(len(peers) * bar, row.height)
        body.append(row.svg(left - 8, y + (group - row.height) / 2))
        bar_y = y + (group - len(peers) * bar) / 2
        for p, peer in enumerate(peers):
            value = float(peer["total"] if r == 0 else peer["dimensions"][r - 1]["score"])
            body.append(f"<rect class='bar' x='{left}' y='{bar_y:.1f}' width='{value * scale:.1f}' "
                        f"height='{bar - 2}' fill='{PALETTE[p % len(PALETTE)]}'/>")
            body.append(_Label([f"{value:.1f}"], size=10).svg(left + value * scale + 4, bar_y - 1))
            bar_y += bar
        y += group + gap
    plot_bottom = y - gap / 2
    grid = [f"<line x1='{left + t * scale:.1f}' y1='{MARGIN + heading.height + 6:.1f}' x2='{left + t * scale:.1f}' "
            f"y2='{plot_bottom:.1f}' stroke='#eee'/>" for t in range(0, 101, 20)]
    ticks = [_Label([str(t)], size=10, anchor="middle", fill="#666").svg(left + t * scale, plot_bottom + 2)
             for t in range(0, 101, 20)]
    y = plot_bottom + tick_label.height + 12
    for p, label in enumerate(legend):
        body.append(f"<rect x='{left}' y='{y + 2:.1f}' width='10' height='10' fill='{PALETTE[p % len(PALETTE)]}'/>")
        body.append(label.svg(left + 16, y))
        y += label.height + 4
    height = y + MARGIN
    return "".join([*_open(width, height), heading.svg(width / 2, MARGIN), *grid, *body, *ticks, "</svg>"])


def to_png(svg: str, scale: float = 1.0) -> bytes:
    import cairosvg  # imported on use: only PNG requests need the Cairo library

    register_with_fontconfig()
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
