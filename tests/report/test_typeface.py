"""Fonts read once per process and shared by its reports: every document is still whole and its own,
whether it is the first of its process, a later one, or drawn while others are."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.report import theme
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.pdf import render_pdf
from sync_protocol.report.typeface import (
    DOCUMENT_SLOTS,
    SHARED_SLOTS,
    draw_rects,
    show_text,
    text_operand,
    typeface,
    write,
)
from tests.report.sample import done, large_history, make_habit

if TYPE_CHECKING:
    from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[2]
FIRST_IN_A_PROCESS = (
    "import pickle, sys\n"
    "from sync_protocol.report.pdf import render_pdf\n"
    "sys.stdout.buffer.write(render_pdf(pickle.loads(sys.stdin.buffer.read())))\n"
)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _embedded_fonts(pdf: bytes) -> list[Any]:
    resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    fonts = resources["/Font"]
    return [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts.values()]


def _latin() -> Report:
    habits, checkins = large_history(6, date(2025, 9, 1), date(2025, 11, 23))
    return build_report(habits, checkins, "week", date(2025, 11, 20))


def _greek_and_russian() -> Report:
    names = ("Μελέτη ελληνικών", "Зарядка по утрам", "Café crème")
    habits = [make_habit(name, position=i) for i, name in enumerate(names)]
    checkins = {h.id: done(date(2025, 11, 17), date(2025, 11, 18)) for h in habits}
    checkins[habits[1].id].append(CheckIn(date(2025, 11, 19), 1.0, note="Ωραία, отлично ✓"))
    return build_report(habits, checkins, "week", date(2025, 11, 19))


def test_fpdf2_font_objects_have_the_slots_typeface_copies() -> None:
    """typeface.py copies fpdf2's TTFFont slot by slot: a new slot must be sorted into shared or per document."""
    from fpdf.fonts import TTFFont

    assert not SHARED_SLOTS & DOCUMENT_SLOTS
    assert set(TTFFont.__slots__) == SHARED_SLOTS | DOCUMENT_SLOTS


def test_reports_drawn_one_after_another_are_each_whole_and_their_own() -> None:
    latin, other = _latin(), _greek_and_russian()
    first = render_pdf(latin)
    second = render_pdf(other)
    assert render_pdf(latin) == first
    text = _text(second)
    for name in ("Μελέτη ελληνικών", "Зарядка по утрам", "Café crème", "Ωραία, отлично ✓"):
        assert name in text
    assert "Read 20 pages" in _text(first)
    assert "Read 20 pages" not in text
    for pdf in (first, second):
        descriptors = _embedded_fonts(pdf)
        assert len(descriptors) == 2
        assert all(len(d["/FontFile2"].get_object().get_data()) > 1000 for d in descriptors)


def test_a_later_report_is_the_same_as_the_first_of_a_fresh_process() -> None:
    """The first report embeds its fonts from the font files, later ones from the working fonts."""
    render_pdf(_latin())  # so that the next one is not this process's first
    report = _greek_and_russian()
    later = render_pdf(report)
    first = subprocess.run(
        [sys.executable, "-c", FIRST_IN_A_PROCESS],
        input=pickle.dumps(report),
        capture_output=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert later == first


def test_embedded_glyphs_are_those_of_the_font_files() -> None:
    """Whatever a working font holds, a page shows the glyphs of DejaVu Sans as they are in its files."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    render_pdf(_latin())
    pdf = render_pdf(_greek_and_russian())
    for descriptor in _embedded_fonts(pdf):
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        source = TTFont(theme.BOLD if "Bold" in str(descriptor["/FontName"]) else theme.REGULAR)
        assert {"cvt ", "fpgm", "prep", "gasp", "glyf", "loca", "head", "hhea", "hmtx", "maxp"} <= set(embedded.keys())
        cmap, source_cmap = embedded.getBestCmap(), source.getBestCmap()
        assert {"Μ", "З", "é", "0"} <= {chr(cp) for cp in cmap}
        for cp, glyph in cmap.items():
            name = source_cmap[cp]
            ours, theirs = embedded["glyf"], source["glyf"]
            assert ours[glyph].getCoordinates(ours)[0] == theirs[name].getCoordinates(theirs)[0], chr(cp)
            assert embedded["hmtx"][glyph] == source["hmtx"][name], chr(cp)


def test_reports_drawn_at_once_in_threads_are_each_the_same_as_alone() -> None:
    """The server draws a few reports at once, in threads."""
    reports = [_latin(), _greek_and_russian()]
    habits, checkins = large_history(20, date(2025, 1, 1), date(2025, 11, 23), seed=11)
    reports += [build_report(habits, checkins, kind, date(2025, 10, 15)) for kind in ("week", "month")]
    alone = [render_pdf(r) for r in reports]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(render_pdf, reports * 3))
    assert together == alone * 3


@pytest.mark.parametrize(
    ("style", "path", "text"),
    [("", theme.REGULAR, theme.BASE_TEXT), ("B", theme.BOLD, theme.BASE_TEXT + "Café Μελέτη Зарядка")],
)
def test_a_program_is_what_fpdf2_itself_embeds_for_the_same_glyphs(style: str, path: Path, text: str) -> None:
    """A prebuilt program stands in for the subset fpdf2 makes: the same tables and glyphs, in the same order
    (copied as they are: fpdf2 would recompute their bounding boxes)."""
    from fontTools.ttLib import TTFont
    from fpdf import FPDF

    plain = FPDF()
    plain.add_font(theme.FAMILY, style, str(path))
    plain.add_page()
    plain.set_font(theme.FAMILY, style, 10)
    plain.cell(text=text)
    (fpdf2s,) = (d["/FontFile2"].get_object().get_data() for d in _embedded_fonts(bytes(plain.output())))
    font: Any = plain.current_font
    program = typeface(theme.FAMILY, style, path, theme.BASE_TEXT).program(font.subset.get_all_glyph_names())
    ours, theirs = TTFont(io.BytesIO(program.data)), TTFont(io.BytesIO(fpdf2s))
    assert sorted(ours.keys()) == sorted(theirs.keys())
    assert ours.getGlyphOrder() == theirs.getGlyphOrder()
    assert len(ours.getGlyphOrder()) > 100
    for glyph in ours.getGlyphOrder():
        assert ours["glyf"][glyph].getCoordinates(ours["glyf"]) == theirs["glyf"][glyph].getCoordinates(theirs["glyf"])
        assert ours["hmtx"][glyph] == theirs["hmtx"][glyph]


def _labels_and_squares(pdf: FPDF, text: Callable[[FPDF, float, float, str], None], fast_rects: bool) -> None:
    """Text in both fonts and several colours (one the fill colour), with characters to escape, after font
    changes, underlined and outlined; and rectangles in each style."""
    from fpdf.enums import RenderStyle, TextMode

    pdf.add_page()
    pdf.set_font(theme.FAMILY, "", 8.5)
    pdf.set_text_color(theme.device_color(theme.MUTED))
    text(pdf, 20, 30, "Read 20 pages")
    text(pdf, 20, 34.5, "(a) \\ b)")
    pdf.set_font(theme.FAMILY, "B", 8.5)
    text(pdf, 20.333, 38.777, "Zé·… ±5 − ▲")
    pdf.set_fill_color(theme.device_color(theme.INK))
    pdf.set_text_color(theme.device_color(theme.INK))
    text(pdf, 20, 42, "ink on ink")
    pdf.set_font(theme.FAMILY, "", 6.5)
    text(pdf, 20, 46, "Read 20 pages")
    pdf.set_font(theme.FAMILY, "U", 9)
    text(pdf, 20, 50, "underlined")
    pdf.set_font(theme.FAMILY, "", 9)
    pdf.text_mode = TextMode.STROKE
    text(pdf, 20, 54, "outlined")
    pdf.text_mode = TextMode.FILL
    pdf.add_page()
    text(pdf, 20, 30, "on a new page")
    squares = [(10.0, 20.0, 3.2, 3.2), (14.123, 20.5, 0.6, 0.6), (18.0, 80.25, 11.0, 1.2)]
    for style in (RenderStyle.F, RenderStyle.D, RenderStyle.DF):
        if fast_rects:
            draw_rects(pdf, squares, style)
        else:
            for x, y, w, h in squares:
                pdf.rect(x, y, w, h, style=style)
    draw_rects(pdf, [], RenderStyle.F)


def _fast_text(pdf: FPDF, x: float, y: float, text: str) -> None:
    operand = text_operand(pdf, text)
    assert operand is not None
    show_text(pdf, x, y, text, operand)


def test_show_text_and_draw_rects_write_what_fpdf2s_text_and_rect_write() -> None:
    """The report's labels and day squares are written directly: the same operators as fpdf2's own."""
    from fpdf import FPDF

    documents = []
    for text, fast_rects in ((FPDF.text, False), (_fast_text, True)):
        pdf = FPDF()
        pdf.set_creation_date(datetime(2025, 11, 17, 12, tzinfo=UTC))
        typeface(theme.FAMILY, "", theme.REGULAR, theme.BASE_TEXT).add_to(pdf)
        typeface(theme.FAMILY, "B", theme.BOLD, theme.BASE_TEXT).add_to(pdf)
        _labels_and_squares(pdf, text, fast_rects)
        documents.append(write(pdf))
    assert documents[0] == documents[1]
    assert "Zé·… ±5 − ▲" in _text(documents[1])


def test_text_operand_is_none_for_what_the_current_font_cannot_draw_alone() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    typeface(theme.FAMILY, "", theme.REGULAR, theme.BASE_TEXT).add_to(pdf)
    pdf.add_page()
    pdf.set_font(theme.FAMILY, "", 9)
    assert text_operand(pdf, "读书") is None
    assert text_operand(pdf, "") is None
    assert text_operand(pdf, "Read") == text_operand(pdf, "Read") is not None
