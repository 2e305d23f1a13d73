"""Fonts read once per process and shared by its reports: every document is still whole and its own,
whether it is the first of its process, a later one, or drawn while others are."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.report import theme
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.pdf import render_pdf
from sync_protocol.report.typeface import DOCUMENT_SLOTS, SHARED_SLOTS
from tests.report.sample import done, large_history, make_habit

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
