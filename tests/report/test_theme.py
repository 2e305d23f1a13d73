"""The helpers that set type: a line drawn by :func:`theme.inline` ends where fpdf2's ``cell`` would end it."""

from __future__ import annotations

from datetime import date

import pytest

from sync_protocol.report import theme
from sync_protocol.report.data import build_report
from sync_protocol.report.pdf import _document


@pytest.mark.parametrize("text", ["Streaks broken: ", "Habits", "· 读书 ·", "Café ✓"])
@pytest.mark.parametrize(("size", "bold"), [(8.0, True), (6.5, False)])
def test_inline_ends_where_cell_ends(text: str, size: float, bold: bool) -> None:
    pdf = _document(build_report([], {}, "week", date(2025, 11, 17)))
    pdf.add_page()
    theme.use(pdf, size, bold=bold)
    end = theme.inline(pdf, 31.5, 40.25, text, h=4.2)
    pdf.set_xy(31.5, 40.25)
    pdf.cell(h=4.2, text=text)
    assert end == pdf.get_x()
