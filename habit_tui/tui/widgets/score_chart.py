"""The score (habit strength) over time as a small bar chart with a percentage axis and month labels."""

from __future__ import annotations

from datetime import date

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from habit_tui.tui.widgets.palette import levels, muted

BLOCKS = " ▁▂▃▄▅▆▇█"
AXIS_WIDTH = 5
DAYS_SHOWN = 365


def sample(series: list[tuple[date, float]], columns: int) -> list[tuple[date, float]]:
    """The last value of each of ``columns`` equal buckets (fewer when there are fewer days)."""
    if not series or columns <= 0:
        return []
    if len(series) <= columns:
        return list(series)
    out = []
    for c in range(columns):
        end = (c + 1) * len(series) // columns
        out.append(series[max(0, end - 1)])
    return out


def chart_text(points: list[tuple[date, float]], height: int, bar: Style, dim: Style) -> Text:
    text = Text()
    for row in range(height):
        floor = (height - 1 - row) * 8
        label = "100%" if row == 0 else " 50%" if row == height // 2 else "  0%" if row == height - 1 else ""
        text.append(f"{label:>{AXIS_WIDTH - 1}} ", style=dim)
        for _day, value in points:
            eighths = round(max(0.0, min(1.0, value)) * height * 8)
            text.append(BLOCKS[max(0, min(8, eighths - floor))], style=bar)
        text.append("\n")
    axis = Text(" " * AXIS_WIDTH)
    last_month = 0
    pending = 0
    for _i, (day, _value) in enumerate(points):
        if pending:
            pending -= 1
            continue
        if last_month not in (day.month, 0):
            label = day.strftime("%b") if day.month != 1 else str(day.year)
            axis.append(label, style=dim)
            pending = len(label) - 1
        else:
            axis.append(" ")
        last_month = day.month
    text.append_text(axis)
    return text


class ScoreChart(Widget):
    DEFAULT_CSS = """
    ScoreChart {
        height: 7;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: list[tuple[date, float]] = []

    def set_series(self, series: list[tuple[date, float]]) -> None:
        self.series = series[-DAYS_SHOWN:]
        self.refresh()

    def render(self) -> RenderResult:
        if not self.series:
            return Text("no history yet", style=muted(self))
        points = sample(self.series, self.size.width - AXIS_WIDTH)
        return chart_text(points, max(2, self.size.height - 1), levels(self)[4], muted(self))
