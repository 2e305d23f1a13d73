"""What the board's keys do to the store (pilot tests)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.services.views import habit_rows
from habit_tui.tui.app import HabitApp
from habit_tui.tui.screens.detail import DetailScreen
from habit_tui.tui.widgets.board_grid import BoardGrid
from tests.tui.conftest import TODAY, app_on, press, running, seed, settle


def _names(s: Session) -> list[str]:
    return [r.habit.name for r in habit_rows(s)]


async def test_empty_board_says_how_to_add(db: Path) -> None:
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#empty")
        assert empty.display
        assert "Press" in str(empty.render())
        assert not app.screen.query_one(BoardGrid).display


async def test_space_toggles_today_and_yesterday(db: Path, store_session: Session) -> None:
    seed(store_session)
    read = store_session.store.habits()[0]
    async with running(db, (100, 30)) as (_app, pilot):
        await press(pilot, "space")
        assert store_session.store.checkin(read.id, TODAY) is not None
        yesterday = TODAY - timedelta(days=1)
        assert store_session.store.checkin(read.id, yesterday) is not None  # seeded
        await press(pilot, "h", "enter")
        assert store_session.store.checkin(read.id, yesterday) is None
        await press(pilot, "enter")
        assert store_session.store.checkin(read.id, yesterday) is not None
        await press(pilot, "l", "space")
        assert store_session.store.checkin(read.id, TODAY) is None


async def test_board_row_shows_streak_after_checkin(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (100, 30)) as (app, pilot):
        table = app.screen.query_one(BoardGrid)
        before = table.rows_by_id[store_session.store.habits()[0].id].stats.current_streak
        await press(pilot, "space")
        after = table.rows_by_id[store_session.store.habits()[0].id].stats.current_streak
        assert after == before + 1


async def test_measurable_prompt_saves_value(db: Path, store_session: Session) -> None:
    seed(store_session)
    water = store_session.store.habits()[1]
    async with running(db, (100, 30)) as (app, pilot):
        await pilot.press("j", "space")
        await press(pilot, *"6.5", "enter")
        got = store_session.store.checkin(water.id, TODAY)
        assert got is not None and got.value == 6.5
        await pilot.press("space", "ctrl+a", "ctrl+k", *"lots", "enter")  # not a number: stays open
        await settle(pilot)
        assert "not a number" in str(app.screen.query_one("#prompt-error").render())
        await press(pilot, "escape")
        assert store_session.store.checkin(water.id, TODAY).value == 6.5  # type: ignore[union-attr]


async def test_skip_then_note(db: Path, store_session: Session) -> None:
    seed(store_session)
    read = store_session.store.habits()[0]
    async with running(db, (100, 30)) as (app, pilot):
        await pilot.press("n")  # nothing today yet: a warning, no prompt
        await settle(pilot)
        assert isinstance(app.screen, type(app.board))
        await press(pilot, "s")
        await press(pilot, "n", *"rest day", "enter")
        got = store_session.store.checkin(read.id, TODAY)
        assert got is not None and got.skipped and got.note == "rest day"
        await pilot.press("s")  # unskip
        await settle(pilot)
        assert store_session.store.checkin(read.id, TODAY) is None


async def test_brackets_shift_days_to_fix_the_past(db: Path, store_session: Session) -> None:
    seed(store_session)
    gym = store_session.store.habits()[2]
    async with running(db, (100, 30)) as (app, pilot):
        table = app.screen.query_one(BoardGrid)
        await press(pilot, "left_square_bracket")
        assert table.days[-1] == TODAY - timedelta(days=7)
        week_ago = TODAY - timedelta(days=7)  # a Wednesday: due for Gym
        before = store_session.store.checkin(gym.id, week_ago)
        await press(pilot, "j", "j", "space")
        after = store_session.store.checkin(gym.id, week_ago)
        assert (before is None) != (after is None)
        await press(pilot, "right_square_bracket")
        assert table.days[-1] == TODAY
        await pilot.press("right_square_bracket")  # never past today
        await settle(pilot)
        assert table.days[-1] == TODAY


async def test_keys_reach_the_name_and_right_edge_moves_days_later(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (60, 20)) as (app, pilot):
        grid = app.screen.query_one(BoardGrid)
        await pilot.press(*["h"] * (len(grid.days) + 2))
        assert grid.column_kind() == "name"
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailScreen)
        await press(pilot, "escape", "left_square_bracket")
        last = grid.days[-1]
        await press(pilot, *["l"] * (len(grid.days) + 1))
        assert grid.days[-1] == last + timedelta(days=1)
        assert grid.current_day() == last + timedelta(days=1)


async def test_mouse_click_selects_then_toggles(db: Path, store_session: Session) -> None:
    seed(store_session)
    read = store_session.store.habits()[0]
    async with running(db, (100, 30)) as (app, pilot):
        table = app.screen.query_one(BoardGrid)
        table.move_cursor(row=1, column=1)
        x = table.name_width + 3 * (len(table.days) - 1) + 1  # today's cell of the first row
        await pilot.click(BoardGrid, offset=(x, 2))
        await settle(pilot)
        assert table.cursor_row == 0 and table.current_day() == TODAY
        assert store_session.store.checkin(read.id, TODAY) is None
        await pilot.click(BoardGrid, offset=(x, 2))
        await settle(pilot)
        assert store_session.store.checkin(read.id, TODAY) is not None


async def test_reorder_and_archive_and_delete(db: Path, store_session: Session) -> None:
    seed(store_session)
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "J")
        assert _names(store_session) == ["Water", "Read", "Gym", "Meditate"]
        await pilot.press("K")  # the cursor followed Read
        await settle(pilot)
        assert _names(store_session) == ["Read", "Water", "Gym", "Meditate"]
        await pilot.press("A", "n")  # asked, then declined
        await settle(pilot)
        assert "Read" in _names(store_session)
        await press(pilot, "A", "y")
        assert _names(store_session) == ["Water", "Gym", "Meditate"]
        await press(pilot, "z")
        table = app.screen.query_one(BoardGrid)
        assert len(table.rows_by_id) == 4
        await pilot.press("k", "A")  # up to the archived Read: bring it back, no question
        await settle(pilot)
        assert _names(store_session) == ["Read", "Water", "Gym", "Meditate"]
        await press(pilot, "j", "D", "y")
        assert _names(store_session) == ["Read", "Gym", "Meditate"]


async def test_other_process_changes_appear(db: Path, store_session: Session) -> None:
    seed(store_session)
    read = store_session.store.habits()[0]
    async with running(db, (100, 30)) as (app, pilot):
        table = app.screen.query_one(BoardGrid)
        assert TODAY not in table.rows_by_id[read.id].cells

        checkins.check_in(store_session, read, TODAY)  # as `habit done Read` would
        await pilot.pause(1.5)  # the app polls data_version every second
        await settle(pilot)
        assert TODAY in table.rows_by_id[read.id].cells


async def test_habits_arriving_on_an_empty_board_take_the_keys_at_once(db: Path, store_session: Session) -> None:
    """The first habits come from elsewhere (`habit add`, an import, the first sync): space works on them."""
    async with running(db, (100, 30)) as (app, pilot):
        assert not app.screen.query_one(BoardGrid).display
        read = svc.add_habit(store_session, HabitDraft("Read"), start_date=TODAY)  # another terminal
        await pilot.pause(1.5)  # the app polls data_version every second
        await settle(pilot)
        assert app.screen.query_one(BoardGrid).display
        await press(pilot, "space")
        assert store_session.store.checkin(read.id, TODAY) is not None


async def test_locked_database_is_a_notification_not_a_crash(db: Path, store_session: Session) -> None:
    seed(store_session)
    read = store_session.store.habits()[0]
    async with running(db, (100, 30)) as (app, pilot):
        app.backend.session.store.conn.execute("PRAGMA busy_timeout = 50")
        store_session.store.conn.execute("BEGIN EXCLUSIVE")
        try:
            await press(pilot, "space")
        finally:
            store_session.store.conn.execute("ROLLBACK")
        await settle(pilot)
        assert any("locked" in n.message for n in app._notifications)
        assert store_session.store.checkin(read.id, TODAY) is None
        table = app.screen.query_one(BoardGrid)
        assert TODAY not in table.rows_by_id[read.id].cells  # the optimistic mark was taken back
        assert app.is_running


async def test_first_board_reports_ready(db: Path, store_session: Session) -> None:
    seed(store_session)
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(app, HabitApp) and app.ready_at is not None
