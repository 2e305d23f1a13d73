"""The full-screen app and its factory (shared by ``habit`` and the tests).

User text reaches the screen as plain text through the domain's
:func:`~sync_protocol.domain.text.printable`: in every notification (:meth:`HabitApp.notify`), the
confirmations, the palette (:mod:`habit_tui.tui.commands`) and each screen's widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from habit_tui.errors import HabitError
from habit_tui.services import habits as svc
from habit_tui.services.context import Session, open_session
from habit_tui.services.preferences import save_theme
from habit_tui.tui.backend import Backend
from habit_tui.tui.commands import PlainSystemCommands
from habit_tui.tui.messages import (
    ArchiveRequested,
    DatabaseChanged,
    DeleteRequested,
    DetailRequested,
    EditRequested,
    HabitChanged,
    JobFailed,
    SyncStatus,
    SyncStatusChanged,
)
from habit_tui.tui.screens.board import BoardScreen
from habit_tui.tui.screens.confirm import ConfirmScreen
from habit_tui.tui.screens.detail import DetailScreen
from habit_tui.tui.screens.editor import EditorResult, EditorScreen
from habit_tui.tui.screens.help import HelpScreen
from habit_tui.tui.syncer import Syncer
from habit_tui.tui.widgets.status_line import StatusLine
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.text import printable

WATCH_INTERVAL_S = 1.0


def question(before: str, name: str, after: str) -> Text:
    """A confirmation naming a habit in bold, as typed."""
    return Text.assemble(before, (printable(name), "bold"), after)


class HabitApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "habit"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("T", "toggle_theme", "Light/dark", show=False),
    ]
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {PlainSystemCommands}

    sync_status = SyncStatus("local")
    """What the background sync is doing (the status line shows it)."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        saved = backend.settings.theme
        if saved in self.available_themes:  # an unknown name (a theme of a newer Textual) is ignored
            self.theme = saved
        self._saved_theme = self.theme
        """The theme the config file holds (or is about to): saved again only when it changes."""
        self.board = BoardScreen()
        self.syncer: Syncer | None = None
        self.ready_at: float | None = None
        """Wall-clock time.time() when the first complete board was painted (for the benchmark)."""
        self.exit_when_ready = False

    def get_default_screen(self) -> Screen[None]:
        return self.board

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text (it may name a habit or quote a note), never markup."""
        super().notify(
            printable(message, multiline=True), title=printable(title), severity=severity, timeout=timeout, markup=False
        )

    def on_mount(self) -> None:
        for warning in self.backend.settings.warnings:  # an unknown key in config.toml
            self.notify(warning, title="Settings", severity="warning", timeout=10)
        self.set_interval(WATCH_INTERVAL_S, self.watch_database)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        start = Syncer.wanted(self.backend.session)
        if start is not None and start.state == "error":
            self.post_message(SyncStatusChanged(start))
        elif start is not None:
            self.syncer = Syncer(self.backend.session, self)
            self.syncer.start()

    def on_unmount(self) -> None:
        if self.syncer is not None:
            self.syncer.stop()
        self.backend.close()

    # ----- sync --------------------------------------------------------------
    def on_sync_status_changed(self, message: SyncStatusChanged) -> None:
        status = message.status
        if status.state == "error" and status.message and status.message != self.sync_status.message:
            self.notify(status.message, title="Sync stopped", severity="error", timeout=10, markup=False)
        self.sync_status = status
        for status_line in self.board.query(StatusLine):
            status_line.sync = status
        if status.state == "synced" and status.pulled:
            self.on_database_changed(DatabaseChanged())  # another device's changes: show them now

    # ----- the database ------------------------------------------------------
    def watch_database(self) -> None:
        """Ask the database thread whether another process committed (PRAGMA data_version)."""
        self.backend.poll(self)

    def on_database_changed(self, _message: DatabaseChanged) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen | DetailScreen):
                screen.refresh_data()

    def on_job_failed(self, message: JobFailed) -> None:
        self.notify(message.error, title="Not saved", severity="error", timeout=6, markup=False)

    def on_board_screen_ready(self, _message: BoardScreen.Ready) -> None:
        self.ready_at = time.time()
        if self.exit_when_ready:
            self.exit()

    # ----- flows shared by the screens ---------------------------------------
    def on_edit_requested(self, message: EditRequested) -> None:
        self.open_editor(message.habit)

    def on_detail_requested(self, message: DetailRequested) -> None:
        self.open_detail(message.habit)

    def on_archive_requested(self, message: ArchiveRequested) -> None:
        self.archive(message.habit)

    def on_delete_requested(self, message: DeleteRequested) -> None:
        self.delete(message.habit)

    def open_editor(self, habit: Habit | None) -> None:
        def done(result: EditorResult | None) -> None:
            if result is None:
                return
            if result.action == "archive":
                self.archive(result.habit)
            elif result.action == "delete":
                self.delete(result.habit)
            else:
                verb = "Added" if habit is None else "Saved"
                self.board.post_message(HabitChanged(result.habit, f"{verb} '{result.habit.name}'", select=True))
                if isinstance(self.screen, DetailScreen):
                    self.screen.refresh_data()

        self.push_screen(EditorScreen(habit), done)

    def open_detail(self, habit: Habit) -> None:
        self.push_screen(DetailScreen(habit))

    def archive(self, habit: Habit) -> None:
        """Archive (after a confirmation) or bring back an archived habit."""
        target: MessagePump = self.board
        if habit.archived:
            self.backend.submit(
                target,
                lambda s: HabitChanged(
                    svc.archive_habit(s, svc.current_habit(s, habit.id), archived=False),
                    f"'{habit.name}' is back on the board",
                ),
            )
            return

        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            self._leave_detail(habit)
            self.backend.submit(
                target,
                lambda s: HabitChanged(
                    svc.archive_habit(s, svc.current_habit(s, habit.id)),
                    f"Archived '{habit.name}' (z shows archived habits)",
                ),
            )

        self.push_screen(
            ConfirmScreen(
                question("Archive ", habit.name, "?\nIt leaves the board; its history is kept and z shows it again."),
                yes="Archive",
            ),
            confirmed,
        )

    def delete(self, habit: Habit) -> None:
        def confirmed(ok: bool | None) -> None:
            if not ok:
                return
            self._leave_detail(habit)

            def job(s: Session) -> HabitChanged:
                svc.delete_habit(s, svc.current_habit(s, habit.id))
                return HabitChanged(None, f"Deleted '{habit.name}'")

            self.backend.submit(self.board, job)

        self.push_screen(
            ConfirmScreen(
                question(
                    "Delete ", habit.name, " and all its check-ins?\nThis cannot be undone (archive keeps the history)."
                ),
                yes="Delete",
                danger=True,
            ),
            confirmed,
        )

    def _leave_detail(self, habit: Habit) -> None:
        if isinstance(self.screen, DetailScreen) and self.screen.habit.id == habit.id:
            self.pop_screen()

    # ----- keys and commands -------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def _remember_theme(self, theme: Theme) -> None:
        """Save a theme picked with T or the palette in the config file (on the database thread)."""
        name = theme.name
        if name == self._saved_theme:
            return
        self._saved_theme = name

        def job(s: Session) -> JobFailed | None:
            try:
                save_theme(s, name)
            except HabitError as exc:
                return JobFailed(str(exc))
            return None

        self.backend.submit(self, job)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        board = self.board
        yield SystemCommand("Add habit", "Create a new habit (a)", board.action_add)
        if board.board is not None and board.board.rows:
            yield SystemCommand("Edit habit", "Edit the selected habit (e)", board.action_edit)
            yield SystemCommand(
                "Habit detail", "Heatmap, score chart and notes of the selected habit (i)", board.action_detail
            )
            for row in board.board.rows:
                yield SystemCommand(
                    f"Open {printable(row.habit.name)}", "Show this habit's detail", _opener(self, row.habit)
                )
        yield SystemCommand(
            "Show or hide archived habits", "Toggle archived habits on the board (z)", board.action_toggle_archived
        )
        yield SystemCommand(
            "Weekly report", "Write this week's PDF report into the current directory (r)", _reporter(board, "week")
        )
        yield SystemCommand(
            "Monthly report", "Write this month's PDF report into the current directory (R)", _reporter(board, "month")
        )
        yield SystemCommand("Help", "Every key (?)", self.action_help)
        yield SystemCommand(
            "Light or dark theme", "Switch between the light and dark theme (T)", self.action_toggle_theme
        )
        yield from super().get_system_commands(screen)


def _opener(app: HabitApp, habit: Habit) -> Callable[[], None]:
    return lambda: app.open_detail(habit)


def _reporter(board: BoardScreen, period: str) -> Callable[[], None]:
    return lambda: board.action_report(period)


def create_app(session_or_path: Session | Path | str | None = None, today: date | None = None) -> HabitApp:
    """The app on a session (the caller keeps it) or on a database path (the app closes it).

    ``today`` pins the date (tests and snapshots); otherwise the app follows the clock and the
    configured ``day_starts_at``.
    """
    if isinstance(session_or_path, Session):
        session = session_or_path
        if today is not None:
            session.today = today
        owns = False
    else:
        session = open_session(Path(session_or_path) if session_or_path is not None else None, today)
        owns = True
    return HabitApp(Backend(session, owns_session=owns, fixed_today=today is not None))
