"""Streaks, completion rate, the Loop-style score and at-risk, computed in one pass.

Rules (DESIGN.md section 2):

* A period (a day, a week, a month, an interval block, or the stretch from one scheduled
  weekday to the next) is *satisfied* when it holds its target number of completed days.
  Each skipped day lowers that target by one; a period whose target drops to zero is neutral,
  unless it still holds a completion (then it is satisfied: skipping the rest of a period
  never takes away what was done in it).
* The period containing today is neutral until it is satisfied or over, so today never
  breaks a streak before it ends. A first period that began before the habit did is neutral
  unless satisfied.
* Streaks count consecutive satisfied periods; neutral periods neither break nor extend them.
* Score: each day ``S = m*S + (1-m)*v`` with ``m = 0.5 ** (sqrt(f) / 13)``; ``v`` is the credit
  of the day's period (partial for measurable habits); neutral days leave S unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import Period, ScheduleKind


class PeriodState(StrEnum):
    SATISFIED = "satisfied"
    MISSED = "missed"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class HabitStats:
    current_streak: int
    best_streak: int
    score: float
    completion_rate: float | None
    done_today: bool
    skipped_today: bool
    due_today: bool
    at_risk: bool
    last_done: date | None
    days_since_done: int
    total_done: int
    today_value: float | None
    needed_this_period: int
    period_end: date
    previous_record: int = 0
    """The longest streak that ended before the current one began."""


class PeriodResult(NamedTuple):
    period: Period
    state: PeriodState
    completions: int
    required: int


STATS_VERSION = 2
"""Bump whenever the rules below change, so cached results are recomputed."""


def stats_to_json(s: HabitStats) -> dict[str, object]:
    return {
        "current_streak": s.current_streak,
        "best_streak": s.best_streak,
        "score": s.score,
        "completion_rate": s.completion_rate,
        "done_today": s.done_today,
        "skipped_today": s.skipped_today,
        "due_today": s.due_today,
        "at_risk": s.at_risk,
        "last_done": s.last_done.isoformat() if s.last_done else None,
        "days_since_done": s.days_since_done,
        "total_done": s.total_done,
        "today_value": s.today_value,
        "needed_this_period": s.needed_this_period,
        "period_end": s.period_end.isoformat(),
        "previous_record": s.previous_record,
    }


def stats_from_json(d: dict[str, Any]) -> HabitStats:
    return HabitStats(
        current_streak=int(d["current_streak"]),
        best_streak=int(d["best_streak"]),
        score=float(d["score"]),
        completion_rate=None if d["completion_rate"] is None else float(d["completion_rate"]),
        done_today=bool(d["done_today"]),
        skipped_today=bool(d["skipped_today"]),
        due_today=bool(d["due_today"]),
        at_risk=bool(d["at_risk"]),
        last_done=date.fromisoformat(d["last_done"]) if d["last_done"] else None,
        days_since_done=int(d["days_since_done"]),
        total_done=int(d["total_done"]),
        today_value=None if d["today_value"] is None else float(d["today_value"]),
        needed_this_period=int(d["needed_this_period"]),
        period_end=date.fromisoformat(d["period_end"]),
        previous_record=int(d.get("previous_record", 0)),
    )


def score_multiplier(frequency: float) -> float:
    return float(0.5 ** (math.sqrt(frequency) / 13.0))


DayRow = tuple[int, float | None, int]
"""A check-in reduced to what evaluation needs: (date ordinal, value, skipped as 0/1 or a bool)."""


def analyze(
    habit: Habit,
    checkins: Iterable[CheckIn],
    today: date,
    *,
    risk_days: int | None = None,
    series: list[tuple[date, float]] | None = None,
    periods_out: list[PeriodResult] | None = None,
) -> HabitStats:
    """Evaluate a habit as of ``today`` (check-ins after today are ignored).

    ``series`` (if given) receives the score at the end of every day; ``periods_out`` receives
    every period and its state, for calendars and per-period rates.
    """
    rows = ((c.date.toordinal(), c.value, c.skipped) for c in checkins)
    return analyze_rows(habit, rows, today, risk_days=risk_days, series=series, periods_out=periods_out)


def analyze_rows(
    habit: Habit,
    rows: Iterable[DayRow],
    today: date,
    *,
    risk_days: int | None = None,
    series: list[tuple[date, float]] | None = None,
    periods_out: list[PeriodResult] | None = None,
) -> HabitStats:
    """:func:`analyze` on pre-reduced rows (the store hands these over without building objects)."""
    t = today.toordinal()
    credit: dict[int, float] = {}
    skipped: set[int] = set()
    today_value: float | None = None
    yes_no = not habit.is_measurable
    for o, value, skip in rows:
        if o > t:
            continue
        if skip:
            skipped.add(o)
        elif value is not None:
            credit[o] = (1.0 if value > 0 else 0.0) if yes_no else value_credit(habit, value)
        else:
            continue
        if o == t:
            today_value = value
    earliest = min(min(credit, default=t + 1), min(skipped, default=t + 1))
    start = min(habit.start_date.toordinal(), earliest, t)
    done_days = sorted(o for o, v in credit.items() if v >= 1.0)
    m = score_multiplier(habit.schedule.frequency)
    score = 0.0
    run = best = satisfied = missed = closed = 0
    needed = 0
    period_end = today
    if habit.schedule.kind is ScheduleKind.DAILY and series is None and periods_out is None:
        # Fast path: every day is its own period.
        one_minus = 1.0 - m
        for o in range(start, t + 1):
            if o in skipped:
                continue
            v = credit.get(o, 0.0)
            if v >= 1.0:
                run += 1
                best = max(best, run)
                satisfied += 1
            elif o == t:
                needed = 1
                continue
            else:
                closed = max(closed, run)
                run = 0
                missed += 1
            score = m * score + one_minus * v
    else:
        bounds = habit.schedule.period_bounds(date.fromordinal(start), today, habit.start_date)
        one_minus = 1.0 - m
        for p_start, p_end, p_target in bounds:
            lo = max(p_start, start)
            hi = min(p_end, t)
            completions = skips = 0
            credit_sum = 0.0
            for o in range(lo, hi + 1):
                if o in skipped:
                    skips += 1
                    continue
                v = credit.get(o, 0.0)
                credit_sum += v
                if v >= 1.0:
                    completions += 1
            required = max(0, p_target - skips)
            if completions > 0 and completions >= required:
                state = PeriodState.SATISFIED
            elif required == 0 or p_end >= t or p_start < start:
                state = PeriodState.NEUTRAL
            else:
                state = PeriodState.MISSED
            if state is PeriodState.SATISFIED:
                run += 1
                best = max(best, run)
                satisfied += 1
            elif state is PeriodState.MISSED:
                closed = max(closed, run)
                run = 0
                missed += 1
            if periods_out is not None:
                period = Period(date.fromordinal(p_start), date.fromordinal(p_end), p_target)
                periods_out.append(PeriodResult(period, state, completions, required))
            if state is not PeriodState.NEUTRAL:
                v_period = min(1.0, credit_sum / required) if required else 1.0
                if series is None:
                    # k equal updates at once: S -> v + (S - v) * m**k (skipped days leave S alone)
                    k = hi - lo + 1 - skips
                    score = v_period + (score - v_period) * m**k
                else:
                    for o in range(lo, hi + 1):
                        if o not in skipped:
                            score = m * score + one_minus * v_period
                        series.append((date.fromordinal(o), score))
            elif series is not None:
                series.extend((date.fromordinal(o), score) for o in range(lo, hi + 1))
            if p_end >= t:
                needed = max(0, required - completions)
                period_end = date.fromordinal(p_end)
    last_done = date.fromordinal(done_days[-1]) if done_days else None
    days_since = (t - done_days[-1]) if done_days else (t - start)
    days_left = (period_end - today).days + 1
    at_risk = needed > 0 and ((run > 0 and needed >= days_left) or (risk_days is not None and days_since >= risk_days))
    rate = satisfied / (satisfied + missed) if satisfied + missed else None
    return HabitStats(
        current_streak=run,
        best_streak=best,
        score=score,
        completion_rate=rate,
        done_today=credit.get(t, 0.0) >= 1.0,
        skipped_today=t in skipped,
        due_today=needed > 0,
        at_risk=at_risk,
        last_done=last_done,
        days_since_done=days_since,
        total_done=len(done_days),
        today_value=today_value,
        needed_this_period=needed,
        period_end=period_end,
        previous_record=closed,
    )


def effective_start(habit: Habit, checkins: Iterable[CheckIn]) -> date:
    first = min((c.date for c in checkins), default=habit.start_date)
    return min(first, habit.start_date)
