"""Coaching on the detail screen: the built-in coach with no Ollama, and a model's answer streamed in."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.screens.board import BoardScreen
from habit_tui.tui.screens.detail import DetailScreen
from habit_tui.tui.widgets.coach_panel import ASKING, NOT_AT_RISK, CoachPanel
from tests.coach.conftest import FakeOllama, Reply, ollama_server  # noqa: F401 - the fixture
from tests.tui.conftest import TODAY, press, running, seed, settle

ADVICE = [
    "Evenings ",
    "are where it slips, ",
    "so read two pages right after dinner ",
    "tonight. ",
    "A short session still keeps ",
    "the four-day streak alive.",
]


def _panel_text(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one(CoachPanel).render())


async def _until(pilot: Pilot[None], wanted: str, limit_s: float = 10.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while wanted not in (text := _panel_text(pilot)) and loop.time() < deadline:
        await pilot.pause(0.02)
    return text


async def test_at_risk_habit_gets_the_built_in_coach_without_ollama(db: Path, store_session: Session) -> None:
    seed(store_session)  # Read: a 4-day streak, not done today
    async with running(db, (100, 40)) as (app, pilot):
        await press(pilot, "i")
        assert isinstance(app.screen, DetailScreen)
        text = _panel_text(pilot)
        assert "Your 4-day streak ends tonight unless you do it today." in text
        assert "— built-in coach (Ollama not used: Ollama is not reachable at http://127.0.0.1:9)" in text


async def test_habit_not_at_risk_has_nothing_to_coach(db: Path, store_session: Session) -> None:
    seed(store_session)
    checkins.check_in(store_session, store_session.store.habits()[0], TODAY)
    async with running(db, (100, 40)) as (_app, pilot):
        await press(pilot, "i")
        assert _panel_text(pilot) == NOT_AT_RISK


async def test_a_lost_period_is_said_to_be_lost_not_at_risk(db: Path, store_session: Session) -> None:
    """A quit habit already over its limit today: no "stay under 5 today", and no "not at risk" either."""
    s = store_session
    coffee = svc.add_habit(
        s, HabitDraft("Coffee", target=5, unit="cups", at_most=True), start_date=TODAY - timedelta(days=10)
    )
    checkins.check_in(s, coffee, TODAY, value=7)
    async with running(db, (100, 40)) as (_app, pilot):
        await press(pilot, "i")
        text = _panel_text(pilot)
        assert text.startswith("Today is already over your limit (7 cups logged, at most 5 cups)"), text
        assert NOT_AT_RISK not in text


async def test_model_advice_streams_into_the_panel(
    db: Path,
    store_session: Session,
    ollama_server: FakeOllama,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(store_session)
    monkeypatch.setenv("OLLAMA_HOST", ollama_server.url)
    opened, held = threading.Event(), threading.Event()
    # The panel shows the answer once it reads as prose (60 characters): three pieces, then a pause.
    ollama_server.reply = Reply(chunks=ADVICE, opened=opened, held=held, hold_after=3)
    async with running(db, (100, 40)) as (app, pilot):
        await pilot.press("i")
        assert await _until(pilot, ASKING) == ASKING  # the model has not said a word yet
        opened.set()
        partial = await _until(pilot, "after dinner")  # three pieces in, the rest held back
        assert partial.startswith("".join(ADVICE[:3])) and "—" not in partial, (
            "shown as it arrives, before it is all in"
        )
        held.set()
        done = await _until(pilot, "— Ollama")
        assert done == "".join(ADVICE) + "\n— Ollama (llama3.2:latest)"
        assert isinstance(app.screen, DetailScreen)


async def test_leaving_while_the_coach_answers_does_not_crash(
    db: Path,
    store_session: Session,
    ollama_server: FakeOllama,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(store_session)
    monkeypatch.setenv("OLLAMA_HOST", ollama_server.url)
    ollama_server.reply = Reply(chunks=ADVICE * 3, chunk_delay=0.1)
    async with running(db, (100, 40)) as (app, pilot):
        await pilot.press("i")
        await _until(pilot, "Evenings")
        await pilot.press("escape")
        await pilot.pause(0.5)  # pieces still on their way go nowhere; the worker stops at the next one
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("i")  # and asking again works
        await _until(pilot, "— Ollama")
        assert _panel_text(pilot).endswith("— Ollama (llama3.2:latest)")
