"""The habit editor: what it saves, and what it refuses with an inline message."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from habit_tui.services.context import Session
from habit_tui.tui.screens.editor import EditorScreen
from habit_tui.tui.widgets.error_line import ErrorLine
from tests.tui.conftest import press, running, seed, settle


def _error(app: object, slot: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return str(screen.query_one(f"#{slot}-error", ErrorLine).message)


async def test_add_yes_no_habit_with_schedule(db: Path, store_session: Session) -> None:
    async with running(db, (100, 30)) as (app, pilot):
        await pilot.press("a", *"Floss", "tab", "tab", *"mon,thu", "tab", *"after brushing", "tab", *"health, teeth")
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, EditorScreen)
        [floss] = store_session.store.habits()
        assert (floss.name, str(floss.schedule), floss.description, floss.tags) == (
            "Floss",
            "mon,thu",
            "after brushing",
            ("health", "teeth"),
        )
        assert not floss.is_measurable


async def test_add_measurable_at_most_habit(db: Path, store_session: Session) -> None:
    async with running(db, (100, 30)) as (_app, pilot):
        await pilot.press("a", *"Coffee", "tab", "enter", "down", "enter")  # kind: measurable
        await pilot.press("tab", "enter", "down", "enter")  # at most
        await press(pilot, "tab", "2", "tab", *"cups", "ctrl+s")
        [coffee] = store_session.store.habits()
        assert coffee.is_measurable and coffee.goal_text() == "at most 2 cups"


async def test_empty_name_and_bad_schedule_are_refused_inline(db: Path, store_session: Session) -> None:
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "a", "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
        assert _error(app, "name") == "a habit name cannot be empty"
        await pilot.press(*"Run", "tab", "tab", *"twice a week")
        assert "bad schedule" in str(app.screen.query_one("#schedule-preview").render())
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
        assert store_session.store.habits() == []
        await pilot.press("ctrl+a", "ctrl+k", *"2/week")
        assert str(app.screen.query_one("#schedule-preview").render()) == "→ 2 times a week (Monday to Sunday)"
        await press(pilot, "ctrl+s")
        assert [h.name for h in store_session.store.habits()] == ["Run"]


async def test_duplicate_name_is_refused(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "a", *"water")
        assert _error(app, "name") == "a habit named 'Water' already exists"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
        assert len(store_session.store.habits()) == 4
        await pilot.press("escape")
        assert not isinstance(app.screen, EditorScreen)


async def test_edit_renames_and_changes_goal(db: Path, store_session: Session) -> None:
    seed(store_session)
    water = store_session.store.habits()[1]
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "j", "e")
        name = app.screen.query_one("#name", Input)
        assert name.value == "Water"
        await press(pilot, "ctrl+a", "ctrl+k", *"Drink water", "tab", "tab", "ctrl+a", "ctrl+k", "6", "ctrl+s")
        got = store_session.store.habit(water.id)
        assert got is not None and got.name == "Drink water" and got.target == 6
        assert len(store_session.store.checkins(water.id)) == len(store_session.store.checkins(water.id))


async def test_archive_from_the_editor_asks_first(db: Path, store_session: Session) -> None:
    seed(store_session)
    gym = store_session.store.habits()[2]
    async with running(db, (100, 30)) as (_app, pilot):
        await press(pilot, "j", "j", "e")
        await pilot.click("#archive")
        await settle(pilot)
        await press(pilot, "y")
        got = store_session.store.habit(gym.id)
        assert got is not None and got.archived
