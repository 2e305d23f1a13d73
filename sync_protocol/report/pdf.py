"""Render a :class:`~sync_protocol.report.data.Report` as an A4 PDF with fpdf2.

fpdf2 is imported inside :func:`render_pdf`, so importing this module costs nothing until a
report is drawn; its fonts are read once per process (:mod:`.typeface`), so the reports after
the first cost a fraction of it. The same report always gives the same bytes, whether it is the
first of its process or not: the creation date comes from the report's period and nothing random
is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from sync_protocol.domain.habit import NO_RATE, format_rate
from sync_protocol.report import theme
from sync_protocol.report.charts import bar_chart, calendar, calendar_width, chart_legend
from sync_protocol.report.data import Report
from sync_protocol.report.fonts import Glyphs
from sync_protocol.report.highlights import highlights
from sync_protocol.report.period import span_text
from sync_protocol.report.table import habit_table, mark_legend
from sync_protocol.report.text import points, short_date, signed
from sync_protocol.report.typeface import typeface, write

if TYPE_CHECKING:
    from fpdf import FPDF

MAX_NOTES = 150
MAX_BROKEN = 4
CARD_H = 23.0
VALUE_PT = 16.0
"""The size of a headline card's value; a value too wide for its card is set smaller (down to 9 pt)."""


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    data: bytes
    pages: int


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    return render(report).data


def render(report: Report) -> RenderedPdf:
    """The report as PDF bytes, with its number of pages."""
    pdf = _document(report)
    pdf.add_page()
    y = _title(pdf, report, theme.MARGIN)
    y = _cards(pdf, report, y + 6)
    y = _broken(pdf, report, y + 4)
    y = _charts(pdf, report, y + 7)
    y = _habits(pdf, report, y + 8)
    _notes(pdf, report, y + 9)
    return RenderedPdf(write(pdf), pdf.pages_count)


def _document(report: Report) -> FPDF:
    document: Any = _document_class()(orientation="portrait", unit="mm", format="A4")
    document.glyphs = Glyphs(document)
    document.footer_text = f"Habit report · {report.period.label}"
    pdf: FPDF = document
    pdf.set_margins(theme.MARGIN, theme.MARGIN, theme.MARGIN)
    pdf.set_auto_page_break(True, margin=theme.BOTTOM)
    pdf.c_margin = 0
    typeface(theme.FAMILY, "", theme.REGULAR, theme.BASE_TEXT).add_to(pdf)
    typeface(theme.FAMILY, "B", theme.BOLD, theme.BASE_TEXT).add_to(pdf)
    pdf.set_creation_date(datetime.combine(report.as_of, time(12, 0), tzinfo=UTC))
    pdf.set_title(f"Habit report: {report.period.label}")
    pdf.set_subject(f"Habits from {report.period.start.isoformat()} to {report.as_of.isoformat()}")
    pdf.set_creator("habit")
    pdf.set_lang("en")
    return pdf


@cache
def _document_class() -> Any:
    """The report's FPDF subclass (made once: fpdf2 is imported when a report is first drawn)."""
    from fpdf import FPDF

    class Document(FPDF):
        glyphs: Glyphs
        footer_text: str

        def normalize_text(self, text: str) -> str:
            # Every string drawn or measured passes here: what no font has becomes a replacement glyph.
            return str(super().normalize_text(self.glyphs.drawable(text)))

        # The report's colours are #rrggbb strings: each parsed once, not at every use.
        def set_draw_color(self, r: Any, g: Any = -1, b: Any = -1) -> None:
            super().set_draw_color(theme.device_color(r) if isinstance(r, str) else r, g, b)

        def set_fill_color(self, r: Any, g: Any = -1, b: Any = -1) -> None:
            super().set_fill_color(theme.device_color(r) if isinstance(r, str) else r, g, b)

        def set_text_color(self, r: Any, g: Any = -1, b: Any = -1) -> None:
            super().set_text_color(theme.device_color(r) if isinstance(r, str) else r, g, b)

        def footer(self) -> None:
            theme.use(self, 7, color=theme.FAINT)
            self.set_draw_color(theme.RULE)
            self.set_line_width(0.2)
            top = theme.PAGE_H - 12.5
            self.line(theme.MARGIN, top, theme.MARGIN + theme.CONTENT_W, top)
            theme.label(self, theme.MARGIN, top + 1.5, theme.CONTENT_W / 2, 4, self.footer_text)
            self.set_xy(theme.MARGIN + theme.CONTENT_W / 2, top + 1.5)
            self.cell(theme.CONTENT_W / 2, 4, f"Page {self.page_no()} of {{nb}}", align="R")  # {nb}: cell() only

    return Document


def _title(pdf: FPDF, report: Report, y: float) -> float:
    period = report.period
    theme.use(pdf, 7.5, bold=True, color=theme.ACCENT)
    pdf.set_char_spacing(1.1)
    pdf.set_xy(theme.MARGIN, y)
    pdf.cell(text=f"{'weekly' if period.kind == 'week' else 'monthly'} habit report".upper())
    pdf.set_char_spacing(0)
    theme.use(pdf, 24, bold=True)
    theme.inline(pdf, theme.MARGIN, y + 5, period.title)
    parts = [f"{span_text(period.start, period.end)} {period.end.year}"]
    parts.append(f"{report.summary.habits_total} habit{'s' if report.summary.habits_total != 1 else ''}")
    if not report.complete:
        parts.append(f"so far, up to {short_date(report.as_of)}")
    parts.append(f"compared with {report.previous_period.short_label}")
    theme.use(pdf, 9.5, color=theme.MUTED)
    theme.inline(pdf, theme.MARGIN, y + 16, " · ".join(parts))
    y += 23
    pdf.set_draw_color(theme.RULE)
    pdf.set_line_width(0.3)
    pdf.line(theme.MARGIN, y, theme.MARGIN + theme.CONTENT_W, y)
    return y


def _cards(pdf: FPDF, report: Report, y: float) -> float:
    s, prev = report.summary, report.previous
    versus = f"vs {report.previous_period.short_label}"
    change = report.rate_change
    rate_note = (
        (f"{points(change)} {versus}", _tone(change))
        if change is not None
        else (f"nothing due in {report.previous_period.short_label}", theme.MUTED)
    )
    done_change = s.checkins_done - prev.checkins_done
    top = s.top_streak
    cards = [
        ("Completion", format_rate(s.completion_rate), rate_note),
        ("Check-ins", str(s.checkins_done), (f"{signed(done_change)} {versus}", _tone(done_change))),
        ("On target", f"{s.habits_completed} of {s.habits_total}", ("habits met every goal", theme.MUTED)),
        (
            "Longest streak",
            top.unit.text(top.length) if top else NO_RATE,
            (top.habit if top else "no streak running", theme.MUTED),
        ),
    ]
    gap = 4.0
    width = (theme.CONTENT_W - gap * (len(cards) - 1)) / len(cards)
    for i, (label, value, (note, tone)) in enumerate(cards):
        x = theme.MARGIN + i * (width + gap)
        pdf.set_fill_color(theme.PANEL)
        pdf.rect(x, y, width, CARD_H, style="F", round_corners=True, corner_radius=1.8)
        theme.use(pdf, 6.5, bold=True, color=theme.MUTED)
        pdf.set_char_spacing(0.6)
        pdf.set_xy(x + 4, y + 3.5)
        pdf.cell(text=label.upper())
        pdf.set_char_spacing(0)
        theme.use(pdf, VALUE_PT, bold=True)
        shown = theme.shrink_to_fit(pdf, value, width - 8, VALUE_PT, bold=True)
        # A smaller value stays centred on the same line.
        theme.label(pdf, x + 4, y + 8.3, width - 8, VALUE_PT * 25.4 / 72, shown)
        theme.use(pdf, 7, color=tone)
        theme.label(pdf, x + 4, y + 16.4, width - 8, pdf.font_size, theme.fit(pdf, note, width - 8))
    return y + CARD_H


def _tone(change: float | None) -> str:
    if change is None or abs(change) < 0.005:
        return theme.MUTED
    return theme.GOOD if change > 0 else theme.BAD


def _broken(pdf: FPDF, report: Report, y: float) -> float:
    broken = sorted(report.summary.broken_streaks, key=lambda b: (-b.length, b.on, b.habit.casefold()))
    theme.use(pdf, 8, bold=True)
    x = theme.inline(pdf, theme.MARGIN, y, "Streaks broken: ", h=4.2)
    if not broken:
        theme.use(pdf, 8, color=theme.MUTED)
        theme.inline(pdf, x, y, f"none this {report.kind}.", h=4.2)
        return y + 4.5
    shown = [f"{b.habit} ({b.unit.text(b.length)}, {short_date(b.on)})" for b in broken[:MAX_BROKEN]]
    text = " · ".join(shown)
    if len(broken) > MAX_BROKEN:
        text += f" · and {len(broken) - MAX_BROKEN} shorter"
    theme.use(pdf, 8)
    room = theme.MARGIN + theme.CONTENT_W - x
    if _one_line(pdf, text, room):
        theme.label(pdf, x, y, room, 4.2, text)
        return y + 4.2
    pdf.set_xy(x, y)
    pdf.multi_cell(room, 4.2, text, align="L")
    return pdf.get_y()


def _heading(pdf: FPDF, text: str, y: float, caption: str = "") -> float:
    """A section title with an optional grey caption on its baseline; returns the y below it."""
    theme.use(pdf, 11, bold=True)
    x = theme.inline(pdf, theme.MARGIN, y, text, h=6)
    if caption:
        theme.use(pdf, 7.5, color=theme.MUTED)
        theme.inline(pdf, x + 3, y + 0.45, caption, h=6)
    return y + 8


def _charts(pdf: FPDF, report: Report, y: float) -> float:
    y = _heading(pdf, "Daily completions", y, "habits done each day")
    chart_legend(pdf, theme.MARGIN + theme.CONTENT_W - 36, y - 6.15)
    height = 40.0 if report.kind == "month" else 44.0
    bar_chart(pdf, report, theme.MARGIN, y + 2, w=theme.CONTENT_W, h=height)
    y += height + 9
    y = _heading(pdf, "Calendar", y, "share of the day's habits done")
    bottom = calendar(pdf, report, theme.MARGIN, y)
    hx = theme.MARGIN + calendar_width() + 12
    hw = theme.MARGIN + theme.CONTENT_W - hx
    theme.use(pdf, 11, bold=True)
    theme.inline(pdf, hx, y - 8, "Highlights", h=6)
    hy = y + 0.5
    for item in highlights(report):
        theme.use(pdf, 6.5, bold=True, color=theme.MUTED)
        pdf.set_char_spacing(0.5)
        pdf.set_xy(hx, hy)
        pdf.cell(text=item.label.upper())
        pdf.set_char_spacing(0)
        theme.use(pdf, 9)
        theme.label(pdf, hx, hy + 3.6, hw, pdf.font_size, theme.fit(pdf, item.text, hw))
        hy += 10.5
    return max(bottom, hy)


def _habits(pdf: FPDF, report: Report, y: float) -> float:
    if y + 7 + 7 + 3 * 10 > theme.PAGE_H - theme.BOTTOM:
        pdf.add_page()
        y = theme.MARGIN
    y = _heading(pdf, "Habits", y, "rate: share of what was due that was done · score: habit strength")
    mark_legend(pdf, theme.MARGIN + theme.CONTENT_W, y - 6.15)
    if not report.habits:
        theme.use(pdf, 9, color=theme.MUTED)
        theme.inline(pdf, theme.MARGIN, y, "No habits were tracked in this period.")
        return y + 6
    return habit_table(pdf, report, y)


def _one_line(pdf: FPDF, text: str, width: float) -> bool:
    """Whether ``multi_cell`` would set ``text`` on one line (then one label draws it, at a fraction of the cost:
    fpdf2 measures the line again at every character it adds)."""
    return "\n" not in text and "\r" not in text and theme.width(pdf, text) < width - 0.01


def _notes(pdf: FPDF, report: Report, y: float) -> None:
    notes = report.notes
    if not notes:
        return
    limit = theme.PAGE_H - theme.BOTTOM
    if y + 7 + 12 > limit:
        pdf.add_page()
        y = theme.MARGIN
    y = _heading(pdf, "Notes", y, f"{len(notes)} in this {report.kind}")
    date_w, habit_w = 22.0, 44.0
    text_x = theme.MARGIN + date_w + habit_w
    text_w = theme.CONTENT_W - date_w - habit_w
    line_h = 4.0
    last_day = None
    for note in notes[:MAX_NOTES]:
        theme.use(pdf, 8)
        one_line = _one_line(pdf, note.text, text_w)
        if one_line:
            height = line_h
        else:
            lines = cast(list[str], pdf.multi_cell(text_w, line_h, note.text, dry_run=True, output="LINES"))
            height = max(1, len(lines)) * line_h
        if y + height > limit:
            pdf.add_page()
            y = theme.MARGIN
            last_day = None
        if note.day != last_day:
            if last_day is not None:
                pdf.set_draw_color(theme.RULE)
                pdf.set_line_width(0.15)
                pdf.line(theme.MARGIN, y - 0.9, theme.MARGIN + theme.CONTENT_W, y - 0.9)
            theme.use(pdf, 8, color=theme.MUTED)
            theme.label(pdf, theme.MARGIN, y, date_w, line_h, short_date(note.day))
            last_day = note.day
        theme.use(pdf, 8, bold=True)
        theme.label(pdf, theme.MARGIN + date_w, y, habit_w, line_h, theme.fit(pdf, note.habit, habit_w - 3))
        theme.use(pdf, 8)
        if one_line:
            theme.label(pdf, text_x, y, text_w, line_h, note.text)
        else:
            pdf.set_xy(text_x, y)
            pdf.multi_cell(text_w, line_h, note.text, align="L")
        y += height + 1.6
    if len(notes) > MAX_NOTES:
        theme.use(pdf, 8, color=theme.MUTED)
        pdf.set_xy(theme.MARGIN, y)
        pdf.cell(text=f"… and {len(notes) - MAX_NOTES} more notes (habit show NAME lists them all).")
