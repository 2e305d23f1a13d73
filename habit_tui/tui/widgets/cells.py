"""How the board's cells are drawn: each cell is a few Rich segments of a fixed width.

A day cell is its mark or value, right-aligned, then one column for ``*`` (the day has a note).
Day columns are :data:`DAY_WIDTH` wide, wider when a value on the board needs it (``150``,
``10k``). Widths are terminal cells, so names in CJK or with emoji line up; user text goes
through :func:`~sync_protocol.domain.text.printable`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.color import Color, ColorParseError
from rich.segment import Segment
from rich.style import Style

from habit_tui.services.board import BoardRow
from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit, format_number
from sync_protocol.domain.text import printable

Cell = list[Segment]

DAY_WIDTH = 3
"""The narrowest day column: a mark or a value of up to two characters, then the note mark."""
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


def habit_style(habit: Habit) -> Style:
    """The habit's own colour, if it has one Rich knows."""
    if not habit.color:
        return PLAIN
    try:
        return Style(color=Color.parse(habit.color))
    except ColorParseError:
        return PLAIN


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def compact(value: float) -> str:
    """A value as written when it fits three characters (8, 2.5, 150), else rounded half up and
    abbreviated in at most four: 0.3, 10, 1k, 10k, 150k, 3M, 1G. Never a cut-off number."""
    text = format_number(value)
    if len(text) <= 3:
        return text
    if value < 10:
        tenths = _half_up(value * 10)
        return f"{tenths / 10:.1f}" if tenths < 100 else "10"
    if value < 999.5:
        return str(_half_up(value))
    for suffix, size in (("k", 1e3), ("M", 1e6)):
        n = _half_up(value / size)
        if n < 1000:
            return f"{n}{suffix}"
    return f"{_half_up(value / 1e9)}G"


def day_width(rows: Iterable[BoardRow]) -> int:
    """How wide the day columns must be for every value on the board (and its note mark)."""
    widest = max(
        (
            len(compact(c.value))
            for r in rows
            if r.habit.is_measurable
            for c in r.cells.values()
            if c.value is not None and not c.skipped
        ),
        default=0,
    )
    return max(DAY_WIDTH, widest + 1)


def months_label(first: date, last: date, width: int = 20) -> str:
    """The months a window of days spans, for the header above the names: ``Jun 2025``, ``May-Jun 2025``."""
    if (first.year, first.month) == (last.year, last.month):
        return first.strftime("%b %Y")
    if first.year == last.year:
        label = f"{first:%b}-{last:%b %Y}"
        return label if len(label) <= width else f"{first:%b}-{last:%b}"
    return f"{first:%b %y}-{last:%b %y}"


def day_header(day: date, today: date, width: int = DAY_WIDTH) -> tuple[Cell, Cell]:
    """The two header lines of a day column: weekday over day of the month, over the cells' marks."""
    style = TODAY_HEADER if day == today else DIM if day.weekday() >= 5 else BOLD
    bottom = style + FIRST_OF_MONTH if day.day == 1 else style
    top = _WEEKDAYS[day.weekday()].rjust(width - 1) + " "
    return [Segment(top, style)], [Segment(str(day.day).rjust(width - 1) + " ", bottom)]


def day_cell(
    habit: Habit, checkin: CheckIn | None, day: date, today: date, started: date, width: int = DAY_WIDTH
) -> Cell:
    """``✓`` done, a measurable habit's value, ``–`` skipped, ``·`` due with nothing yet; ``*`` a note.

    ``started``: the first day the habit counts (its stats' ``started``); days before it are blank.
    """
    if checkin is None:
        if day > today or day < started or not habit.schedule.is_due_on(day):
            return [Segment(" " * width)]
        return [Segment("·".rjust(width - 1) + " ", DIM)]
    mark = "*" if checkin.note else " "
    if checkin.skipped:
        return [Segment("–".rjust(width - 1) + mark, SKIPPED)]
    value = checkin.value or 0.0
    if not habit.is_measurable and value <= 0:
        # A yes/no day that holds only a note (Loop's NO with a note): not done, as a day with nothing.
        return [Segment("·".rjust(width - 1) + mark, DIM)]
    credit = value_credit(habit, value)
    style = DONE if credit >= 1 else PARTIAL if credit > 0 else MISSED
    shown = compact(value) if habit.is_measurable else "✓"
    return [Segment(shown.rjust(width - 1) + mark, style)]


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
    name = shown_name(h)
    room = max(1, width - 3)
    if cell_len(name) > room:
        name = set_cell_size(name, room - 1) + "…"
    style = habit_style(h)
    if h.archived:
        style += ARCHIVED
    elif s.due_today and not s.done_today:
        style += BOLD
    return [glyph, Segment(name, style), Segment(" " * max(0, width - 2 - cell_len(name)))]


def shown_name(habit: Habit) -> str:
    """The name as the board shows it (escaped where the text rule would refuse it)."""
    return printable(habit.name) + (" (archived)" if habit.archived else "")


def streak_cell(row: BoardRow) -> Cell:
    """``12 d``, ``3 wk``, ``4 ×``: the streak's unit abbreviated as in the PDF report's table."""
    n = row.stats.current_streak
    return [Segment(row.habit.schedule.unit.short(n).rjust(STREAK_WIDTH - 1) + " ", BOLD if n else DIM)]


def score_cell(score: float) -> Cell:
    filled = round(score * 5)
    colour = Style(color="green" if score >= 0.5 else "yellow" if score >= 0.2 else "red")
    return [Segment("█" * filled, colour), Segment("░" * (5 - filled), DIM), Segment(f"{score:>4.0%} ")]


def text_of(cell: Cell) -> str:
    return "".join(s.text for s in cell)
