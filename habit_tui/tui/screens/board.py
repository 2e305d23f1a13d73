"""The board: every habit as a row, the last days as cells; check in, skip, note, go back in time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from habit_tui.errors import HabitError
from habit_tui.services import checkins, reporting
from habit_tui.services import habits as svc
from habit_tui.services.board import Board, BoardRow, load_board, load_row, row_after
from habit_tui.services.checkins import Change
from habit_tui.services.context import Session
from habit_tui.tui.backend import backend_of
from habit_tui.tui.messages import (
    ArchiveRequested,
    BoardLoaded,
    DeleteRequested,
    DetailRequested,
    EditRequested,
    HabitChanged,
    JobFailed,
    ReportFailed,
    ReportWritten,
    RowLoaded,
)
from habit_tui.tui.screens.prompt import PromptScreen, note_error, value_error
from habit_tui.tui.widgets.board_grid import MAX_DAYS, BoardGrid, layout
from habit_tui.tui.widgets.cells import day_width, shown_name
from habit_tui.tui.widgets.status_line import StatusLine, summary
from sync_protocol.domain.habit import format_number
from sync_protocol.domain.text import printable
from sync_protocol.report.period import PeriodKind

SHIFT_DAYS = 7
PERIOD_WORDS = {"week": "weekly", "month": "monthly"}

EMPTY_TEXT = """[b]No habits yet.[/b]

Press [b reverse] a [/] to add your first habit.
Then [b]space[/b] marks a day done, [b]?[/b] lists every key.
"""


def report_job(period: str) -> Callable[[Session], ReportWritten | ReportFailed]:
    """Write the PDF report of this week or month into the working directory (``habit report``'s default)."""

    def job(s: Session) -> ReportWritten | ReportFailed:
        kind: PeriodKind = "month" if period == "month" else "week"
        try:
            path, pages = reporting.write_report(s, kind)
        except HabitError as exc:
            return ReportFailed(str(exc))
        except OSError as exc:  # e.g. the working directory was removed
            return ReportFailed(f"cannot write the report: {exc.strerror or exc}")
        return ReportWritten(path, pages)

    return job


def board_job(days_back: int, *, include_archived: bool) -> Callable[[Session], BoardLoaded]:
    """Load the board's window: MAX_DAYS ending ``days_back`` days before today."""

    def job(s: Session) -> BoardLoaded:
        last = s.today - timedelta(days=days_back)
        first = last - timedelta(days=MAX_DAYS - 1)
        return BoardLoaded(load_board(s, first, last, include_archived=include_archived))

    return job


class BoardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("i", "detail", "Detail"),
        Binding("s", "skip", "Skip"),
        Binding("n", "note", "Note"),
        Binding("left_square_bracket", "shift(-1)", "Earlier", key_display="["),
        Binding("right_square_bracket", "shift(1)", "Later", key_display="]"),
        Binding("t", "go_today", "Today", show=False),
        Binding("A", "archive", "Archive", show=False),
        Binding("D", "delete", "Delete", show=False),
        Binding("K,shift+up", "move(-1)", "Move up", show=False),
        Binding("J,shift+down", "move(1)", "Move down", show=False),
        Binding("z", "toggle_archived", "Show archived", show=False),
        Binding("r", "report('week')", "Report", show=False),
        Binding("R", "report('month')", "Monthly report", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]

    class Ready(Message):
        """The first complete board has been painted."""

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self.days_back = 0
        """How many days before today the last column shows."""
        self.show_archived = False
        self.days = 7
        self.name_width = 16
        self._painted = False
        self._select_after_load: str | None = None
        self._day_after_load: date | None = None
        self._announced: set[tuple[str, str, int]] = set()
        """Milestones already announced in this session: (habit id, kind, length)."""

    def compose(self) -> ComposeResult:
        yield BoardGrid(id="board")
        yield Static(EMPTY_TEXT, id="empty")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#empty").display = False
        self.name_width, self.days = layout(self.app.size.width, 0)
        self.reload()

    @property
    def shown_days(self) -> list[date]:
        """The days the board shows now (fewer than it loaded on a narrow terminal)."""
        return self.query_one(BoardGrid).days

    # ----- loading -----------------------------------------------------------
    def window(self) -> tuple[date, date]:
        """The days loaded: MAX_DAYS up to the last day shown (a resize then needs no reload)."""
        last = backend_of(self).today - timedelta(days=self.days_back)
        return last - timedelta(days=MAX_DAYS - 1), last

    def reload(self) -> None:
        backend_of(self).submit(self, board_job(self.days_back, include_archived=self.show_archived))

    def on_board_loaded(self, message: BoardLoaded) -> None:
        board = message.board
        if (board.first, board.last) != self.window():
            return  # a newer request is on its way
        self.board = board
        empty = not board.rows
        grid = self.query_one(BoardGrid)
        grid.display = not empty
        self.query_one("#empty").display = empty
        if not empty and self.focused is None:
            grid.focus()  # the first habits arrive (added, imported, synced): keys reach the board at once
        self._draw(select=self._select_after_load, day=self._day_after_load)
        self._select_after_load = self._day_after_load = None
        if not self._painted:
            self._painted = True
            self.call_after_refresh(self.post_message, self.Ready())

    def _draw(self, *, select: str | None = None, day: date | None = None) -> None:
        """Lay the loaded board out for the current width (and the widest value on it)."""
        if self.board is None:
            return
        longest = max((cell_len(shown_name(r.habit)) for r in self.board.rows), default=0)
        width = day_width(self.board.rows)
        self.name_width, self.days = layout(self.size.width or self.app.size.width, longest, width)
        last = self.board.last
        days = [last - timedelta(days=i) for i in reversed(range(self.days))]
        self.query_one(BoardGrid).show(self.board, days, self.name_width, day_width=width, select=select, day=day)
        self._update_status()

    def on_resize(self, _event: Resize) -> None:
        self._draw()

    def _show_row(self, row: BoardRow) -> None:
        """Put one habit's new row on the board; lay it out again if its values need wider days."""
        if self.board is None:
            return
        rows = self.board.rows
        for i, r in enumerate(rows):
            if r.habit.id == row.habit.id:
                rows[i] = row
        grid = self.query_one(BoardGrid)
        if day_width(rows) != grid.day_width:
            self._draw()
        else:
            grid.update_row(row)

    def on_row_loaded(self, message: RowLoaded) -> None:
        if message.row is None or self.board is None:
            self.reload()
            return
        self._show_row(message.row)
        self._update_status()
        if message.notice:
            self.notify(message.notice, timeout=2, markup=False)
        reached = message.milestone
        if reached is not None:
            key = (message.habit_id, reached.kind, reached.length)
            if key not in self._announced:  # undoing and redoing a day does not announce it again
                self._announced.add(key)
                self.notify(reached.message, title="★ Milestone", timeout=6, markup=False)

    def on_habit_changed(self, message: HabitChanged) -> None:
        if message.notice:
            self.notify(message.notice, timeout=3, markup=False)
        if message.select and message.habit is not None:
            self._select_after_load = message.habit.id
        self.reload()

    def on_job_failed(self, message: JobFailed) -> None:
        if message.habit_id is not None:
            self._reload_row(message.habit_id)  # undo the optimistic change on screen
        elif self.board is None:
            empty = self.query_one("#empty", Static)
            said = printable(message.error, multiline=True)
            empty.update(Text(f"Could not read your habits:\n{said}\n\nq quits.", style="red"))
            empty.display = True

    def refresh_data(self) -> None:
        """Another process changed the database (called by the app's watcher)."""
        self.reload()

    def _update_status(self) -> None:
        if self.board is not None:
            self.query_one(StatusLine).left = summary(self.board, self.show_archived, self.shown_days)

    # ----- the selection -----------------------------------------------------
    def _selected(self) -> tuple[BoardRow, date] | None:
        table = self.query_one(BoardGrid)
        row, day = table.current_row(), table.current_day()
        if row is None or day is None:
            if self.board is not None and not self.board.rows:
                self.notify("No habits yet: press a to add one.", severity="warning")
            return None
        return row, day

    def on_board_grid_activated(self, message: BoardGrid.Activated) -> None:
        if message.kind == "day":
            self.toggle()
        else:
            self.action_detail()

    def toggle(self) -> None:
        picked = self._selected()
        if picked is None:
            return
        row, day = picked
        habit, current = row.habit, row.cells.get(day)
        if habit.archived:
            self.notify(
                f"'{habit.name}' is archived: press A to bring it back first.", severity="warning", markup=False
            )
            return
        if habit.is_measurable:
            goal = habit.goal_text()
            self.app.push_screen(
                PromptScreen(
                    f"{habit.name} on {day:%a %d %b}: how much?",
                    value=format_number(current.value) if current and current.value is not None else "",
                    placeholder=format_number(habit.target),
                    hint=f"Goal: {goal} · enter saves · empty clears the day · esc cancels",
                    check=value_error,
                ),
                lambda text: self._set_value(row, day, text),
            )
            return
        self._write(row, day, Change("toggle"))

    def _set_value(self, row: BoardRow, day: date, text: str | None) -> None:
        if text is None:
            return
        if text:
            self._write(row, day, Change("done", float(text)))
        elif day in row.cells:
            self._write(row, day, Change("clear"))

    def action_skip(self) -> None:
        picked = self._selected()
        if picked is not None:
            self._write(*picked, Change("toggle_skip"))

    def action_note(self) -> None:
        picked = self._selected()
        if picked is None:
            return
        row, day = picked
        current = row.cells.get(day)
        if current is None:
            self.notify(
                f"Nothing on {day:%a %d %b} to attach a note to: mark it done (space) or skipped (s) first.",
                severity="warning",
            )
            return

        shown = printable(current.note)

        def save(text: str | None) -> None:
            if text is not None and text != shown.strip():  # a note stored before the text rule stays as it was
                self._write(row, day, Change("note", note=text))

        self.app.push_screen(
            PromptScreen(
                f"Note for {row.habit.name} on {day:%a %d %b}",
                value=current.note,
                hint="enter saves · empty removes the note · esc cancels",
                check=note_error,
            ),
            save,
        )

    def _write(self, row: BoardRow, day: date, change: Change) -> None:
        """Show the change at once, then make it on the database thread and redraw the row from what it did."""
        if day > backend_of(self).today:
            self.notify("That day has not happened yet.", severity="warning")
            return
        try:
            new = checkins.next_state(row.habit, day, row.cells.get(day), change)
        except HabitError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        cells = dict(row.cells)
        if new is None:
            cells.pop(day, None)
        else:
            cells[day] = new
        self._show_row(replace(row, cells=cells))
        first, last = self.window()
        hid = row.habit.id

        def job(s: Session) -> RowLoaded:
            o = checkins.change_day(s, svc.current_habit(s, hid), day, change)
            return RowLoaded(hid, row_after(s, o, first, last), milestone=o.milestone)

        backend_of(self).submit(self, job, habit_id=hid)

    def _reload_row(self, habit_id: str) -> None:
        first, last = self.window()
        backend_of(self).submit(self, lambda s: RowLoaded(habit_id, load_row(s, habit_id, first, last)))

    # ----- time --------------------------------------------------------------
    def action_shift(self, direction: int) -> None:
        self._shift(-direction * SHIFT_DAYS)

    def on_board_grid_edge_reached(self, message: BoardGrid.EdgeReached) -> None:
        table = self.query_one(BoardGrid)
        if table.days:
            edge = table.days[0] if message.direction < 0 else table.days[-1]
            self._day_after_load = edge + timedelta(days=message.direction)
        self._shift(-message.direction)

    def _shift(self, delta: int) -> None:
        offset = max(0, self.days_back + delta)
        if offset == self.days_back:
            if delta < 0:
                self.notify("This is today: the board cannot show the future.", timeout=2)
            return
        self.days_back = offset
        self.reload()

    def action_go_today(self) -> None:
        if self.days_back:
            self.days_back = 0
            self.reload()

    # ----- habits ------------------------------------------------------------
    def action_add(self) -> None:
        self.post_message(EditRequested(None))

    def action_edit(self) -> None:
        picked = self._selected()
        if picked is not None:
            self.post_message(EditRequested(picked[0].habit))

    def action_detail(self) -> None:
        picked = self._selected()
        if picked is not None:
            self.post_message(DetailRequested(picked[0].habit))

    def action_archive(self) -> None:
        picked = self._selected()
        if picked is not None:
            self.post_message(ArchiveRequested(picked[0].habit))

    def action_delete(self) -> None:
        picked = self._selected()
        if picked is not None:
            self.post_message(DeleteRequested(picked[0].habit))

    def action_move(self, delta: int) -> None:
        picked = self._selected()
        if picked is None:
            return
        habit, archived = picked[0].habit, self.show_archived

        def job(s: Session) -> HabitChanged | None:
            moved = svc.move_habit(s, svc.current_habit(s, habit.id), delta, include_archived=archived)
            return HabitChanged(habit) if moved else None

        backend_of(self).submit(self, job)

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.notify("Showing archived habits" if self.show_archived else "Hiding archived habits", timeout=2)
        self.reload()

    # ----- reports -----------------------------------------------------------
    def action_report(self, period: str) -> None:
        """Write this week's (or month's) PDF report on the database thread, then say where it went."""
        self.notify(f"Writing the {PERIOD_WORDS.get(period, period)} report…", timeout=2)
        backend_of(self).submit(self, report_job(period))

    def on_report_written(self, message: ReportWritten) -> None:
        pages = f"{message.pages} page{'s' if message.pages != 1 else ''}"
        self.notify(f"Report written to {message.path} ({pages})", title="Report", timeout=8, markup=False)

    def on_report_failed(self, message: ReportFailed) -> None:
        self.notify(message.error, title="Report not written", severity="error", timeout=8, markup=False)
