"""The PDF a person opens: its text, its pages, its fonts, and the same bytes every time."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.pdf import render_pdf
from tests.report.sample import done, large_history, make_habit, span

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _week_report() -> Report:
    read = make_habit("Read 20 pages", position=0)
    greek = make_habit("Μελέτη ελληνικών", "mon,wed,fri", position=1)
    russian = make_habit("Зарядка", position=2, target=20, unit="мин")
    mon = date(2025, 11, 17)
    checkins = {
        read.id: [
            *done(*span(date(2025, 11, 1), date(2025, 11, 18)), date(2025, 11, 20), date(2025, 11, 21)),
            CheckIn(date(2025, 11, 19), 1.0, note="Dune, ch. 3"),
        ],
        greek.id: done(mon, date(2025, 11, 19)),
        russian.id: [CheckIn(mon, 20.0), CheckIn(date(2025, 11, 18), 10.0), CheckIn(date(2025, 11, 20), skipped=True)],
    }
    return build_report([read, greek, russian], checkins, "week", mon)


@pytest.fixture(scope="module")
def big_month() -> Report:
    habits, checkins = large_history(100, date(2025, 1, 1), date(2025, 12, 31))
    return build_report(habits, checkins, "month", date(2025, 11, 12))


def test_week_report_says_what_happened() -> None:
    report = _week_report()
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF-")
    pages = _texts(pdf)
    text = "\n".join(pages)
    assert "Week 47, 2025" in text
    assert "17–23 November 2025" in text
    for name in ("Read 20 pages", "Μελέτη ελληνικών", "Зарядка"):
        assert name in text
    assert "at least 20 мин" in text
    # Read: 5 of 7 days done (Sat and Sun missed) and a 21-day streak broken on Saturday.
    assert re.search(r"Read 20 pages\s*daily\s*7\s*5\s*0\s*71%", text), text
    assert "Read 20 pages (21 days, Sat 22 Nov)" in text
    assert "Dune, ch. 3" in text
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_unicode_names_use_the_embedded_font() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(_week_report())))
    resources: Any = reader.pages[0]["/Resources"]
    fonts: Any = resources["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert names
    assert all("DejaVu" in n for n in names), names
    descendants = [f.get_object()["/DescendantFonts"][0].get_object() for f in fonts.values()]
    assert all("/FontFile2" in d["/FontDescriptor"] for d in descendants)


def test_same_data_gives_the_same_bytes() -> None:
    first = render_pdf(_week_report())
    second = render_pdf(_week_report())
    assert first == second
    info = PdfReader(io.BytesIO(first)).metadata
    assert info is not None
    assert str(info["/CreationDate"]).startswith("D:20251123")
    assert str(info["/Title"]) == "Habit report: Week 47, 2025 · 17–23 November"


def test_hundred_habits_break_between_rows_with_headers_repeated(big_month: Report) -> None:
    pages = _texts(render_pdf(big_month))
    table_pages = [p for p in pages if "DUE" in p and "SCORE" in p]
    # 100 two-line rows: a few on the first page, then about 25 a page, the header on each.
    assert 4 <= len(table_pages) <= 6
    assert len(pages) <= 12
    text = "\n".join(table_pages)
    for row in big_month.habits:
        assert row.name in text
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
    # Notes are many; the report shows a readable number and says how many were left out.
    assert "more notes" in pages[-1]


def test_empty_month_still_renders() -> None:
    report = build_report([], {}, "month", date(2025, 11, 1))
    text = "\n".join(_texts(render_pdf(report)))
    assert "November 2025" in text
    assert "No habits were tracked in this period." in text
    # No rate and no streak read "n/a": "–" marks a skipped day, and only that.
    assert "COMPLETION\nn/a" in text and "LONGEST STREAK\nn/a" in text, text
    assert "–" not in text.replace("1–30 November", ""), text


def test_page_one_as_png_for_a_person_to_look_at(big_month: Report) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, report in (("report-month", big_month), ("report-week", _week_report())):
        pdf_path = ARTIFACTS / f"{name}.pdf"
        pdf_path.write_bytes(render_pdf(report))
        command = ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run([*command, str(pdf_path), str(ARTIFACTS / name)], check=True, timeout=60)
        png = (ARTIFACTS / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
        assert len(png) > 20_000


def _one_week(habits: list[Any], checkins: dict[str, list[CheckIn]]) -> Report:
    return build_report(habits, checkins, "week", date(2025, 11, 19), today=date(2025, 11, 19))


def test_chinese_cyrillic_and_emoji_are_readable_with_no_font_warning(caplog: pytest.LogCaptureFixture) -> None:
    read = make_habit("读书 каждый день")
    run = make_habit("Run 🏃", position=1)
    checkins = {
        read.id: [
            CheckIn(date(2025, 11, 17), 1.0),
            CheckIn(date(2025, 11, 18), 1.0, note="好书 📚 and 한국어, 👨\u200d👩\u200d👧 🇫🇷!"),
        ],
        run.id: done(date(2025, 11, 18)),
    }
    with caplog.at_level("WARNING"):
        pdf = render_pdf(_one_week([read, run], checkins))
    assert [r.getMessage() for r in caplog.records] == []
    # pypdf reads a NUL before each character of the CJK font (poppler's pdftotext does not).
    text = "\n".join(_texts(pdf)).replace("\x00", "")
    assert "读书 каждый день" in text
    # A character no embedded font has is drawn as one replacement character; an emoji sequence as one.
    assert "好书 \ufffd and \ufffd\ufffd\ufffd, \ufffd \ufffd!" in text
    assert "Run \ufffd" in text
    resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    fonts = {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    assert any("NotoSansSC" in name for name in fonts), fonts


def test_headline_values_fit_their_cards() -> None:
    last = date(2025, 11, 23)  # a Sunday: one check-in a week for 163 weeks up to it
    first = last - timedelta(days=7 * 162)
    weekly = make_habit("Stretch on Sunday", "1/week", start=first)
    checkins = {weekly.id: done(*(first + timedelta(days=7 * i) for i in range(163)))}
    report = build_report([weekly], checkins, "week", date(2025, 11, 23))
    assert report.summary.top_streak is not None and report.summary.top_streak.length == 163
    text = "\n".join(_texts(render_pdf(report)))
    assert "163 weeks" in text
    assert "…" not in text.split("STREAKS BROKEN")[0].split("Streaks broken")[0]


def test_long_and_multi_line_notes_are_set_whole() -> None:
    """A note that fits its column takes one line; a longer one, or one with line breaks, wraps below it."""
    read = make_habit("Read")
    long = "Read two chapters, then walked to the park and back to think them over. " * 3
    checkins = {
        read.id: [
            CheckIn(date(2025, 11, 17), 1.0, note=long.strip()),
            CheckIn(date(2025, 11, 18), 1.0, note="line one\nline two"),
            CheckIn(date(2025, 11, 19), 1.0, note="short"),
        ]
    }
    text = "\n".join(_texts(render_pdf(build_report([read], checkins, "week", date(2025, 11, 19)))))
    notes = text.split("Notes")[-1]
    assert " ".join(long.split()) in " ".join(notes.split())
    assert "line one\nline two" in notes
    assert notes.index("line two") < notes.index("short")
