"""Rectangles gathered while a page of the table is laid out, then drawn a colour at a time.

The same picture for fewer colour changes, as long as the rectangles of one layer do not overlap;
a higher layer is drawn over a lower one. A filled rectangle may have rounded corners: it is drawn
smaller by the radius and outlined in its own colour with a line twice the radius wide, whose round
joins round the corners off (one ``re`` for fpdf2 to write, instead of four arcs).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sync_protocol.report.typeface import draw_rects

if TYPE_CHECKING:
    from fpdf import FPDF

Rect = tuple[float, float, float, float]


@dataclass(slots=True)
class Shapes:
    _fills: defaultdict[tuple[int, str, float], list[Rect]] = field(default_factory=lambda: defaultdict(list))
    _outlines: defaultdict[tuple[str, float], list[Rect]] = field(default_factory=lambda: defaultdict(list))

    def fill(self, color: str, x: float, y: float, w: float, h: float, *, radius: float = 0.0, layer: int = 0) -> None:
        self._fills[layer, color, radius].append((x, y, w, h))

    def outline(self, color: str, line_width: float, x: float, y: float, w: float, h: float) -> None:
        self._outlines[color, line_width].append((x, y, w, h))

    def draw(self, pdf: FPDF) -> None:
        """Draw what was gathered, and forget it."""
        from fpdf.enums import RenderStyle  # the style as fpdf2 keeps it: rect() need not parse a string

        fills = sorted(self._fills.items(), key=lambda item: item[0][0])
        rounded = any(radius for (_, _, radius), _ in fills)
        with pdf.local_context(stroke_join_style="round") if rounded else nullcontext():
            for (_, color, radius), rects in fills:
                pdf.set_fill_color(color)
                if radius:
                    pdf.set_draw_color(color)
                    pdf.set_line_width(2 * radius)
                if radius:
                    inset = [(x + radius, y + radius, w - 2 * radius, h - 2 * radius) for x, y, w, h in rects]
                    draw_rects(pdf, inset, RenderStyle.DF)
                else:
                    draw_rects(pdf, rects, RenderStyle.F)
        for (color, line_width), rects in self._outlines.items():
            pdf.set_draw_color(color)
            pdf.set_line_width(line_width)
            draw_rects(pdf, rects, RenderStyle.D)
        self._fills.clear()
        self._outlines.clear()
