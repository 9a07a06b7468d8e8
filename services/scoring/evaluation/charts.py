"""Charts of evaluations as SVG drawn here (no plotting stack), and PNG rendered from that SVG by CairoSVG.

    radar_svg       the dimension scores of one evaluation on a radar (one axis per dimension, 0–100)
    comparison_svg  several peers' totals and dimension scores as grouped horizontal bars
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

__all__ = ["comparison_svg", "radar_svg", "to_png"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FONT = "font-family='Noto Sans CJK SC, WenQuanYi Micro Hei, DejaVu Sans, sans-serif'"


def _label(text: str, limit: int = 18) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def radar_svg(title: str, dimensions: list[dict], size: int = 480) -> str:
    """``dimensions``: [{"code", "name", "score" (0–100)}] in model order."""
    cx = cy = size / 2
    radius = size * 0.32
    n = len(dimensions)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * value / 100 * math.cos(angle), cy + radius * value / 100 * math.sin(angle)

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' "
             f"viewBox='0 0 {size} {size}' {FONT} font-size='12'>",
             "<rect width='100%' height='100%' fill='white'/>",
             f"<text x='{cx}' y='22' text-anchor='middle' font-size='15'>{_label(title, 40)}</text>"]
    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f"<polygon points='{pts}' fill='none' stroke='#ccc'/>")
    for i, d in enumerate(dimensions):
        x, y = point(i, 100)
        lx, ly = point(i, 118)
        parts.append(f"<line x1='{cx}' y1='{cy}' x2='{x:.1f}' y2='{y:.1f}' stroke='#ccc'/>")
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        parts.append(f"<text x='{lx:.1f}' y='{ly:.1f}' text-anchor='{anchor}'>{_label(d['name'])} "
                     f"{float(d['score']):.1f}</text>")
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, float(d["score"])) for i, d in enumerate(dimensions)))
    parts.append(f"<polygon class='scores' points='{pts}' fill='{PALETTE[0]}' fill-opacity='0.3' "
                 f"stroke='{PALETTE[0]}' stroke-width='2'/>")
    parts.append("</svg>")
    return "".join(parts)


def comparison_svg(title: str, peers: list[dict], width: int = 720) -> str:
    """``peers``: [{"name", "total", "dimensions": [{"name", "score"}]}]; one bar group per dimension."""
    dims = [d["name"] for d in peers[0]["dimensions"]] if peers else []
    rows = ["总分 total", *dims]
    bar, gap, left = 12, 14, 190
    height = 60 + len(rows) * (len(peers) * bar + gap) + 20 * len(peers)
    scale = (width - left - 60) / 100
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' {FONT} font-size='12'>",
             "<rect width='100%' height='100%' fill='white'/>",
             f"<text x='{width / 2}' y='22' text-anchor='middle' font-size='15'>{_label(title, 60)}</text>"]
    y = 40.0
    for r, row in enumerate(rows):
        parts.append(f"<text x='{left - 8}' y='{y + len(peers) * bar / 2 + 4:.1f}' text-anchor='end'>"
                     f"{_label(row, 24)}</text>")
        for p, peer in enumerate(peers):
            value = float(peer["total"] if r == 0 else peer["dimensions"][r - 1]["score"])
            parts.append(f"<rect class='bar' x='{left}' y='{y:.1f}' width='{value * scale:.1f}' height='{bar - 2}' "
                         f"fill='{PALETTE[p % len(PALETTE)]}'/>")
            parts.append(f"<text x='{left + value * scale + 4:.1f}' y='{y + bar - 3:.1f}'>{value:.1f}</text>")
            y += bar
        y += gap
    for p, peer in enumerate(peers):
        parts.append(f"<rect x='{left}' y='{y:.1f}' width='10' height='10' fill='{PALETTE[p % len(PALETTE)]}'/>"
                     f"<text x='{left + 16}' y='{y + 9:.1f}'>{_label(peer['name'], 40)}</text>")
        y += 20
    parts.append("</svg>")
    return "".join(parts)


def to_png(svg: str) -> bytes:
    import cairosvg  # imported on use: only PNG requests need the Cairo library

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"))
