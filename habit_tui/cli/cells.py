"""How a habit's state reads in a terminal table cell (user text stays literal)."""

from __future__ import annotations

from rich.text import Text

from habit_tui.cli.tables import literal
from habit_tui.services.views import HabitRow
from sync_protocol.domain.habit import Habit, format_number


def name_cell(habit: Habit) -> Text:
    text = literal(habit.name)
    if habit.archived:
        text.append(" (archived)", style="dim")
    return text


def today_cell(r: HabitRow) -> Text:
    s, h = r.stats, r.habit
    if s.skipped_today:
        return Text("skipped", style="cyan")
    if h.is_measurable and s.today_value is not None:
        text = Text("✓ ", style="green") if s.done_today else Text()
        text.append_text(literal(f"{format_number(s.today_value)}/{format_number(h.target)} {h.unit}".rstrip()))
        return text
    if s.done_today:
        return Text("✓ done", style="green")
    if s.at_risk:
        return Text("! at risk", style="red")
    if s.due_today:
        return Text("due", style="yellow")
    return Text("not due", style="dim")


def streak_cell(length: int, habit: Habit) -> str:
    """``3 days``, ``1 week``, ``4 times``: a streak is worded the same in every output."""
    return habit.schedule.unit.text(length)
