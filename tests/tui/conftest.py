"""Fixtures for the full-screen app: a temporary HABIT_HOME, a fixed today, seeded habits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session, open_session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.app import HabitApp, create_app

TODAY = date(2025, 6, 18)  # a Wednesday
CLOSED_PORT = "http://127.0.0.1:9"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HABIT_HOME", str(tmp_path))
    monkeypatch.delenv("HABIT_NOW", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", CLOSED_PORT)  # no model: the built-in coach answers, at once
    monkeypatch.delenv("OLLAMA_MODEL", raising=False)
    return tmp_path


@pytest.fixture
def db(home: Path) -> Path:
    return home / "habit.db"


@pytest.fixture
def store_session(db: Path) -> Iterator[Session]:
    """A second connection to the app's database: what another terminal (or the test) sees."""
    s = open_session(db, TODAY)
    yield s
    s.close()


def seed(s: Session, *, history_days: int = 30) -> None:
    """Three habits with a few weeks of history (deterministic)."""
    start = TODAY - timedelta(days=history_days)
    read = svc.add_habit(s, HabitDraft("Read", tags="mind", color="blue"), start_date=start)
    water = svc.add_habit(s, HabitDraft("Water", target=8, unit="glasses"), start_date=start)
    gym = svc.add_habit(s, HabitDraft("Gym", schedule="mon,wed,fri"), start_date=start)
    svc.add_habit(s, HabitDraft("Meditate", schedule="3/week"), start_date=TODAY - timedelta(days=3))
    for back in range(1, history_days + 1):
        day = TODAY - timedelta(days=back)
        if back % 5:
            checkins.check_in(s, read, day, note="a good chapter" if back == 2 else None)
        if back % 3 == 0:
            checkins.skip(s, water, day)
        else:
            checkins.check_in(s, water, day, value=float(4 + back % 6))
        if gym.schedule.is_due_on(day) and back % 4:
            checkins.check_in(s, gym, day)


def app_on(db: Path) -> HabitApp:
    return create_app(db, today=TODAY)


async def settle(pilot: Pilot[None]) -> None:
    """Let the database thread finish what was asked, and the screens handle the replies."""
    app = pilot.app
    assert isinstance(app, HabitApp)
    for _ in range(4):
        await asyncio.to_thread(app.backend.drain)
        await _workers_done(app)
        await pilot.pause()


@asynccontextmanager
async def running(db: Path, size: tuple[int, int]) -> AsyncIterator[tuple[HabitApp, Pilot[None]]]:
    """The app on ``db`` at ``size``, started and settled."""
    app = app_on(db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield app, pilot


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press ``keys``, then let the app settle."""
    await pilot.press(*keys)
    await settle(pilot)


async def _workers_done(app: HabitApp, limit_s: float = 10.0) -> None:
    """Wait for the app's thread workers (the coach) to finish."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while any(not w.is_finished for w in app.workers) and loop.time() < deadline:
        await asyncio.sleep(0.01)
