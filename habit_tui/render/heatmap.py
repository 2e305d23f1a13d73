"""A GitHub-style year heatmap: a column per week, a row per weekday, shaded by how much was done."""

from __future__ import annotations

from datetime import date, timedelta

from rich.style import Style
from rich.text import Text

from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.stats import effective_start

_DAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
LABEL_WIDTH = 4


def heatmap_text(
    habit: Habit, by_day: dict[date, CheckIn], today: date, weeks: int, shades: list[Style], dim: Style
) -> Text:
    first_day = effective_start(habit, by_day.values())
    end = today + timedelta(days=6 - today.weekday())
    start = end - timedelta(days=7 * weeks - 1)
    text = Text(" " * LABEL_WIDTH)
    last_month = 0
    skip = 0
    for w in range(weeks):
        first = start + timedelta(days=7 * w)
        if skip:
            skip -= 1
            continue
        starts_month = first.day <= 7 or (w == 0 and first.day <= 14)
        if first.month != last_month and starts_month and w < weeks - 1:
            last_month = first.month
            text.append(first.strftime("%b"), style=dim)
            text.append(" ")
            skip = 1
        else:
            text.append("  ")
    text.append("\n")
    for row in range(7):
        text.append(f"{_DAY_LABELS[row]:<{LABEL_WIDTH}}", style=dim)
        for w in range(weeks):
            d = start + timedelta(days=7 * w + row)
            c = by_day.get(d)
            if d > today or (c is None and d < first_day):
                text.append("  ")
            elif c is None:
                text.append("■ ", style=shades[0])
            elif c.skipped:
                text.append("– ", style=dim)
            else:
                credit = value_credit(habit, c.value or 0.0)
                level = 4 if credit >= 1 else (1 + min(2, int(credit * 3)) if credit > 0 else 0)
                text.append("■ ", style=shades[level])
        text.append("\n")
    text.append(" " * LABEL_WIDTH + "less ", style=dim)
    for shade in shades:
        text.append("■ ", style=shade)
    text.append("more   – skipped", style=dim)
    return text
