"""How the board's cells are drawn: each cell is a few Rich segments of a fixed width."""

from __future__ import annotations

from datetime import date

from rich.color import Color, ColorParseError
from rich.segment import Segment
from rich.style import Style

from habit_tui.services.board import BoardRow
from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit, format_number

Cell = list[Segment]

DAY_WIDTH = 3
STREAK_WIDTH = 7
SCORE_WIDTH = 10
_WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

PLAIN = Style()
DIM = Style(dim=True)
BOLD = Style(bold=True)
DONE = Style(color="green", bold=True)
PARTIAL = Style(color="yellow")
MISSED = Style(color="red")
SKIPPED = Style(color="cyan")
RISK = Style(color="red", bold=True)
DUE = Style(color="yellow", bold=True)
TODAY_HEADER = Style(bold=True, reverse=True)
FIRST_OF_MONTH = Style(underline=True)
ARCHIVED = Style(dim=True, italic=True)
_BLANK_DAY = [Segment("   ")]
_DUE_DAY = [Segment(" · ", DIM)]


def habit_style(habit: Habit) -> Style:
    """The habit's own colour, if it has one Rich knows."""
    if not habit.color:
        return PLAIN
    try:
        return Style(color=Color.parse(habit.color))
    except ColorParseError:
        return PLAIN


def compact(value: float) -> str:
    """A number in at most three characters: 8, 2.5, 12, 350, 2k."""
    text = format_number(value)
    if len(text) <= 3:
        return text
    if value < 10:
        return f"{value:.1f}"
    if value < 1000:
        return str(round(value))
    if value < 999_500:
        return f"{round(value / 1000)}k"[:3]
    return "1M+"


def months_label(first: date, last: date, width: int = 20) -> str:
    """The months a window of days spans, for the header above the names: ``Jun 2025``, ``May–Jun 2025``."""
    if (first.year, first.month) == (last.year, last.month):
        return first.strftime("%b %Y")
    if first.year == last.year:
        label = f"{first:%b}–{last:%b %Y}"
        return label if len(label) <= width else f"{first:%b}–{last:%b}"
    return f"{first:%b %y}–{last:%b %y}"


def day_header(day: date, today: date) -> tuple[Cell, Cell]:
    """The two header lines of a day column: weekday over day of the month."""
    style = TODAY_HEADER if day == today else DIM if day.weekday() >= 5 else BOLD
    bottom = style + FIRST_OF_MONTH if day.day == 1 else style
    return [Segment(f"{_WEEKDAYS[day.weekday()]:^3}", style)], [Segment(f"{day.day:^3}", bottom)]


def day_cell(habit: Habit, checkin: CheckIn | None, day: date, today: date) -> Cell:
    if checkin is None:
        if day > today or day < habit.start_date or not habit.schedule.is_due_on(day):
            return _BLANK_DAY
        return _DUE_DAY
    mark = "*" if checkin.note else " "
    if checkin.skipped:
        return [Segment(f" –{mark}", SKIPPED)]
    value = checkin.value or 0.0
    credit = value_credit(habit, value)
    style = DONE if credit >= 1 else PARTIAL if credit > 0 else MISSED
    if not habit.is_measurable:
        return [Segment(f" ✓{mark}", style)]
    return [Segment(f"{compact(value):>2}{mark}"[-3:].rjust(3), style)]


def name_cell(row: BoardRow, width: int) -> Cell:
    """Status glyph, then the name: bold when due today, ! when at risk, ✓ when done."""
    h, s = row.habit, row.stats
    if h.archived:
        glyph = Segment("  ")
    elif s.at_risk:
        glyph = Segment("! ", RISK)
    elif s.done_today:
        glyph = Segment("✓ ", DONE)
    elif s.skipped_today:
        glyph = Segment("– ", SKIPPED)
    elif s.due_today:
        glyph = Segment("• ", DUE)
    else:
        glyph = Segment("  ")
    name = h.name + (" (archived)" if h.archived else "")
    room = max(1, width - 3)
    if len(name) > room:
        name = name[: room - 1] + "…"
    style = habit_style(h)
    if h.archived:
        style += ARCHIVED
    elif s.due_today and not s.done_today:
        style += BOLD
    return [glyph, Segment(name, style), Segment(" " * max(0, width - 2 - len(name)))]


def streak_cell(row: BoardRow) -> Cell:
    n = row.stats.current_streak
    return [Segment(row.habit.schedule.unit.compact(n).rjust(STREAK_WIDTH - 1) + " ", BOLD if n else DIM)]


def score_cell(score: float) -> Cell:
    filled = round(score * 5)
    colour = Style(color="green" if score >= 0.5 else "yellow" if score >= 0.2 else "red")
    return [Segment("█" * filled, colour), Segment("░" * (5 - filled), DIM), Segment(f"{score:>4.0%} ")]


def text_of(cell: Cell) -> str:
    return "".join(s.text for s in cell)
