"""What the board shows: values of any size, wide names, and the days the status line says are shown."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.board import load_row
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.widgets.board_grid import BoardGrid
from habit_tui.tui.widgets.cells import compact, day_cell
from habit_tui.tui.widgets.status_line import StatusLine
from sync_protocol.domain import events as ev
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from tests.tui.conftest import TODAY, press, running, seed

VALUES = [150, 100, 10000, 2.5, 1000, 0.5, 42]
"""One value a day, oldest first, ending today."""


def shown(habit: Habit, checkin: CheckIn | None, day: date, today: date, started: date) -> str:
    """What a board cell reads, without its styles."""
    return "".join(seg.text for seg in day_cell(habit, checkin, day, today, started)).strip()


def seed_values(s: Session) -> None:
    steps = svc.add_habit(s, HabitDraft("Steps", target=10000, unit="steps"), start_date=TODAY - timedelta(days=10))
    for back, value in enumerate(reversed(VALUES)):
        checkins.check_in(s, steps, TODAY - timedelta(days=back), value=value, note="hill" if value == 1000 else None)
    read = svc.add_habit(s, HabitDraft("Read"), start_date=TODAY - timedelta(days=10))
    checkins.check_in(s, read, TODAY - timedelta(days=1))
    checkins.skip(s, read, TODAY - timedelta(days=2))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (8, "8"),
        (12, "12"),
        (100, "100"),
        (150, "150"),
        (999, "999"),
        (999.7, "1k"),
        (1000, "1k"),
        (1500, "2k"),
        (10000, "10k"),
        (99_499, "99k"),
        (150_000, "150k"),
        (2_500_000, "3M"),
        (1e9, "1G"),
        (2.5, "2.5"),
        (0.5, "0.5"),
        (9.96, "10"),
        (0.25, "0.3"),
    ],
)
def test_compact_values_are_honest(value: float, shown: str) -> None:
    assert compact(value) == shown


async def test_values_of_any_size_read_on_the_board(db: Path, store_session: Session) -> None:
    seed_values(store_session)
    async with running(db, (100, 20)) as (app, _pilot):
        grid = app.screen.query_one(BoardGrid)
        assert grid.day_width == 4  # room for three characters and the note mark

        def cells(line: int) -> list[str]:
            text = grid.render_line(line).text[grid.name_width :]
            return [text[i * grid.day_width : (i + 1) * grid.day_width] for i in range(len(grid.days))]

        assert cells(2)[-len(VALUES) :] == ["150 ", "100 ", "10k ", "2.5 ", " 1k*", "0.5 ", " 42 "]
        assert cells(3)[-3:] == ["  – ", "  ✓ ", "  · "]


@pytest.mark.parametrize("width", [60, 80, 100, 180])
async def test_the_status_line_says_which_days_are_shown(db: Path, store_session: Session, width: int) -> None:
    seed(store_session)
    async with running(db, (width, 24)) as (app, pilot):
        grid = app.screen.query_one(BoardGrid)
        for weeks in (1, 2):
            await press(pilot, "left_square_bracket")
            first, last = grid.days[0], grid.days[-1]
            assert last == TODAY - timedelta(days=7 * weeks)
            status = app.screen.query_one(StatusLine).left.plain
            assert f"{first:%d %b} to {last:%d %b}" in status, (status, first, last)
        await press(pilot, "right_square_bracket")
        status = app.screen.query_one(StatusLine).left.plain
        assert f"{grid.days[0]:%d %b} to {grid.days[-1]:%d %b}" in status
        await press(pilot, "t")
        assert " to " not in app.screen.query_one(StatusLine).left.plain


async def test_wide_names_keep_the_columns_in_line(db: Path, store_session: Session) -> None:
    """A name in CJK or with emoji takes two terminal cells a character: the days still line up."""
    for name in ("Plan [/b]", "读书 每天", "日本語の名前がとても長い習慣ですね本当に長い"):
        h = svc.add_habit(store_session, HabitDraft(name), start_date=TODAY - timedelta(days=10))
        checkins.check_in(store_session, h, TODAY - timedelta(days=1))
    async with running(db, (80, 12)) as (app, _pilot):
        grid = app.screen.query_one(BoardGrid)
        lines = [grid.render_line(y) for y in range(5)]
        assert all(line.cell_length == 80 for line in lines)
        names = [line.crop(0, grid.name_width).text for line in lines[2:]]
        assert names[0].startswith("! Plan [/b]") and names[1].startswith("! 读书 每天")
        assert names[2].rstrip().endswith("…")
        last_days = {
            line.crop(grid.name_width + 3 * (len(grid.days) - 2), grid.name_width + 3 * len(grid.days)).text
            for line in lines[2:]
        }
        assert last_days == {" ✓  · "}


def test_a_yes_no_day_that_holds_only_a_note_reads_as_not_done(store_session: Session) -> None:
    """Loop writes a note on a day not done as NO with a note; it arrives as value 0 (import, sync)."""
    s = store_session
    read = svc.add_habit(s, HabitDraft("Read"), start_date=TODAY - timedelta(days=5))
    day = TODAY - timedelta(days=1)
    with s.store.write():
        s.store.record(ev.CHECKIN_SET, ev.checkin_payload(read.id, CheckIn(day, 0.0, False, "too tired")))
    noted = s.store.checkin(read.id, day)
    assert noted == CheckIn(day, 0.0, False, "too tired")
    assert checkins.describe(read, noted) == "not done"
    assert shown(read, noted, day, TODAY, read.start_date) == "·*"
    # Space on that day marks it done and keeps the note; a second press takes the check-in away.
    done = checkins.toggle(s, read, day)
    assert done.checkin == CheckIn(day, 1.0, False, "too tired")
    assert checkins.describe(read, done.checkin) == "done"
    assert shown(read, done.checkin, day, TODAY, read.start_date) == "✓*"
    assert checkins.toggle(s, read, day).checkin is None


def test_days_between_a_back_dated_check_in_and_the_start_date_are_due(store_session: Session) -> None:
    """``habit add W; habit done W --date -4``: the board shows -3 to -1 as due days not done, not blank."""
    s = store_session
    walk = svc.add_habit(s, HabitDraft("Walk"), start_date=TODAY)
    checkins.check_in(s, walk, TODAY - timedelta(days=4))
    row = load_row(s, walk.id, TODAY - timedelta(days=6), TODAY)
    assert row is not None and row.stats.started == TODAY - timedelta(days=4)
    started = row.stats.started
    cells = [
        shown(walk, row.cells.get(d), d, TODAY, started) for d in (TODAY - timedelta(days=b) for b in range(6, -1, -1))
    ]
    assert cells == ["", "", "✓", "·", "·", "·", "·"]
