"""A GitHub-style year heatmap: a column per week, a row per weekday, shaded by how much was done."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from habit_tui.render.heatmap import LABEL_WIDTH, heatmap_text
from habit_tui.tui.widgets.palette import levels, muted
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit


class Heatmap(Widget):
    DEFAULT_CSS = """
    Heatmap {
        height: 9;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.habit: Habit | None = None
        self.checkins: dict[date, CheckIn] = {}
        self.today = date.today()

    def set_data(self, habit: Habit, checkins: list[CheckIn], today: date) -> None:
        self.habit = habit
        self.checkins = {c.date: c for c in checkins}
        self.today = today
        self.refresh()

    def render(self) -> RenderResult:
        if self.habit is None:
            return Text("")
        weeks = max(4, min(53, (self.size.width - LABEL_WIDTH) // 2))
        return heatmap_text(self.habit, self.checkins, self.today, weeks, levels(self, self.habit), muted(self))
