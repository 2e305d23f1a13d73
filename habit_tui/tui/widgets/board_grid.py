"""The board grid: one row per habit, one column per day, then streak and score.

A Line API widget: each visible line is built from pre-made segments, so the first frame of 50
habits x 40 days costs a few milliseconds (a DataTable renders every cell through Rich, which
took ~80 ms and most of the startup budget).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from habit_tui.services.board import Board, BoardRow
from habit_tui.tui.widgets.cells import (
    DAY_WIDTH,
    SCORE_WIDTH,
    STREAK_WIDTH,
    Cell,
    day_cell,
    day_header,
    months_label,
    name_cell,
    score_cell,
    streak_cell,
)

NAME = "name"
DAY = "day"
STREAK = "streak"
SCORE = "score"
HEADER_LINES = 2
MIN_DAYS = 7
MAX_DAYS = 42
MIN_NAME = 12
MAX_NAME = 28


def layout(width: int, longest_name: int, day_width: int = DAY_WIDTH) -> tuple[int, int]:
    """(name column width, number of day columns) that fit ``width`` cells.

    ``longest_name`` and ``width`` are terminal cells (a CJK character takes two).
    """
    fixed = STREAK_WIDTH + SCORE_WIDTH + 1
    name = max(MIN_NAME, min(MAX_NAME, longest_name + 3))
    days = (width - fixed - name) // day_width
    if days < MIN_DAYS:
        name = max(MIN_NAME - 2, width - fixed - MIN_DAYS * day_width)
        days = max(MIN_DAYS, (width - fixed - name) // day_width)
    return name, min(MAX_DAYS, days)


class BoardGrid(Widget, can_focus=True):
    """Habits by days. The cursor is a (row, column) pair; column 0 is the name."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"board-grid--header", "board-grid--cursor", "board-grid--cursor-row"}

    DEFAULT_CSS = """
    BoardGrid {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .board-grid--header {
            background: $panel;
            color: $foreground;
        }
        & > .board-grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .board-grid--cursor-row {
            background: $boost;
        }
        &:focus > .board-grid--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "activate", "Toggle", show=False),
        Binding("up,k", "move(-1, 0)", "Up", show=False),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right,l", "move(0, 1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "ends(-1)", "First habit", show=False),
        Binding("end", "ends(1)", "Last habit", show=False),
    ]

    class Activated(Message):
        """Space, enter or a second click on a cell: ``kind`` is 'name', 'day', 'streak' or 'score'."""

        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    class EdgeReached(Message):
        """The cursor tried to move right past the last day column while the days shown are in the past."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list[date] = []
        self.rows: list[BoardRow] = []
        self.rows_by_id: dict[str, BoardRow] = {}
        self.today = date.min
        self.name_width = MIN_NAME
        self.day_width = DAY_WIDTH
        self.cursor_row = 0
        self.cursor_column = 0
        self.top = 0
        self._cells: list[list[Cell]] = []
        self._header: tuple[list[Cell], list[Cell]] = ([], [])

    # ----- what is under the cursor ------------------------------------------
    def column_kind(self, column: int | None = None) -> str:
        col = self.cursor_column if column is None else column
        if col == 0:
            return NAME
        if col <= len(self.days):
            return DAY
        return STREAK if col == len(self.days) + 1 else SCORE

    def current_row(self) -> BoardRow | None:
        return self.rows[self.cursor_row] if 0 <= self.cursor_row < len(self.rows) else None

    def current_day(self) -> date | None:
        """The day under the cursor, or the last day shown when the cursor is not on a day."""
        if not self.days:
            return None
        if 1 <= self.cursor_column <= len(self.days):
            return self.days[self.cursor_column - 1]
        return self.days[-1]

    @property
    def column_count(self) -> int:
        return len(self.days) + 3

    def column_at(self, x: int) -> int | None:
        if x < self.name_width:
            return 0
        x -= self.name_width
        if x < self.day_width * len(self.days):
            return 1 + x // self.day_width
        x -= self.day_width * len(self.days)
        if x < STREAK_WIDTH:
            return len(self.days) + 1
        return len(self.days) + 2 if x < STREAK_WIDTH + SCORE_WIDTH else None

    # ----- filling -----------------------------------------------------------
    def show(
        self,
        board: Board,
        days: list[date],
        name_width: int,
        *,
        day_width: int = DAY_WIDTH,
        select: str | None = None,
        day: date | None = None,
    ) -> None:
        """Show ``days`` of ``board``, keeping the cursor on the same habit (or ``select``) and day (or ``day``)."""
        keep = self.current_row()
        keep_id = select or (keep.habit.id if keep else None)
        keep_kind = DAY if day or not self.days else self.column_kind()
        keep_day = day or (self.current_day() if self.days and keep_kind == DAY else None)
        first_fill = not self.days
        self.days, self.today, self.name_width, self.day_width = days, board.today, name_width, day_width
        self.rows = list(board.rows)
        self.rows_by_id = {r.habit.id: r for r in self.rows}
        self._cells = [self._row_cells(r) for r in self.rows]
        self._header = self._header_cells(board)
        ids = [r.habit.id for r in self.rows]
        if keep_id is not None and keep_id in ids:
            self.cursor_row = ids.index(keep_id)
        self.cursor_row = max(0, min(self.cursor_row, len(ids) - 1))
        if (first_fill and day is None) or (keep_day is None and keep_kind == DAY):
            self.cursor_column = len(days)
        elif keep_kind == DAY and keep_day is not None:
            self.cursor_column = 1 + min(max(0, (keep_day - days[0]).days), len(days) - 1)
        else:
            self.cursor_column = {NAME: 0, STREAK: len(days) + 1, SCORE: len(days) + 2}[keep_kind]
        self._scroll_to_cursor()
        self.refresh()

    def update_row(self, row: BoardRow) -> None:
        """Redraw one habit's row in place (after a check-in)."""
        for i, r in enumerate(self.rows):
            if r.habit.id == row.habit.id:
                self.rows[i] = row
                self.rows_by_id[row.habit.id] = row
                self._cells[i] = self._row_cells(row)
                self._refresh_row(i)

    def move_cursor(self, *, row: int | None = None, column: int | None = None) -> None:
        if row is not None:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))
        if column is not None:
            self.cursor_column = max(0, min(column, self.column_count - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _refresh_row(self, index: int) -> None:
        y = index - self.top + HEADER_LINES
        if HEADER_LINES <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _row_cells(self, r: BoardRow) -> list[Cell]:
        cells = [name_cell(r, self.name_width)]
        cells += [day_cell(r.habit, r.cells.get(d), d, self.today, r.stats.started, self.day_width) for d in self.days]
        cells += [streak_cell(r), score_cell(r.stats.score)]
        return cells

    def _header_cells(self, board: Board) -> tuple[list[Cell], list[Cell]]:
        months = months_label(self.days[0], self.days[-1], self.name_width - 1) if self.days else ""
        top = [[Segment("Habit".ljust(self.name_width), Style(bold=True))]]
        bottom = [[Segment(months[: self.name_width - 1].ljust(self.name_width), Style(dim=True))]]
        for d in self.days:
            upper, lower = day_header(d, board.today, self.day_width)
            top.append(upper)
            bottom.append(lower)
        top += [
            [Segment("Streak".rjust(STREAK_WIDTH - 1) + " ", Style(bold=True))],
            [Segment("Score".ljust(SCORE_WIDTH), Style(bold=True))],
        ]
        bottom += [[Segment(" " * STREAK_WIDTH)], [Segment(" " * SCORE_WIDTH)]]
        return top, bottom

    # ----- drawing -----------------------------------------------------------
    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - HEADER_LINES)

    def _scroll_to_cursor(self) -> None:
        if self.cursor_row < self.top:
            self.top = self.cursor_row
        elif self.cursor_row >= self.top + self.visible_rows:
            self.top = self.cursor_row - self.visible_rows + 1
        self.top = max(0, min(self.top, max(0, len(self.rows) - self.visible_rows)))

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y < HEADER_LINES:
            header = self.get_component_rich_style("board-grid--header")
            cells = self._header[y]
            segments = [Segment(s.text, header + s.style if s.style else header) for c in cells for s in c]
            if y == 1:
                segments += self._scroll_hint(header)
            return Strip(segments).adjust_cell_length(width, header).crop(0, width)
        index = self.top + y - HEADER_LINES
        if index >= len(self._cells):
            return Strip.blank(width, base)
        cells = self._cells[index]
        segments = []
        on_row = index == self.cursor_row
        cursor = self.get_component_rich_style("board-grid--cursor")
        row_style = self.get_component_rich_style("board-grid--cursor-row") if on_row else None
        for col, cell in enumerate(cells):
            for s in cell:
                style = s.style or Style()
                if on_row and col == self.cursor_column:
                    style = style + cursor
                elif row_style is not None:
                    style = row_style + style
                segments.append(Segment(s.text, base + style))
        return Strip(segments).adjust_cell_length(width, base).crop(0, width)

    def _scroll_hint(self, style: Style) -> list[Segment]:
        above, below = self.top, max(0, len(self.rows) - self.top - self.visible_rows)
        if not above and not below:
            return []
        return [Segment(f"  {above}↑ {below}↓", style + Style(dim=True))]

    # ----- keys and mouse ----------------------------------------------------
    def action_move(self, rows: int, columns: int) -> None:
        if not self.rows:
            return
        if columns > 0 and self.cursor_column == len(self.days) and self.days and self.days[-1] < self.today:
            self.post_message(self.EdgeReached(+1))
            return
        old = self.cursor_row
        self.move_cursor(row=self.cursor_row + rows, column=self.cursor_column + columns)
        if old != self.cursor_row:
            self.refresh()

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * self.visible_rows)

    def action_ends(self, direction: int) -> None:
        self.move_cursor(row=0 if direction < 0 else len(self.rows) - 1)

    def action_activate(self) -> None:
        if self.rows:
            self.post_message(self.Activated(self.column_kind()))

    def on_click(self, event: events.Click) -> None:
        index = self.top + event.y - HEADER_LINES
        column = self.column_at(event.x)
        if event.y < HEADER_LINES or column is None or not 0 <= index < len(self.rows):
            return
        if (index, column) == (self.cursor_row, self.cursor_column):
            self.post_message(self.Activated(self.column_kind()))
        else:
            self.move_cursor(row=index, column=column)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll_by(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll_by(-3)

    def _scroll_by(self, lines: int) -> None:
        self.top = max(0, min(self.top + lines, max(0, len(self.rows) - self.visible_rows)))
        self.cursor_row = max(self.top, min(self.cursor_row, self.top + self.visible_rows - 1))
        self.refresh()
