"""Build benchmark databases: N habits x Y years of realistic history, through the real store."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from habit_tui.store.repository import Store
from sync_protocol.domain import events as ev
from sync_protocol.domain.fields import habit_to_fields
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.ids import uuid7
from sync_protocol.domain.schedule import Schedule

SCHEDULES = ["daily", "daily", "daily", "mon,wed,fri", "3/week", "10/month", "every 2 days"]


def build(path: Path, habits: int, years: int, today: date, seed: int = 7) -> None:
    """Create ``habits`` habits with ``years`` of check-ins ending yesterday (~75% done)."""
    rng = random.Random(seed)
    store = Store.open(path)
    start = today - timedelta(days=365 * years)
    with store.write():
        for i in range(habits):
            measurable = i % 4 == 3
            habit = Habit(
                id=uuid7(),
                name=f"Habit {i:03d}",
                schedule=Schedule.parse(SCHEDULES[i % len(SCHEDULES)]),
                start_date=start,
                kind=HabitKind.MEASURABLE if measurable else HabitKind.YES_NO,
                unit="pages" if measurable else "",
                target=20.0 if measurable else 1.0,
                target_type=TargetType.AT_LEAST,
                position=i,
            )
            store.record(ev.HABIT_CREATE, {"habit_id": habit.id, **habit_to_fields(habit)})
            day = start
            while day < today:
                roll = rng.random()
                if roll < 0.75:
                    value = float(rng.randint(10, 30)) if measurable else 1.0
                    store.record(ev.CHECKIN_SET, {"habit_id": habit.id, "date": day.isoformat(), "value": value})
                elif roll < 0.78:
                    store.record(ev.CHECKIN_SET, {"habit_id": habit.id, "date": day.isoformat(), "skip": True})
                day += timedelta(days=1)
    store.close()
