"""The habit view: a habit with its stats as JSON, the one shape ``habit list --json`` prints and
the server's REST API answers (its ``HabitOut`` model is built from this table).

Keys DESIGN.md names are kept: ``id``, ``name``, ``schedule``, ``kind``, ``archived``,
``done_today``, ``current_streak``, ``best_streak``, ``score``, and the original product's
``frequency``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from sync_protocol.domain.checkin import NOTE, CheckIn, check_amount
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.fields import habit_to_fields, iso_day
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import HabitStats

FREQUENCY_ALIASES = {"weekly": "1/week", "monthly": "1/month"}
"""The original product's ``frequency`` words that are not schedules of ours."""
_FREQUENCY_WORDS = {schedule: word for word, schedule in FREQUENCY_ALIASES.items()}


def schedule_of_frequency(text: str) -> str:
    """A ``frequency`` as the original product took it (``weekly``), as a schedule (``1/week``)."""
    return FREQUENCY_ALIASES.get(text.strip().lower(), text)


def frequency_of(schedule: Schedule) -> str:
    """The schedule as the original product's ``frequency``: ``daily``, ``weekly``, ``monthly``, or ours."""
    text = str(schedule)
    return _FREQUENCY_WORDS.get(text, text)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


class ViewKey(NamedTuple):
    """One computed key of the view: its JSON type (``date``: ISO text) and how it is read."""

    name: str
    json_type: Any
    get: Callable[[Habit, HabitStats], Any]


VIEW_KEYS: tuple[ViewKey, ...] = (
    ViewKey("frequency", str, lambda h, s: frequency_of(h.schedule)),
    ViewKey("done_today", bool, lambda h, s: s.done_today),
    ViewKey("skipped_today", bool, lambda h, s: s.skipped_today),
    ViewKey("due_today", bool, lambda h, s: s.due_today),
    ViewKey("at_risk", bool, lambda h, s: s.at_risk),
    ViewKey("today_value", float | None, lambda h, s: s.today_value),
    ViewKey("current_streak", int, lambda h, s: s.current_streak),
    ViewKey("best_streak", int, lambda h, s: s.best_streak),
    ViewKey("streak_unit", str, lambda h, s: h.schedule.unit.plural),
    ViewKey("score", float, lambda h, s: round(s.score, 6)),
    ViewKey("completion_rate", float | None, lambda h, s: _rounded(s.completion_rate)),
    ViewKey("total_done", int, lambda h, s: s.total_done),
    ViewKey("last_done", date | None, lambda h, s: _day(s.last_done)),
    ViewKey("days_since_done", int, lambda h, s: s.days_since_done),
)


def habit_view(habit: Habit, stats: HabitStats) -> dict[str, Any]:
    """``{id, every habit field, frequency, today's state, streaks, score, ...}``."""
    view: dict[str, Any] = {"id": habit.id, **habit_to_fields(habit)}
    for key in VIEW_KEYS:
        view[key.name] = key.get(habit, stats)
    return view


def checkin_view(c: CheckIn) -> dict[str, Any]:
    """``{date, value, skipped, note}``: a check-in in ``habit show --json``, exports and the REST API."""
    return {"date": c.date.isoformat(), "value": c.value, "skipped": c.skipped, "note": c.note}


def checkin_from_view(day: Any, value: Any, skipped: Any, note: Any) -> CheckIn:
    """The check-in a :func:`checkin_view` (or an import) describes, checked; DomainError when it is not one."""
    parsed = iso_day(day)
    if parsed is None:
        raise DomainError(f"bad date {day!r} (expected YYYY-MM-DD)")
    if not isinstance(skipped, bool):
        raise DomainError("'skipped' must be true or false")
    amount = None if skipped else check_amount(value)
    return CheckIn(parsed, amount, skipped, NOTE.clean(note))
