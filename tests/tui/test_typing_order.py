"""Keys that reach the app in one read are applied in the order they were typed.

A fast typist (or a slow ssh link) delivers ``ctrl+u 7 enter`` as one read. Textual's Input ran
its bound keys after the printable ones (Textualize/textual#6605): the value prompt got an empty
answer, and an empty answer clears the day. These tests hand the keys to the driver without
waiting between them, as a terminal read does.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual import events
from textual.pilot import Pilot

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.screens.prompt import PromptScreen
from sync_protocol.domain.habit import Habit
from tests.tui.conftest import TODAY, press, running, settle


async def burst(pilot: Pilot[None], *keys: tuple[str, str | None]) -> None:
    """Send ``keys`` to the app as one read from the terminal, then let it settle."""
    driver = pilot.app._driver
    assert driver is not None
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await settle(pilot)


def steps_done_today(s: Session, value: float) -> Habit:
    steps = svc.add_habit(s, HabitDraft("Steps", target=10000, unit="steps"), start_date=TODAY - timedelta(days=3))
    checkins.check_in(s, steps, TODAY, value=value)
    return steps


async def test_clearing_then_typing_a_value_in_one_read_saves_that_value(db: Path, store_session: Session) -> None:
    steps = steps_done_today(store_session, 2.5)
    async with running(db, (100, 20)) as (app, pilot):
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        await burst(pilot, ("ctrl+u", None), ("7", "7"), ("enter", "\r"))
        assert not isinstance(app.screen, PromptScreen)
    saved = store_session.store.checkin(steps.id, TODAY)
    assert saved is not None and saved.value == 7.0


async def test_backspace_then_digits_in_one_read_keep_their_order(db: Path, store_session: Session) -> None:
    steps = steps_done_today(store_session, 77)
    async with running(db, (100, 20)) as (app, pilot):
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        await burst(pilot, ("end", None), ("backspace", None), ("1", "1"), ("2", "2"), ("enter", "\r"))
    saved = store_session.store.checkin(steps.id, TODAY)
    assert saved is not None and saved.value == 712.0
