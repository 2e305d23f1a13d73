"""Page geometry, type and colour of the PDF report: one quiet palette with one accent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"

PAGE_W = 210.0
PAGE_H = 297.0
MARGIN = 16.0
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = 18.0  # room kept for the footer

INK = "#1f2933"
MUTED = "#6b7785"
FAINT = "#9aa5b1"
RULE = "#d9dee4"
PANEL = "#f3f5f7"
ZEBRA = "#f7f8fa"
ACCENT = "#2a7f62"
ACCENT_LIGHT = "#d4ebe1"
GOOD = "#2a7f62"
BAD = "#b5473a"
MISS = "#e9b3aa"
SKIP = "#c9d0d8"

# Heatmap: nothing done, then four steps up to every scheduled habit done.
HEAT = ("#eceff2", "#cde9dc", "#8fcfb2", "#4ea883", "#2a7f62")


def use(pdf: FPDF, size: float, *, bold: bool = False, color: str = INK) -> None:
    """Set font, size and text colour in one call."""
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.set_text_color(color)


def shrink_to_fit(pdf: FPDF, text: str, width: float, size: float, *, bold: bool = False, smallest: float = 9.0) -> str:
    """Set the largest font size from ``size`` down to ``smallest`` at which ``text`` fits ``width``.

    Returns the text to draw: whole, or (only if it is too wide even at ``smallest``) cut by :func:`fit`.
    """
    while True:
        pdf.set_font(FAMILY, "B" if bold else "", size)
        if pdf.get_string_width(text) <= width or size <= smallest:
            return fit(pdf, text, width)
        size = max(smallest, size - 0.5)


def fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdf.get_string_width(text[:mid].rstrip() + "…") <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"
