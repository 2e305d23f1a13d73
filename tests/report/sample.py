"""Habits and check-ins for report tests: small hand-made cases and a large seeded history."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule

CheckIns = dict[str, list[CheckIn]]


def make_habit(
    name: str,
    schedule: str = "daily",
    *,
    start: date = date(2025, 1, 1),
    position: int = 0,
    target: float | None = None,
    unit: str = "",
    at_most: bool = False,
) -> Habit:
    measurable = target is not None or at_most
    return Habit(
        id=f"id-{name}",
        name=name,
        schedule=Schedule.parse(schedule),
        start_date=start,
        kind=HabitKind.MEASURABLE if measurable else HabitKind.YES_NO,
        unit=unit,
        target=target if target is not None else (0.0 if at_most else 1.0),
        target_type=TargetType.AT_MOST if at_most else TargetType.AT_LEAST,
        position=position,
    )


def done(*days: date, note: str = "") -> list[CheckIn]:
    return [CheckIn(d, 1.0, note=note) for d in days]


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


NAMES = (
    "Read 20 pages",
    "Meditate",
    "Μελέτη ελληνικών",
    "Зарядка",
    "Drink water",
    "Journal ✍",
    "Walk 10k steps",
    "No sugar",
    "Practice piano",
    "Call a friend",
    "Stretch",
    "Learn Русский",
)
SCHEDULES = ("daily", "daily", "mon,wed,fri", "3/week", "daily", "daily", "5/week", "daily", "every 2 days", "1/week")


def large_history(habits: int, first: date, last: date, seed: int = 7) -> tuple[list[Habit], CheckIns]:
    """``habits`` habits with a realistic, seeded history between ``first`` and ``last``."""
    rng = random.Random(seed)
    out: list[Habit] = []
    checkins: CheckIns = {}
    for i in range(habits):
        base = NAMES[i % len(NAMES)]
        name = base if i < len(NAMES) else f"{base} {i // len(NAMES) + 1}"
        schedule = SCHEDULES[i % len(SCHEDULES)]
        measurable = i % 5 == 4
        habit = make_habit(
            name,
            schedule,
            start=first + timedelta(days=rng.randrange(0, 20)),
            position=i,
            target=8.0 if measurable else None,
            unit="glasses" if measurable else "",
        )
        keen = rng.uniform(0.45, 0.95)
        rows: list[CheckIn] = []
        for day in span(habit.start_date, last):
            roll = rng.random()
            if roll < 0.03:
                rows.append(CheckIn(day, skipped=True))
            elif roll < keen:
                value = float(rng.choice((5, 8, 9))) if measurable else 1.0
                note = rng.choice(("", "", "", "", "", "felt great", "short session — busy day", "with Anna"))
                rows.append(CheckIn(day, value, note=note))
        out.append(habit)
        checkins[habit.id] = rows
    return out, checkins
