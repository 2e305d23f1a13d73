"""The font programs a process keeps: reports within the base characters share one per font, others get
their own, and whichever a document gets, every code on its pages shows the glyph of its character."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.report import theme, typeface
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.pdf import render_pdf
from tests.report.sample import done, large_history, make_habit

WEEK = date(2025, 11, 17)


def _report(*names: str, note: str = "") -> Report:
    habits = [make_habit(name, position=i) for i, name in enumerate(names)]
    checkins = {h.id: done(WEEK, date(2025, 11, 18)) for h in habits}
    if note:
        checkins[habits[0].id].append(CheckIn(date(2025, 11, 19), 1.0, note=note))
    return build_report(habits, checkins, "week", WEEK)


def _fonts(pdf: bytes) -> dict[str, Any]:
    """Each font of the document (its Type0 dictionary) by base font name."""
    found: dict[str, Any] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def _programs(pdf: bytes) -> dict[str, bytes]:
    """The embedded TrueType program of each DejaVu font, by base font name."""
    out = {}
    for name, font in _fonts(pdf).items():
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        if "/FontFile2" in descriptor:
            out[name] = descriptor["/FontFile2"].get_object().get_data()
    return out


def _assert_codes_show_their_characters(pdf: bytes) -> int:
    """Every code of every TrueType font, read as the PDF says (ToUnicode, CIDToGIDMap, the program), draws the
    outline and advance of its character in the font file. Returns how many codes were checked."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    checked = 0
    for name, font in _fonts(pdf).items():
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"]
        if "/FontFile2" not in descriptor:
            continue  # the CJK fallback (CFF), subset by fpdf2 itself
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        source = TTFont(theme.BOLD if "Bold" in name else theme.REGULAR)
        source_cmap = source.getBestCmap()
        gids = cid_font["/CIDToGIDMap"].get_object().get_data()
        to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        pairs = re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", to_unicode.split("beginbfchar", 1)[1])
        assert pairs
        for code_hex, text_hex in pairs:
            code, char = int(code_hex, 16), bytes.fromhex(text_hex).decode("utf-16-be")
            if char == "\x00":
                continue  # .notdef
            gid = gids[2 * code] << 8 | gids[2 * code + 1]
            ours, theirs = program.getGlyphName(gid), source_cmap[ord(char)]
            glyf, source_glyf = program["glyf"], source["glyf"]
            assert glyf[ours].getCoordinates(glyf)[0] == source_glyf[theirs].getCoordinates(source_glyf)[0], char
            assert program["hmtx"][ours] == source["hmtx"][theirs], char
            checked += 1
    return checked


def test_reports_within_the_base_characters_share_one_program_per_font() -> None:
    first = render_pdf(_report("Read 20 pages", "Walk"))
    second = render_pdf(_report("Yoga {daily}", "Call Mum #1", note="~50% done @ home"))
    assert _programs(first) == _programs(second)
    assert len(_programs(first)) == 2
    for pdf in (first, second):
        assert _assert_codes_show_their_characters(pdf) > 20


def test_a_report_with_other_characters_gets_its_own_program_and_keeps_the_base_one_intact() -> None:
    base = render_pdf(_report("Read 20 pages"))
    accents = render_pdf(_report("Café crème", "Μελέτη", note="Зарядка ✓ naïve"))
    cjk = render_pdf(_report("读书 Read", note="很好"))
    assert _programs(accents) != _programs(base)
    assert render_pdf(_report("Read 20 pages")) == base
    for pdf in (base, accents, cjk):
        assert _assert_codes_show_their_characters(pdf) > 20
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(accents)).pages)
    for words in ("Café crème", "Μελέτη", "Зарядка ✓ naïve"):
        assert words in text


def test_a_program_made_again_after_it_was_dropped_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program depends on its glyph set only: not on what the working font it is made from holds by then."""
    ascii_only, greek = _report("Read 20 pages"), _report("Μελέτη ελληνικών", note="Ωραία")
    first = render_pdf(ascii_only)
    monkeypatch.setattr(typeface, "MAX_PROGRAMS", 1)
    render_pdf(greek)  # drops the base program; the working font grows by a block of Greek
    regular = typeface.typeface(theme.FAMILY, "", theme.REGULAR, theme.BASE_TEXT)
    assert len(regular._programs) == 1
    assert render_pdf(ascii_only) == first
    assert len(regular._programs) == 1


def test_every_character_is_drawn_with_its_glyph_in_a_long_report() -> None:
    habits, checkins = large_history(30, date(2025, 6, 1), date(2025, 11, 23), seed=5)
    for kind in ("week", "month"):
        assert _assert_codes_show_their_characters(render_pdf(build_report(habits, checkins, kind, WEEK))) > 40


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed")
def test_pdftotext_reads_the_base_and_the_other_programs_back() -> None:
    for names, note in ((("Read 20 pages", "Walk"), "on time"), (("Café crème", "Зарядка"), "naïve ✓")):
        pdf = render_pdf(_report(*names, note=note))
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        for words in (*names, note, "Habit report · Week 47, 2025"):
            assert words in text
