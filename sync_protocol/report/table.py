"""The table of habits: one two-line row per habit, its header repeated on every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync_protocol.domain.habit import format_rate
from sync_protocol.report import theme
from sync_protocol.report.data import HabitRow, Mark, Report
from sync_protocol.report.shapes import Shapes
from sync_protocol.report.text import WEEKDAY_SHORT, signed

if TYPE_CHECKING:
    from fpdf import FPDF

ROW_H = 10.0
HEAD_H = 7.0
LINE_H = 3.6
"""The height of a line of text in a row."""
MARK_RADIUS = 0.5
"""The corner radius of a week's day squares."""

MARK_COLORS: dict[Mark, str | None] = {
    Mark.DONE: theme.ACCENT,
    Mark.PARTIAL: theme.HEAT[2],
    Mark.SKIPPED: theme.SKIP,
    Mark.MISSED: theme.MISS,
    Mark.OPEN: theme.HEAT[0],
    Mark.OFF: None,
    Mark.FUTURE: None,
}
LEGEND = ((Mark.DONE, "done"), (Mark.PARTIAL, "partly"), (Mark.SKIPPED, "skipped"), (Mark.MISSED, "missed"))


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: float
    align: theme.Align = "R"


def columns(report: Report) -> list[Column]:
    week = report.kind == "week"
    return [
        Column("name", "Habit", 67.0 if week else 46.0, "L"),
        Column("marks", "Days", 28.0 if week else 49.0, "L"),
        Column("due", "Due", 10.0),
        Column("done", "Done", 10.0),
        Column("skipped", "Skip", 10.0),
        Column("rate", "Rate", 16.0),
        Column("streak", "Streak", 13.0),
        Column("best", "Best", 12.0),
        Column("score", "Score", 12.0),
    ]


def habit_table(pdf: FPDF, report: Report, y: float) -> float:
    """Draw every row from ``y`` on, breaking pages between rows; returns the y below the table."""
    cols = columns(report)
    limit = theme.PAGE_H - theme.BOTTOM
    rows = report.habits
    y = _header(pdf, report, cols, y)
    shapes = Shapes()  # a page's day squares and rate bars, drawn once its rows are
    index = 0
    while True:
        while index < len(rows) and y + ROW_H <= limit:
            _row(pdf, rows[index], cols, y, shapes, zebra=index % 2 == 1)
            index += 1
            y += ROW_H
        shapes.draw(pdf)
        if index == len(rows):
            break
        pdf.add_page()
        y = _header(pdf, report, cols, theme.MARGIN)
    pdf.set_draw_color(theme.RULE)
    pdf.set_line_width(0.2)
    pdf.line(theme.MARGIN, y, theme.MARGIN + theme.CONTENT_W, y)
    return y


def mark_legend(pdf: FPDF, right: float, y: float) -> None:
    """The key to the day squares, right-aligned at ``right``."""
    theme.use(pdf, 7, color=theme.MUTED)
    width = sum(3.2 + pdf.get_string_width(text) + 3.5 for _, text in LEGEND)
    x = right - width + 3.5
    for mark, text in LEGEND:
        pdf.set_fill_color(MARK_COLORS[mark] or "#ffffff")
        pdf.rect(x, y + 0.6, 2.4, 2.4, style="F")
        x = theme.inline(pdf, x + 3.0, y, text, h=3.6) + 3.5


def _header(pdf: FPDF, report: Report, cols: list[Column], y: float) -> float:
    x = theme.MARGIN
    theme.use(pdf, 6.5, bold=True, color=theme.MUTED)
    for col in cols:
        if col.key == "marks" and report.kind == "week":
            _weekday_letters(pdf, x + 1.0, y, col.width)
        else:
            theme.label(pdf, x + 1.0, y, col.width - 2.0, HEAD_H, col.title.upper(), align=col.align)
        x += col.width
    pdf.set_draw_color(theme.INK)
    pdf.set_line_width(0.3)
    pdf.line(theme.MARGIN, y + HEAD_H, theme.MARGIN + theme.CONTENT_W, y + HEAD_H)
    return y + HEAD_H


def _weekday_letters(pdf: FPDF, x: float, y: float, width: float) -> None:
    size, gap = _mark_geometry(7, width)
    for i, name in enumerate(WEEKDAY_SHORT):
        theme.label(pdf, x + i * (size + gap) - 1, y, size + 2, HEAD_H, name[0], align="C")


def _row(pdf: FPDF, row: HabitRow, cols: list[Column], y: float, shapes: Shapes, *, zebra: bool) -> None:
    if zebra:
        pdf.set_fill_color(theme.ZEBRA)
        pdf.rect(theme.MARGIN, y, theme.CONTENT_W, ROW_H, style="F")
    x = theme.MARGIN
    top, bottom, middle = y + 1.4, y + 5.6, y + 3.3
    for col in cols:
        left, inner = x + 1.0, col.width - 2.0
        match col.key:
            case "name":
                theme.use(pdf, 8.5, bold=True)
                theme.label(pdf, left, top, inner, LINE_H, theme.fit(pdf, row.name, inner))
                theme.use(pdf, 6.5, color=theme.MUTED)
                detail = row.schedule if row.goal == "yes/no" else f"{row.schedule} · {row.goal}"
                theme.label(pdf, left, bottom, inner, LINE_H, theme.fit(pdf, detail, inner))
            case "marks":
                _marks(shapes, row, left, y, inner)
            case "due" | "done" | "skipped":
                value = getattr(row, col.key)
                theme.use(pdf, 8.5, color=theme.INK if value else theme.FAINT)
                theme.label(pdf, left, middle, inner, LINE_H, str(value), align="R")
            case "rate":
                theme.use(pdf, 8.5, bold=row.rate is not None and row.rate >= 0.995)
                theme.label(pdf, left, top, inner, LINE_H, format_rate(row.rate), align="R")
                _rate_bar(shapes, row.rate, x + col.width - 1.0 - 11.0, y + 6.6, 11.0)
            case "streak" | "best":
                length = row.current_streak if col.key == "streak" else row.best_streak
                theme.use(pdf, 8.5, color=theme.INK if length else theme.FAINT)
                text = theme.shrink_to_fit(pdf, row.streak_unit.short(length), inner, 8.5, smallest=6.0)
                theme.label(pdf, left, middle, inner, LINE_H, text, align="R")
            case "score":
                theme.use(pdf, 8.5)
                theme.label(pdf, left, top, inner, LINE_H, format_rate(row.score), align="R")
                change = round(row.score_change * 100)
                color = theme.GOOD if change > 0 else theme.BAD if change < 0 else theme.FAINT
                theme.use(pdf, 6.5, color=color)
                theme.label(pdf, left, bottom, inner, LINE_H, signed(change), align="R")
        x += col.width


def _mark_geometry(count: int, width: float) -> tuple[float, float]:
    """Square size and gap for ``count`` day squares in ``width``."""
    if count <= 7:
        return 3.2, 0.75
    pitch = width / count
    return pitch * 0.72, pitch * 0.28


def _marks(shapes: Shapes, row: HabitRow, x: float, y: float, width: float) -> None:
    """One square a day (a week's with rounded corners)."""
    size, gap = _mark_geometry(len(row.marks), width)
    height = 3.2 if len(row.marks) <= 7 else 4.2
    top = y + (ROW_H - height) / 2
    radius = MARK_RADIUS if len(row.marks) <= 7 else 0.0
    for i, mark in enumerate(row.marks):
        color = MARK_COLORS[mark]
        mx = x + i * (size + gap)
        if color is not None:
            shapes.fill(color, mx, top, size, height, radius=radius)
        elif mark is Mark.FUTURE:
            shapes.outline(theme.RULE, 0.15, mx, top, size, height)
        else:
            shapes.fill(theme.RULE, mx + size / 2 - 0.3, top + height / 2 - 0.3, 0.6, 0.6)


def _rate_bar(shapes: Shapes, rate: float | None, x: float, y: float, width: float) -> None:
    shapes.fill(theme.HEAT[0], x, y, width, 1.2)
    if rate:
        shapes.fill(theme.ACCENT, x, y, width * rate, 1.2, layer=1)
