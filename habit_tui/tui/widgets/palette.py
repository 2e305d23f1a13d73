"""Colours for charts, taken from the current theme so they read in light and dark themes."""

from __future__ import annotations

from contextlib import suppress

from rich.style import Style
from textual.color import Color
from textual.widget import Widget

from sync_protocol.domain.habit import Habit


def _theme_colour(widget: Widget, name: str, fallback: str) -> Color:
    value = widget.app.theme_variables.get(name) or fallback
    try:
        return Color.parse(value)
    except Exception:
        return Color.parse(fallback)


def levels(widget: Widget, habit: Habit | None = None) -> list[Style]:
    """Five shades from 'nothing' to 'fully done', in the habit's colour or the theme's success colour."""
    base = _theme_colour(widget, "success", "#4EBF71")
    if habit is not None and habit.color:
        with suppress(Exception):  # a colour name Textual does not know keeps the theme's
            base = Color.parse(habit.color)
    empty = _theme_colour(widget, "panel", "#333333")
    return [Style(color=empty.blend(base, f).rich_color) for f in (0.0, 0.3, 0.55, 0.8, 1.0)]


def muted(widget: Widget) -> Style:
    return Style(color=_theme_colour(widget, "foreground-muted", "#888888").rich_color)
