"""Build benchmark databases: N habits x Y years of realistic history, through the real store."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from habit_tui.store.repository import Store
from sync_protocol.domain import events as ev
from sync_protocol.domain.fields import habit_to_fields
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.ids import uuid7
from sync_protocol.domain.schedule import Schedule

SCHEDULES = ["daily", "daily", "daily", "mon,wed,fri", "3/week", "10/month", "every 2 days"]


def bench_habit(i: int, start: date) -> Habit:
    """The ``i``-th benchmark habit: the schedules in turn, every fourth one measurable (pages)."""
    measurable = i % 4 == 3
    return Habit(
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


def history(habit: Habit, start: date, today: date, rng: random.Random) -> Iterator[tuple[date, float | None]]:
    """The days of ``habit`` from ``start`` to yesterday with something recorded: ~75% done (the
    value), 3% skipped (None)."""
    measurable = habit.kind == HabitKind.MEASURABLE
    day = start
    while day < today:
        roll = rng.random()
        if roll < 0.75:
            yield day, float(rng.randint(10, 30)) if measurable else 1.0
        elif roll < 0.78:
            yield day, None
        day += timedelta(days=1)


def build(path: Path, habits: int, years: int, today: date, seed: int = 7) -> None:
    """Create ``habits`` habits with ``years`` of check-ins ending yesterday (~75% done)."""
    rng = random.Random(seed)
    store = Store.open(path)
    start = today - timedelta(days=365 * years)
    with store.write():
        for i in range(habits):
            habit = bench_habit(i, start)
            store.record(ev.HABIT_CREATE, {"habit_id": habit.id, **habit_to_fields(habit)})
            for day, value in history(habit, start, today, rng):
                done = {"value": value} if value is not None else {"skip": True}
                store.record(ev.CHECKIN_SET, {"habit_id": habit.id, "date": day.isoformat(), **done})
    store.close()
