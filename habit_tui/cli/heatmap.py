"""Terminal drawings for ``habit show``: a year heatmap and a score bar."""

from __future__ import annotations

from datetime import date

from rich.style import Style
from rich.text import Text

from habit_tui.render.heatmap import heatmap_text
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit

_LEVELS = ("grey23", "dark_green", "green4", "green3", "bright_green")


def year_heatmap(habit: Habit, checkins: list[CheckIn], today: date, weeks: int = 53) -> Text:
    """The year heatmap of ``habit show``, in the terminal's green shades."""
    shades = [Style.parse(name) for name in _LEVELS]
    return heatmap_text(habit, {c.date: c for c in checkins}, today, weeks, shades, Style(dim=True))


def score_bar(score: float, width: int = 10) -> Text:
    filled = round(score * width)
    bar = Text("█" * filled, style="green" if score >= 0.5 else "yellow" if score >= 0.2 else "red")
    bar.append("░" * (width - filled), style="grey35")
    bar.append(f" {score:4.0%}")
    return bar
