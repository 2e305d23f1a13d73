"""How the screens look (pytest-textual-snapshot; update with --snapshot-update, then look at the SVGs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from habit_tui.services.context import Session
from tests.tui.conftest import app_on, press, seed, settle

Compare = Callable[..., bool]


async def _loaded(pilot: Pilot[None]) -> None:
    await settle(pilot)


def _then(*keys: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


def test_board_empty(snap_compare: Compare, db: Path) -> None:
    assert snap_compare(app_on(db), run_before=_loaded)


def test_board_several_habits(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(100, 24), run_before=_loaded)


def test_board_narrow(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(60, 20), run_before=_loaded)


def test_board_wide(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session, history_days=60)
    assert snap_compare(app_on(db), terminal_size=(160, 40), run_before=_loaded)


def test_board_shifted_back(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(80, 24), run_before=_then("left_square_bracket", "j"))


def test_editor_validation_error(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    keys = ("a", *"water", "tab", "tab", *"3 per week")
    assert snap_compare(app_on(db), terminal_size=(100, 30), run_before=_then(*keys))


def test_editor_measurable(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(80, 24), run_before=_then("j", "e"))


def test_value_prompt(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(80, 24), run_before=_then("j", "space"))


def test_detail(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session, history_days=400)
    assert snap_compare(app_on(db), terminal_size=(120, 45), run_before=_then("i"))


def test_detail_measurable_narrow(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session, history_days=90)
    assert snap_compare(app_on(db), terminal_size=(60, 30), run_before=_then("j", "i"))


def test_help(snap_compare: Compare, db: Path) -> None:
    assert snap_compare(app_on(db), terminal_size=(100, 40), run_before=_then("question_mark"))


def test_archive_confirmation(snap_compare: Compare, db: Path, store_session: Session) -> None:
    seed(store_session)
    assert snap_compare(app_on(db), terminal_size=(80, 24), run_before=_then("A"))


def test_board_large_and_fractional_values(snap_compare: Compare, db: Path, store_session: Session) -> None:
    from tests.tui.test_board_display import seed_values

    seed_values(store_session)
    assert snap_compare(app_on(db), terminal_size=(80, 12), run_before=_loaded)


def test_board_brackets_and_wide_characters(snap_compare: Compare, db: Path, store_session: Session) -> None:
    from datetime import timedelta

    from habit_tui.services import checkins
    from habit_tui.services import habits as svc
    from habit_tui.services.habits import HabitDraft
    from tests.tui.conftest import TODAY

    start = TODAY - timedelta(days=10)
    for name in ("Plan [/b]", "Todo [x] list", "读书 每天", "🏃 Run 🏃‍♀️", "日本語の名前がとても長い習慣です"):
        h = svc.add_habit(store_session, HabitDraft(name), start_date=start)
        for back in range(1, 4):
            checkins.check_in(store_session, h, TODAY - timedelta(days=back), note="[b]" if back == 2 else None)
    assert snap_compare(app_on(db), terminal_size=(80, 12), run_before=_loaded)
