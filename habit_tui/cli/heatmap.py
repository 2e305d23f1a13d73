"""Terminal drawings for ``habit show``: a year heatmap and a score bar."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text

from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit

_LEVELS = ("grey23", "dark_green", "green4", "green3", "bright_green")
_DAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def year_heatmap(habit: Habit, checkins: list[CheckIn], today: date, weeks: int = 53) -> Text:
    """GitHub-style grid: a column per week, a row per weekday, shade by how much was done."""
    by_day = {c.date: c for c in checkins}
    end = today + timedelta(days=6 - today.weekday())
    start = end - timedelta(days=7 * weeks - 1)
    text = Text()
    labels = [" "] * (4 + 2 * weeks)
    last_month = 0
    for w in range(weeks):
        first = start + timedelta(days=7 * w)
        col = 4 + 2 * w
        if first.month != last_month and col + 3 <= len(labels) and labels[col - 1] == " ":
            last_month = first.month
            labels[col : col + 3] = list(first.strftime("%b"))
    text.append("".join(labels).rstrip(), style="dim")
    text.append("\n")
    for row in range(7):
        text.append(f"{_DAY_LABELS[row]:<4}", style="dim")
        for w in range(weeks):
            d = start + timedelta(days=7 * w + row)
            if d > today:
                text.append("  ")
                continue
            c = by_day.get(d)
            if c is None:
                text.append("■ " if d >= habit.start_date else "  ", style=_LEVELS[0])
            elif c.skipped:
                text.append("· ", style="cyan")
            else:
                credit = value_credit(habit, c.value or 0.0)
                level = 4 if credit >= 1 else 1 + min(2, int(credit * 3))
                text.append("■ ", style=_LEVELS[level] if credit > 0 else _LEVELS[0])
        text.append("\n")
    text.append("    less ", style="dim")
    for style in _LEVELS:
        text.append("■ ", style=style)
    text.append("more   ", style="dim")
    text.append("· ", style="cyan")
    text.append("skipped", style="dim")
    return text


def score_bar(score: float, width: int = 10) -> Text:
    filled = round(score * width)
    bar = Text("█" * filled, style="green" if score >= 0.5 else "yellow" if score >= 0.2 else "red")
    bar.append("░" * (width - filled), style="grey35")
    bar.append(f" {score:4.0%}")
    return bar
