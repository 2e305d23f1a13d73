"""Detail and help screens, the command palette and themes."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from habit_tui.services.context import Session
from habit_tui.tui.app import HabitApp
from habit_tui.tui.screens.board import BoardScreen
from habit_tui.tui.screens.detail import DetailScreen
from habit_tui.tui.screens.editor import EditorScreen
from habit_tui.tui.screens.help import HELP, HelpScreen
from habit_tui.tui.widgets.board_grid import BoardGrid
from tests.tui.conftest import app_on, press, running, seed, settle

_SHOWN = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "shift+up": "shift+↑",
    "shift+down": "shift+↓",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "escape": "esc",
    "pageup": "pgup",
    "pagedown": "pgdn",
}


def test_help_lists_every_key() -> None:
    listed = " ".join(keys for _section, rows in HELP for keys, _what in rows).split()
    for cls in (BoardScreen, BoardGrid, DetailScreen, EditorScreen, HabitApp):
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                assert _SHOWN.get(key, key) in listed, f"{cls.__name__}: '{key}' is not in the help screen"


async def test_detail_shows_streaks_rates_and_notes(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (100, 40)) as (app, pilot):
        await press(pilot, "i")
        assert isinstance(app.screen, DetailScreen)
        summary = str(app.screen.query_one("#summary").render())
        assert "Current streak" in summary and "Best" in summary
        assert "a good chapter" in str(app.screen.query_one("#notes").render())
        assert "Weekly" in str(app.screen.query_one("#rates").render())
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
        await pilot.click(BoardGrid, offset=(3, 3))  # a name: the first click selects it
        await pilot.click(BoardGrid, offset=(3, 3))  # the second opens it
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_delete_from_detail_returns_to_board(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (100, 40)) as (app, pilot):
        await press(pilot, "i")
        await press(pilot, "D", "y")
        assert isinstance(app.screen, BoardScreen)
        assert [h.name for h in store_session.store.habits()] == ["Water", "Gym", "Meditate"]


async def test_help_opens_and_closes(db: Path) -> None:
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_theme_toggles_between_light_and_dark(db: Path) -> None:
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        dark = app.current_theme.dark
        await pilot.press("T")
        assert app.current_theme.dark is not dark
        await pilot.press("T")
        assert app.current_theme.dark is dark


async def test_palette_has_the_app_commands(db: Path, store_session: Session) -> None:
    seed(store_session)
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Add habit",
            "Edit habit",
            "Habit detail",
            "Weekly report",
            "Monthly report",
            "Help",
            "Open Water",
            "Theme",
        ):
            assert wanted in titles
        await pilot.press("ctrl+p", *"add habit")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert isinstance(app.screen, EditorScreen)
