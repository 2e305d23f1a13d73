"""The bar chart of daily completions and the calendar heatmap, drawn with fpdf primitives."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sync_protocol.report import theme
from sync_protocol.report.data import DayCount, Report
from sync_protocol.report.text import WEEKDAY_SHORT

if TYPE_CHECKING:
    from fpdf import FPDF

CELL = 8.4
GAP = 1.4


def bar_chart(pdf: FPDF, report: Report, x: float, y: float, *, w: float, h: float) -> None:
    """Bars of habits done per day, each over a pale bar of the habits scheduled that day."""
    days = report.days
    axis_w = 7.0
    label_h = 5.0
    plot_x, plot_w, plot_h = x + axis_w, w - axis_w, h - label_h
    base = y + plot_h
    highest = max([d.done for d in days] + [d.scheduled for d in days] + [1])
    step = _step(highest)
    top = step * math.ceil(highest / step)
    week = report.kind == "week"
    if week and top == highest:
        top += step  # room for the numbers above the bars

    pdf.set_line_width(0.15)
    theme.use(pdf, 6.5, color=theme.FAINT)
    for tick in range(0, top + 1, step):
        ty = base - plot_h * tick / top
        pdf.set_draw_color(theme.RULE if tick else theme.FAINT)
        pdf.line(plot_x, ty, plot_x + plot_w, ty)
        theme.label(pdf, x, ty - 2, axis_w - 1.5, 4, str(tick), align="R")

    slot = plot_w / len(days)
    bar_w = min(slot * 0.64, 13.0)
    for i, d in enumerate(days):
        bx = plot_x + i * slot + (slot - bar_w) / 2
        if not d.future:
            if d.scheduled > 0:
                eh = plot_h * d.scheduled / top
                pdf.set_fill_color(theme.ACCENT_LIGHT)
                pdf.rect(bx, base - eh, bar_w, eh, style="F")
            if d.done:
                dh = plot_h * d.done / top
                pdf.set_fill_color(theme.ACCENT)
                pdf.rect(bx, base - dh, bar_w, dh, style="F")
                if week:
                    theme.use(pdf, 7, bold=True, color=theme.INK)
                    above = base - max(dh, plot_h * d.scheduled / top) - 4.2
                    theme.label(pdf, bx - 2, above, bar_w + 4, 4, str(d.done), align="C")
        label = f"{WEEKDAY_SHORT[d.day.weekday()]} {d.day.day}" if week else str(d.day.day)
        weekend = d.day.weekday() >= 5
        theme.use(pdf, 6.5 if not week else 7, color=theme.FAINT if (d.future or weekend) else theme.MUTED)
        theme.label(pdf, plot_x + i * slot - 2, base + 0.8, slot + 4, 4, label, align="C")


def chart_legend(pdf: FPDF, x: float, y: float) -> None:
    """The key to the bar chart: ``■ done  ■ scheduled``, from (x, y) on."""
    for color, text in ((theme.ACCENT, "done"), (theme.ACCENT_LIGHT, "scheduled")):
        pdf.set_fill_color(color)
        pdf.rect(x, y + 0.6, 2.4, 2.4, style="F")
        theme.use(pdf, 7, color=theme.MUTED)
        x = theme.inline(pdf, x + 3.0, y, text, h=3.6) + 4


def calendar_width() -> float:
    return 7 * CELL + 6 * GAP


def calendar(pdf: FPDF, report: Report, x: float, y: float) -> float:
    """A month (or week) as Monday-first rows of squares shaded by the share done; returns the bottom y."""
    theme.use(pdf, 6.5, color=theme.FAINT)
    for i, name in enumerate(WEEKDAY_SHORT):
        theme.label(pdf, x + i * (CELL + GAP), y, CELL, 3.5, name[:2], align="C")
    y += 4.5
    for row in report.calendar:
        for i, cell in enumerate(row):
            if cell is not None:
                _day_cell(pdf, cell, x + i * (CELL + GAP), y)
        y += CELL + GAP
    y += 0.6
    theme.use(pdf, 6.5, color=theme.MUTED)
    lx = theme.inline(pdf, x, y, "Less", h=3.6) + 1
    for color in theme.HEAT:
        pdf.set_fill_color(color)
        pdf.rect(lx, y + 0.4, 2.8, 2.8, style="F", round_corners=True, corner_radius=0.5)
        lx += 3.4
    theme.inline(pdf, lx + 0.6, y, "More", h=3.6)
    return y + 4


def _day_cell(pdf: FPDF, cell: DayCount, x: float, y: float) -> None:
    level = cell.level
    if level is None or (cell.scheduled == 0 and not cell.done):
        pdf.set_draw_color(theme.RULE)
        pdf.set_line_width(0.2)
        pdf.rect(x, y, CELL, CELL, style="D", round_corners=True, corner_radius=1.0)
        color = theme.FAINT
    else:
        pdf.set_fill_color(theme.HEAT[level])
        pdf.rect(x, y, CELL, CELL, style="F", round_corners=True, corner_radius=1.0)
        color = "#ffffff" if level >= 3 else theme.MUTED
    theme.use(pdf, 6, color=color)
    theme.label(pdf, x + 0.5, y + 0.6, CELL - 1.2, 3, str(cell.day.day))


def _step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500):
        if top / step <= 4:
            return step
    return int(10 ** len(str(top)))
