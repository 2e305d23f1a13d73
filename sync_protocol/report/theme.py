"""Page geometry, type and colour of the PDF report (one quiet palette with one accent), and the few
helpers that set type in it: :func:`use` a font, :func:`label` a line, :func:`fit` a text to a width."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sync_protocol.report.typeface import current_font, show_text, text_operand

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.drawing_primitives import DeviceGray, DeviceRGB

Align = Literal["L", "R", "C"]

FONTS = Path(__file__).with_name("fonts")
FAMILY = "DejaVu"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
BASE_TEXT = "".join(map(chr, range(0x20, 0x7F))) + "·…–−±×▲▼\ufffd"
"""Printable ASCII and the symbols the report itself writes (text.py, period.py, the ``·`` between parts,
the ``…`` of a cut text, ``�``): the glyphs every report embeds, so that reports within them share one
font program per font (:mod:`.typeface`)."""

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


_FONT_KEYS = {False: FAMILY.lower(), True: f"{FAMILY.lower()}B"}
"""fpdf2's key of each of our fonts (family in lower case, then style)."""
MAX_WIDTHS = 20_000
"""How many measured strings :func:`width` remembers."""
_widths: dict[tuple[str, str, float, float, float, float, str], float] = {}


def use(pdf: FPDF, size: float, *, bold: bool = False, color: str = INK) -> None:
    """Set font, size and text colour in one call."""
    _set_type(pdf, size, bold)
    text_color = device_color(color)
    if pdf.text_color is not text_color:
        pdf.set_text_color(text_color)


def _set_type(pdf: FPDF, size: float, bold: bool) -> None:
    """``pdf.set_font(FAMILY, "B" if bold else "", size)``, called only for a change of font (it works through
    its arguments before it finds the font already set), and only a change of size for that."""
    if current_font(pdf)[0] != _FONT_KEYS[bold]:
        pdf.set_font(FAMILY, "B" if bold else "", size)
    elif pdf.font_size_pt != size:
        pdf.set_font_size(size)


@lru_cache(maxsize=256)
def device_color(color: str) -> DeviceRGB | DeviceGray:
    """A ``#rrggbb`` colour as fpdf2 draws it, parsed once."""
    from fpdf.drawing_primitives import color_from_hex_string

    return color_from_hex_string(color)


def width(pdf: FPDF, text: str) -> float:
    """``pdf.get_string_width(text)``, remembered: a report measures the same short strings over and over,
    and every report's fonts are the same files."""
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, pdf.char_spacing, pdf.font_stretching, pdf.k, text)
    found = _widths.get(key)
    if found is None:
        if len(_widths) >= MAX_WIDTHS:
            _widths.clear()
        found = _widths[key] = pdf.get_string_width(text)
    return found


def label(pdf: FPDF, x: float, y: float, w: float, h: float, text: str, *, align: Align = "L") -> None:
    """What ``pdf.set_xy(x, y); pdf.cell(w, h, text, align=align)`` draws (the current position aside).

    A text the current font draws alone is written as ``pdf.text`` would write it (:func:`.typeface.show_text`)
    at the place ``cell`` would put it, at a small fraction of the cost; any other (one that needs the fallback
    font) goes through ``cell``.
    """
    operand = text_operand(pdf, text)
    if operand is None:
        pdf.set_xy(x, y)
        pdf.cell(w, h, text, align=align)
        return
    if align == "L":
        x += pdf.c_margin
    else:
        room = w - width(pdf, text)
        x += room - pdf.c_margin if align == "R" else room / 2
    show_text(pdf, x, y + 0.5 * h + 0.3 * pdf.font_size, text, operand)


def inline(pdf: FPDF, x: float, y: float, text: str, *, h: float | None = None) -> float:
    """What ``pdf.set_xy(x, y); pdf.cell(h=h, text=text)`` draws (a cell as wide as its text, on a page where
    it fits), as :func:`label` draws it; returns the x where that cell ends (``pdf.get_x()`` after it)."""
    if text_operand(pdf, text) is None:
        pdf.set_xy(x, y)
        pdf.cell(h=h, text=text)
        return pdf.get_x()
    w = width(pdf, text) + pdf.c_margin + pdf.c_margin  # as cell() adds them up
    label(pdf, x, y, w, pdf.font_size if h is None else h, text)
    return x + w


def shrink_to_fit(pdf: FPDF, text: str, room: float, size: float, *, bold: bool = False, smallest: float = 9.0) -> str:
    """Set the largest font size from ``size`` down to ``smallest`` at which ``text`` fits ``room``.

    Returns the text to draw: whole, or (only if it is too wide even at ``smallest``) cut by :func:`fit`.
    """
    while True:
        _set_type(pdf, size, bold)
        if width(pdf, text) <= room:
            return text
        if size <= smallest:
            return fit(pdf, text, room)
        size = max(smallest, size - 0.5)


def fit(pdf: FPDF, text: str, room: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``room`` in the current font."""
    if width(pdf, text) <= room:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdf.get_string_width(text[:mid].rstrip() + "…") <= room:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"
