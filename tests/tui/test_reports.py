"""Reports, milestones and the saved theme in the full-screen app (pilot tests)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pypdf
import pytest

from habit_tui.config import Config, load_config, save_config
from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.app import HabitApp
from tests.tui.conftest import TODAY, app_on, press, running, seed, settle


def _notes(app: HabitApp) -> list[str]:
    """The messages of the notifications on screen."""
    return [n.message for n in app._notifications]


async def test_r_writes_the_weekly_report_into_the_working_directory(
    db: Path, store_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store_session)
    out = tmp_path / "reports"
    out.mkdir()
    monkeypatch.chdir(out)
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "r")
        written = sorted(out.glob("*.pdf"))
        assert [p.name for p in written] == ["habit-report-week-2025-06-16.pdf"]
        pages = len(pypdf.PdfReader(written[0]).pages)
        wanted = f"Report written to {written[0]} ({pages} page{'s' if pages != 1 else ''})"
        assert wanted in _notes(app)
        await press(pilot, "R")
        assert (out / "habit-report-month-2025-06-01.pdf").is_file()
        assert any(str(out / "habit-report-month-2025-06-01.pdf") in n for n in _notes(app))


async def test_report_that_cannot_be_written_is_an_error_notification(
    db: Path, store_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store_session)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "habit-report-week-2025-06-16.pdf").mkdir()  # the report's name is taken by a directory
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "r")
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and "is a directory" in errors[0].message
        assert not any("Report written" in n for n in _notes(app))
        assert isinstance(app.screen, type(app.board))  # still running, on the board


async def test_first_checkin_is_announced_once(db: Path, store_session: Session) -> None:
    svc.add_habit(store_session, HabitDraft("Stretch"), start_date=TODAY)
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "space")
        first = "First check-in for Stretch: every streak starts with one."
        assert _notes(app).count(first) == 1
        await pilot.press("space", "space")  # undo, redo: not a new milestone
        await settle(pilot)
        assert _notes(app).count(first) == 1
        assert store_session.store.checkin(store_session.store.habits()[0].id, TODAY) is not None


async def test_seventh_day_in_a_row_is_announced(db: Path, store_session: Session) -> None:
    habit = svc.add_habit(store_session, HabitDraft("Walk"), start_date=TODAY - timedelta(days=6))
    for back in range(1, 7):
        checkins.check_in(store_session, habit, TODAY - timedelta(days=back))
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "space")
        assert "Walk: 7 days in a row: a full week." in _notes(app)
        assert not any("First check-in" in n for n in _notes(app))


async def test_theme_is_saved_and_applied_on_the_next_start(db: Path, home: Path) -> None:
    save_config(Config(server_url="https://habits.example.org"), home / "config.toml")
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        dark = app.current_theme.dark
        await press(pilot, "T")
        picked = app.theme
        assert app.current_theme.dark is not dark
    assert load_config(home / "config.toml").theme == picked
    again = app_on(db)
    async with again.run_test() as pilot:
        await settle(pilot)
        assert again.theme == picked
        again.theme = "nord"  # as the palette's theme picker does
        await settle(pilot)
    config = load_config(home / "config.toml")
    assert config.theme == "nord"
    assert config.server_url == "https://habits.example.org"  # the rest of the file is kept


async def test_unknown_theme_in_the_config_is_ignored(db: Path, home: Path) -> None:
    save_config(Config(theme="no-such-theme", day_starts_at="04:00"), home / "config.toml")
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
    assert load_config(home / "config.toml").theme == "no-such-theme"  # not overwritten by merely starting


async def test_an_unknown_config_key_is_named_and_kept(db: Path, home: Path) -> None:
    (home / "config.toml").write_text('day_start = "04:00"\nserver_url = "https://habits.example.org"\n')
    app = app_on(db)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert any("'day_start'" in n.message and n.title == "Settings" for n in app._notifications)
        await press(pilot, "T")  # saving the theme rewrites the file
    text = (home / "config.toml").read_text()
    assert 'day_start = "04:00"' in text and "theme" in text
