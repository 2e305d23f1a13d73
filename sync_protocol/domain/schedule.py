"""The schedule grammar and the calendar periods a schedule divides time into.

Grammar (parse and format round-trip exactly):

* ``daily``
* weekdays: ``mon,wed,fri`` (any non-empty set, printed in calendar order)
* calendar periods: ``3/week`` (ISO week, Monday first), ``10/month``
* interval: ``every 3 days`` (blocks of N days anchored at the habit's start date)
* rolling window: ``2 in 3 days`` (Loop Habit Tracker's "N times in M days": blocks of M days
  anchored like an interval, each needing N completions). ``N in N days`` is ``daily`` and
  ``1 in M days`` is ``every M days``: they mean exactly the same, so they print as those.

Score frequency (:attr:`Schedule.loop_frequency`) is Loop's ``numerator / denominator``:
``daily`` 1/1, ``N/week`` N/7, ``N/month`` N/30 (Loop's month), ``every N days`` 1/N and
``N in M days`` N/M. Loop cannot express weekdays (``mon,wed,fri``); we score them as
``N/week`` with N the number of weekdays, so a check-in on another day of the week counts as
much as one on a scheduled day (the streak still follows the scheduled days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from sync_protocol.domain.errors import DomainError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

SCHEDULE_EXAMPLES: tuple[str, ...] = ("daily", "mon,wed,fri", "3/week", "10/month", "every 3 days", "2 in 3 days")
"""One of each kind of schedule: every hint and error that shows how to write one lists these."""


class ScheduleKind(StrEnum):
    DAILY = "daily"
    WEEKDAYS = "weekdays"
    PER_WEEK = "per_week"
    PER_MONTH = "per_month"
    EVERY = "every"
    IN_DAYS = "in_days"
    """``N in M days``: ``count`` completions in each block of ``span`` days."""


class StreakUnit(StrEnum):
    """What a streak of a schedule counts, and every way it is worded (``unit`` in JSON is the value)."""

    DAYS = "d"
    WEEKS = "w"
    MONTHS = "mo"
    TIMES = "x"
    """Due occasions of a weekday or interval schedule."""

    @property
    def singular(self) -> str:
        return _WORDS[self][0]

    @property
    def plural(self) -> str:
        return _WORDS[self][1]

    def text(self, length: int) -> str:
        """``54 days``, ``1 week``, ``4 times``."""
        return f"{length} {self.singular if length == 1 else self.plural}"

    def short(self, length: int) -> str:
        """``54 d``, ``3 wk``, ``4 ×``: for narrow table columns."""
        return f"{length} {_WORDS[self][2]}"

    def phrase(self, length: int) -> str:
        """``12-day streak``, ``3-week streak``, ``streak of 4``."""
        if self is StreakUnit.TIMES:
            return f"streak of {length}"
        return f"{length}-{self.singular} streak"


_WORDS: dict[StreakUnit, tuple[str, str, str]] = {
    StreakUnit.DAYS: ("day", "days", "d"),
    StreakUnit.WEEKS: ("week", "weeks", "wk"),
    StreakUnit.MONTHS: ("month", "months", "mo"),
    StreakUnit.TIMES: ("time", "times", "×"),
}


class Period(NamedTuple):
    """A stretch of days from ``start`` to ``end`` (both included) that must hold ``target`` completions."""

    start: date
    end: date
    target: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


_PER_RE = re.compile(r"([0-9]+)\s*/\s*(week|month)")
_EVERY_RE = re.compile(r"every\s+([0-9]+)\s+days?")
_IN_DAYS_RE = re.compile(r"([0-9]+)\s*(?:times?\s+)?in\s+([0-9]+)\s+days?")
MAX_SPAN = 365


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: ScheduleKind
    count: int = 1
    weekdays: frozenset[int] = frozenset()
    span: int = 0
    """Days in each block of an ``N in M days`` schedule (M); 0 for every other kind."""

    # ----- grammar -------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Schedule:
        raw = " ".join(text.strip().lower().split())
        if raw in ("daily", "every day", "everyday"):
            return cls(ScheduleKind.DAILY)
        if m := _PER_RE.fullmatch(raw):
            n = int(m.group(1))
            unit = m.group(2)
            limit = 7 if unit == "week" else 31
            if not 1 <= n <= limit:
                raise DomainError(f"schedule '{text}': times per {unit} must be between 1 and {limit}")
            if unit == "week" and n == 7:
                return cls(ScheduleKind.DAILY)
            kind = ScheduleKind.PER_WEEK if unit == "week" else ScheduleKind.PER_MONTH
            return cls(kind, count=n)
        if m := _EVERY_RE.fullmatch(raw):
            n = int(m.group(1))
            if not 1 <= n <= MAX_SPAN:
                raise DomainError(f"schedule '{text}': the interval must be between 1 and {MAX_SPAN} days")
            if n == 1:
                return cls(ScheduleKind.DAILY)
            return cls(ScheduleKind.EVERY, count=n)
        if m := _IN_DAYS_RE.fullmatch(raw):
            return cls.in_days(int(m.group(1)), int(m.group(2)), text)
        days: set[int] = set()
        for token in (t for t in re.split(r"[,\s]+", raw) if t):
            idx = _weekday_index(token)
            if idx is None:
                raise DomainError(_bad(text))
            days.add(idx)
        if days:
            if len(days) == 7:
                return cls(ScheduleKind.DAILY)
            return cls(ScheduleKind.WEEKDAYS, count=len(days), weekdays=frozenset(days))
        raise DomainError(_bad(text))

    @classmethod
    def in_days(cls, times: int, days: int, text: str = "") -> Schedule:
        """``times`` completions in every ``days`` days, in its simplest form (``2 in 3 days``)."""
        shown = text or f"{times} in {days} days"
        if not 1 <= days <= MAX_SPAN:
            raise DomainError(f"schedule '{shown}': the number of days must be between 1 and {MAX_SPAN}")
        if not 1 <= times <= days:
            raise DomainError(f"schedule '{shown}': the number of times must be between 1 and {days}")
        if times == days:
            return cls(ScheduleKind.DAILY)
        if times == 1:
            return cls(ScheduleKind.EVERY, count=days)
        return cls(ScheduleKind.IN_DAYS, count=times, span=days)

    def __str__(self) -> str:
        match self.kind:
            case ScheduleKind.DAILY:
                return "daily"
            case ScheduleKind.WEEKDAYS:
                return ",".join(WEEKDAYS[d] for d in sorted(self.weekdays))
            case ScheduleKind.PER_WEEK:
                return f"{self.count}/week"
            case ScheduleKind.PER_MONTH:
                return f"{self.count}/month"
            case ScheduleKind.EVERY:
                return f"every {self.count} days"
            case ScheduleKind.IN_DAYS:
                return f"{self.count} in {self.span} days"

    def describe(self) -> str:
        """A sentence a person reads, for previews."""
        match self.kind:
            case ScheduleKind.DAILY:
                return "every day"
            case ScheduleKind.WEEKDAYS:
                names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
                return "every " + ", ".join(names[d] for d in sorted(self.weekdays))
            case ScheduleKind.PER_WEEK:
                return f"{self.count} time{'s' if self.count > 1 else ''} a week (Monday to Sunday)"
            case ScheduleKind.PER_MONTH:
                return f"{self.count} time{'s' if self.count > 1 else ''} a calendar month"
            case ScheduleKind.EVERY:
                return f"once in every block of {self.count} days"
            case ScheduleKind.IN_DAYS:
                return f"{self.count} times in every block of {self.span} days"

    # ----- numbers ------------------------------------------------------------
    @property
    def frequency(self) -> float:
        """Expected completions per day (the ``f`` of the score formula)."""
        match self.kind:
            case ScheduleKind.DAILY:
                return 1.0
            case ScheduleKind.WEEKDAYS | ScheduleKind.PER_WEEK:
                return self.count / 7
            case ScheduleKind.PER_MONTH:
                return self.count / 30
            case ScheduleKind.EVERY:
                return 1 / self.count
            case ScheduleKind.IN_DAYS:
                return self.count / self.span

    @property
    def loop_frequency(self) -> tuple[int, int]:
        """Loop Habit Tracker's frequency of this schedule, ``(numerator, denominator)``: the score
        looks at the completions of the last ``denominator`` days (see the module docstring)."""
        match self.kind:
            case ScheduleKind.DAILY:
                return (1, 1)
            case ScheduleKind.WEEKDAYS | ScheduleKind.PER_WEEK:
                return (self.count, 7)
            case ScheduleKind.PER_MONTH:
                # Loop's month is 30 days, and its Frequency(30, 30) is daily; 31/month asks for every
                # day of every month (the period's target is capped at the month's length), so it is daily too.
                return (1, 1) if self.count >= 30 else (self.count, 30)
            case ScheduleKind.EVERY:
                return (1, self.count)
            case ScheduleKind.IN_DAYS:
                return (self.count, self.span)

    @property
    def unit(self) -> StreakUnit:
        """What a streak of this schedule counts."""
        match self.kind:
            case ScheduleKind.PER_WEEK:
                return StreakUnit.WEEKS
            case ScheduleKind.PER_MONTH:
                return StreakUnit.MONTHS
            case ScheduleKind.DAILY:
                return StreakUnit.DAYS
            case _:
                return StreakUnit.TIMES

    # ----- periods ------------------------------------------------------------
    def period_of(self, day: date, anchor: date) -> Period:
        """The period containing ``day``. ``anchor`` is the habit's start (used by interval schedules)."""
        match self.kind:
            case ScheduleKind.DAILY:
                return Period(day, day, 1)
            case ScheduleKind.PER_WEEK:
                start = day - timedelta(days=day.weekday())
                return Period(start, start + timedelta(days=6), self.count)
            case ScheduleKind.PER_MONTH:
                start = day.replace(day=1)
                end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
                # "30/month" asks for every day of a 30-day month, not for the impossible in February.
                return Period(start, end, min(self.count, end.day))
            case ScheduleKind.EVERY:
                offset = (day - anchor).days % self.count
                start = day - timedelta(days=offset)
                return Period(start, start + timedelta(days=self.count - 1), 1)
            case ScheduleKind.IN_DAYS:
                offset = (day - anchor).days % self.span
                start = day - timedelta(days=offset)
                return Period(start, start + timedelta(days=self.span - 1), self.count)
            case ScheduleKind.WEEKDAYS:
                wd = day.weekday()
                back = min((wd - d) % 7 for d in self.weekdays)
                start = day - timedelta(days=back)
                fwd = min(((d - start.weekday()) % 7) or 7 for d in self.weekdays)
                return Period(start, start + timedelta(days=fwd - 1), 1)

    def periods(self, first: date, last: date, anchor: date) -> list[Period]:
        """Every period that overlaps ``[first, last]``, in order."""
        out: list[Period] = []
        if last < first:
            return out
        p = self.period_of(first, anchor)
        while True:
            out.append(p)
            if p.end >= last:
                return out
            p = self.period_of(p.end + timedelta(days=1), anchor)

    def period_bounds(self, first: date, last: date, anchor: date) -> list[tuple[int, int, int]]:
        """:meth:`periods` as ``(start ordinal, end ordinal, target)`` tuples, built without date objects."""
        if last < first:
            return []
        p = self.period_of(first, anchor)
        lo, hi, end = p.start.toordinal(), p.end.toordinal(), last.toordinal()
        if step := self._fixed_length():
            return [(o, o + step - 1, p.target) for o in range(lo, end + 1, step)]
        if self.kind is ScheduleKind.WEEKDAYS:
            # Length of the period starting on each scheduled weekday; (ordinal - 1) % 7 is date.weekday().
            gaps = {d: min(((e - d) % 7) or 7 for e in self.weekdays) for d in self.weekdays}
            out: list[tuple[int, int, int]] = []
            o = lo
            while o <= end:
                nxt = hi + 1 if o == lo else o + gaps[(o - 1) % 7]
                out.append((o, nxt - 1, 1))
                o = nxt
            return out
        return [(q.start.toordinal(), q.end.toordinal(), q.target) for q in self.periods(first, last, anchor)]

    def _fixed_length(self) -> int:
        """The length of every period, for kinds whose periods all have the same length (else 0)."""
        match self.kind:
            case ScheduleKind.DAILY:
                return 1
            case ScheduleKind.PER_WEEK:
                return 7
            case ScheduleKind.EVERY:
                return self.count
            case ScheduleKind.IN_DAYS:
                return self.span
            case _:
                return 0

    def is_due_on(self, day: date) -> bool:
        """Whether ``day`` is a scheduled day (weekday schedules); other schedules are due every day."""
        if self.kind is ScheduleKind.WEEKDAYS:
            return day.weekday() in self.weekdays
        return True


_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday_index(token: str) -> int | None:
    """Index of a weekday written as its first three or more letters (``mon``, ``tues``, ``friday``)."""
    if len(token) < 3:
        return None
    for i, name in enumerate(_FULL_NAMES):
        if name.startswith(token):
            return i
    return None


def _bad(text: str) -> str:
    daily, weekdays, *middle, last = (f"'{example}'" for example in SCHEDULE_EXAMPLES)
    return f"bad schedule '{text}': use {daily}, weekdays like {weekdays}, {', '.join(middle)} or {last}"
