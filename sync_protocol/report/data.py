"""What a report says, computed purely from habits and their check-ins.

``build_report`` turns (habits, check-ins per habit, week|month, a reference date, today) into
a frozen tree that the PDF renderer draws and ``--json`` prints. Streak, score and the state of
every schedule period come from :func:`sync_protocol.domain.stats.analyze`, so a report never
disagrees with ``habit list``.

How a schedule period counts towards a report: a daily or weekday period belongs to the report
that holds its (first) day; a week, month or interval period that straddles the report's edge
counts in proportion to the days it has inside (a ``10/month`` habit is due about 2 times in a
week). ``due`` is what the schedule asked for, ``rate`` the share of it met. While the report's
period runs, a schedule period that is still open counts with what is done in it so far (two of
three daily habits done today is 67%, as the table's Due and Done columns say), though it is not
yet a miss: its day is marked open and no streak breaks on it. Once a report's period is over,
only decided periods count (a week that runs on past a month's end counts once it is satisfied).
The headline ``completion_rate`` is the same sum over every habit as each row's ``rate``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sync_protocol.domain.checkin import CheckIn, day_credit
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import Period, ScheduleKind, StreakUnit
from sync_protocol.domain.stats import PeriodResult, PeriodState, analyze
from sync_protocol.report.period import PeriodKind, ReportPeriod

LEVEL_STEPS = (0.34, 0.67, 0.9)
"""Heatmap levels above 1 (something done): a third, two thirds, and nearly everything."""
MIN_BROKEN_STREAK = 2
"""A run shorter than this that ends is not worth calling a broken streak."""


class Mark(StrEnum):
    """What one habit shows on one day of the report."""

    DONE = "done"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    MISSED = "missed"
    OPEN = "open"  # nothing recorded, and not (or not yet) a miss
    OFF = "off"  # not scheduled that day, or before the habit began
    FUTURE = "future"  # after the day the report was made


@dataclass(frozen=True, slots=True)
class StreakRef:
    habit: str
    length: int
    unit: StreakUnit

    def to_json(self) -> dict[str, Any]:
        return {"habit": self.habit, "length": self.length, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class BrokenStreak:
    habit: str
    length: int
    unit: StreakUnit
    on: date

    def to_json(self) -> dict[str, Any]:
        return {"habit": self.habit, "length": self.length, "unit": self.unit, "date": self.on.isoformat()}


@dataclass(frozen=True, slots=True)
class Summary:
    start: date
    end: date
    habits_total: int
    habits_completed: int
    checkins_done: int
    due: int
    completion_rate: float | None
    top_streak: StreakRef | None = None
    broken_streaks: tuple[BrokenStreak, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "habits_total": self.habits_total,
            "habits_completed": self.habits_completed,
            "checkins_done": self.checkins_done,
            "due": self.due,
            "completion_rate": _round(self.completion_rate),
            "top_streak": self.top_streak.to_json() if self.top_streak else None,
            "broken_streaks": [b.to_json() for b in self.broken_streaks],
        }


@dataclass(frozen=True, slots=True)
class HabitRow:
    habit_id: str
    name: str
    schedule: str
    goal: str
    color: str
    due: int
    done: int
    skipped: int
    rate: float | None
    previous_rate: float | None
    current_streak: int
    best_streak: int
    streak_unit: StreakUnit
    score: float
    score_change: float
    marks: tuple[Mark, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.habit_id,
            "name": self.name,
            "schedule": self.schedule,
            "goal": self.goal,
            "due": self.due,
            "done": self.done,
            "skipped": self.skipped,
            "rate": _round(self.rate),
            "previous_rate": _round(self.previous_rate),
            "current_streak": self.current_streak,
            "best_streak": self.best_streak,
            "streak_unit": self.streak_unit,
            "score": round(self.score, 4),
            "score_change": round(self.score_change, 4),
            "marks": [str(m) for m in self.marks],
        }


@dataclass(frozen=True, slots=True)
class DayCount:
    """How many habits were completed on a day, out of the habits on the schedule that day."""

    day: date
    done: int
    scheduled: int
    future: bool

    @property
    def ratio(self) -> float | None:
        if self.future or self.scheduled <= 0:
            return None
        return min(1.0, self.done / self.scheduled)

    @property
    def level(self) -> int | None:
        """0 (nothing) to 4 (every scheduled habit done), for a heatmap; None for days to come."""
        if self.future:
            return None
        if not self.done:
            return 0
        ratio = self.ratio
        if ratio is None:
            return 4
        return 1 + sum(1 for step in LEVEL_STEPS if ratio >= step)

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "done": None if self.future else self.done,
            "scheduled": self.scheduled,
            "ratio": _round(self.ratio),
            "level": self.level,
        }


@dataclass(frozen=True, slots=True)
class Note:
    day: date
    habit: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "habit": self.habit, "text": self.text}


@dataclass(frozen=True, slots=True)
class Report:
    period: ReportPeriod
    previous_period: ReportPeriod
    as_of: date
    summary: Summary
    previous: Summary
    habits: tuple[HabitRow, ...]
    days: tuple[DayCount, ...]
    notes: tuple[Note, ...]
    calendar: tuple[tuple[DayCount | None, ...], ...] = field(default=())

    @property
    def kind(self) -> PeriodKind:
        return self.period.kind

    @property
    def rate_change(self) -> float | None:
        """Completion rate minus the previous period's, in points of 1 (0.05 = five points)."""
        now, before = self.summary.completion_rate, self.previous.completion_rate
        if now is None or before is None:
            return None
        return now - before

    @property
    def complete(self) -> bool:
        """Whether the whole period is over (else the report stops at ``as_of``)."""
        return self.as_of >= self.period.end

    def to_json(self) -> dict[str, Any]:
        change = self.rate_change
        return {
            "period": self.period.kind,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "summary": {
                **self.summary.to_json(),
                "completion_rate_change": _round(change),
                "checkins_done_change": self.summary.checkins_done - self.previous.checkins_done,
            },
            "previous": self.previous.to_json(),
            "habits": [h.to_json() for h in self.habits],
            "days": [d.to_json() for d in self.days],
            "calendar": [[d.day.isoformat() if d else None for d in week] for week in self.calendar],
            "notes": [n.to_json() for n in self.notes],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# ----- building ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tally:
    """One habit's numbers over one report period."""

    due: float = 0.0
    needed: float = 0.0
    met: float = 0.0
    done: int = 0
    skipped: int = 0

    @property
    def rate(self) -> float | None:
        return min(1.0, self.met / self.needed) if self.needed > 1e-9 else None


@dataclass(slots=True)
class _HabitWork:
    habit: Habit
    by_day: dict[date, CheckIn]
    start: date
    periods: list[PeriodResult]
    series: dict[date, float]
    current_streak: int
    best_streak: int
    score: float


def build_report(
    habits: Sequence[Habit],
    checkins: Mapping[str, Sequence[CheckIn]],
    period: PeriodKind,
    day: date,
    *,
    today: date | None = None,
) -> Report:
    """The report for the ``period`` (week or month) that contains ``day``.

    ``checkins`` maps a habit id to its check-ins. ``today`` (default: the period's last day)
    is the last day with data: a report of the running week stops there, and the day's open
    periods do not yet count as missed.
    """
    current = ReportPeriod.containing(period, day)
    previous = current.previous()
    as_of = current.end if today is None else min(current.end, today)
    if as_of < current.start:
        raise DomainError(f"the {period} of {day.isoformat()} has not started yet")
    # A period that is over is judged from the day after it, so its last day can be a miss;
    # a running one from today, which stays open until it ends.
    judged_on = as_of if today is not None and today <= current.end else current.end + timedelta(days=1)
    ordered = sorted(habits, key=lambda h: (h.position, h.name.casefold(), h.id))
    since = previous.start
    work = [w for h in ordered if (w := _analyze(h, checkins.get(h.id, ()), as_of, judged_on, since)).start <= as_of]

    rows: list[HabitRow] = []
    tallies_now: list[_Tally] = []
    tallies_before: list[_Tally] = []
    broken: list[BrokenStreak] = []
    running = judged_on == as_of  # the report's period is still going on
    for w in work:
        now = _tally(w, current, as_of, judged_on if running else None)
        before = _tally(w, previous, previous.end) if w.start <= previous.end else None
        tallies_now.append(now)
        if before is not None:
            tallies_before.append(before)
        broken.extend(_broken_streaks(w, current, as_of))
        prev_score = w.series.get(previous.end, 0.0)
        rows.append(
            HabitRow(
                habit_id=w.habit.id,
                name=w.habit.name,
                schedule=str(w.habit.schedule),
                goal=w.habit.goal_text(),
                color=w.habit.color,
                due=_whole(now.due),
                done=now.done,
                skipped=now.skipped,
                rate=now.rate,
                previous_rate=before.rate if before else None,
                current_streak=w.current_streak,
                best_streak=w.best_streak,
                streak_unit=w.habit.schedule.unit,
                score=w.score,
                score_change=w.score - prev_score,
                marks=tuple(_mark(w, d, as_of) for d in current.dates()),
            )
        )

    top = max(rows, key=lambda r: r.current_streak, default=None)
    summary = _summary(
        current,
        tallies_now,
        top_streak=StreakRef(top.name, top.current_streak, top.streak_unit) if top and top.current_streak else None,
        broken_streaks=tuple(sorted(broken, key=lambda b: (b.on, -b.length, b.habit.casefold()))),
    )
    days = tuple(_day_count(work, d, as_of) for d in current.dates())
    return Report(
        period=current,
        previous_period=previous,
        as_of=as_of,
        summary=summary,
        previous=_summary(previous, tallies_before),
        habits=tuple(rows),
        days=days,
        notes=_notes(work, current, as_of),
        calendar=_calendar(current, days),
    )


def _analyze(habit: Habit, checkins: Sequence[CheckIn], as_of: date, judged_on: date, since: date) -> _HabitWork:
    """The habit's stats, with its periods and daily scores from ``since`` on (all the report looks at)."""
    by_day = {c.date: c for c in checkins if c.date <= as_of}
    periods: list[PeriodResult] = []
    series: list[tuple[date, float]] = []
    stats = analyze(habit, by_day.values(), judged_on, periods_out=periods, series=series, since=since)
    return _HabitWork(
        habit=habit,
        by_day=by_day,
        start=stats.started,
        periods=periods,
        series=dict(series),
        current_streak=stats.current_streak,
        best_streak=stats.best_streak,
        score=stats.score,
    )


def _share(kind: ScheduleKind, p: Period, rp: ReportPeriod) -> float:
    """The part of period ``p``'s requirement that belongs to the report period ``rp``."""
    lo, hi = max(p.start, rp.start), min(p.end, rp.end)
    if hi < lo:
        return 0.0
    if kind in (ScheduleKind.DAILY, ScheduleKind.WEEKDAYS):
        return 1.0 if rp.contains(p.start) else 0.0
    return ((hi - lo).days + 1) / p.days


def _tally(w: _HabitWork, rp: ReportPeriod, last: date, open_from: date | None = None) -> _Tally:
    """``open_from``: the day a running report is judged on; a period still open then counts so far."""
    t = _Tally()
    kind = w.habit.schedule.kind
    for pr in w.periods:
        if pr.period.end < rp.start:
            continue
        if pr.period.start > rp.end:
            break
        share = _share(kind, pr.period, rp)
        if not share:
            continue
        t.due += pr.period.target * share
        if pr.state is not PeriodState.NEUTRAL or _still_open(pr, w.start, open_from):
            t.needed += pr.required * share
            t.met += min(pr.completions, pr.required) * share
    day = rp.start
    while day <= min(rp.end, last):
        c = w.by_day.get(day)
        if c is not None:
            if c.skipped:
                t.skipped += 1
            elif day_credit(w.habit, c) >= 1.0:
                t.done += 1
        day += timedelta(days=1)
    return t


def _still_open(pr: PeriodResult, start: date, open_from: date | None) -> bool:
    """A period that is not over on ``open_from`` and asks for something (not the habit's partial first one)."""
    return open_from is not None and pr.period.end >= open_from and pr.period.start >= start and pr.required > 0


def _summary(
    rp: ReportPeriod,
    tallies: Sequence[_Tally],
    *,
    top_streak: StreakRef | None = None,
    broken_streaks: tuple[BrokenStreak, ...] = (),
) -> Summary:
    needed = sum(t.needed for t in tallies)
    met = sum(t.met for t in tallies)
    return Summary(
        start=rp.start,
        end=rp.end,
        habits_total=len(tallies),
        habits_completed=sum(1 for t in tallies if t.rate is not None and t.rate >= 1.0 - 1e-9),
        checkins_done=sum(t.done for t in tallies),
        due=_whole(sum(t.due for t in tallies)),
        completion_rate=min(1.0, met / needed) if needed > 1e-9 else None,
        top_streak=top_streak,
        broken_streaks=broken_streaks,
    )


def _broken_streaks(w: _HabitWork, rp: ReportPeriod, as_of: date) -> list[BrokenStreak]:
    """Runs of at least MIN_BROKEN_STREAK satisfied periods that a miss ended inside the report."""
    return [
        BrokenStreak(w.habit.name, pr.streak_before, w.habit.schedule.unit, pr.period.end)
        for pr in w.periods
        if pr.state is PeriodState.MISSED
        and pr.streak_before >= MIN_BROKEN_STREAK
        and rp.start <= pr.period.end <= min(rp.end, as_of)
    ]


def _mark(w: _HabitWork, day: date, as_of: date) -> Mark:
    if day > as_of:
        return Mark.FUTURE
    if day < w.start:
        return Mark.OFF
    c = w.by_day.get(day)
    if c is not None:
        if c.skipped:
            return Mark.SKIPPED
        credit = day_credit(w.habit, c)
        if credit >= 1.0:
            return Mark.DONE
        if credit > 0:
            return Mark.PARTIAL
    schedule = w.habit.schedule
    if schedule.kind not in (ScheduleKind.DAILY, ScheduleKind.WEEKDAYS):
        return Mark.OPEN
    if not schedule.is_due_on(day):
        return Mark.OFF
    state = _state_on(w.periods, day)
    return Mark.MISSED if state is PeriodState.MISSED else Mark.OPEN


def _state_on(periods: Sequence[PeriodResult], day: date) -> PeriodState | None:
    lo, hi = 0, len(periods)
    while lo < hi:
        mid = (lo + hi) // 2
        if periods[mid].period.end < day:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(periods) and periods[lo].period.start <= day:
        return periods[lo].state
    return None


def _day_count(work: Sequence[_HabitWork], day: date, as_of: date) -> DayCount:
    done = scheduled = 0
    for w in work:
        if day < w.start or not w.habit.schedule.is_due_on(day):
            continue
        scheduled += 1
        c = w.by_day.get(day)
        if c is not None and not c.skipped and day_credit(w.habit, c) >= 1.0:
            done += 1
    return DayCount(day=day, done=done, scheduled=scheduled, future=day > as_of)


def _calendar(rp: ReportPeriod, days: Sequence[DayCount]) -> tuple[tuple[DayCount | None, ...], ...]:
    """Weeks (Monday first) by weekdays; cells outside the period are None."""
    by_day = {d.day: d for d in days}
    first = rp.start - timedelta(days=rp.start.weekday())
    weeks: list[tuple[DayCount | None, ...]] = []
    while first <= rp.end:
        weeks.append(tuple(by_day.get(first + timedelta(days=i)) for i in range(7)))
        first += timedelta(days=7)
    return tuple(weeks)


def _notes(work: Sequence[_HabitWork], rp: ReportPeriod, as_of: date) -> tuple[Note, ...]:
    days = [d for d in rp.dates() if d <= as_of]
    return tuple(
        Note(day, w.habit.name, c.note) for day in days for w in work if (c := w.by_day.get(day)) is not None and c.note
    )


def _whole(value: float) -> int:
    return math.floor(value + 0.5 + 1e-9)
