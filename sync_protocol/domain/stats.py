"""Streaks, completion rate, Loop Habit Tracker's score and at-risk, computed in one pass.

Rules (DESIGN.md section 2):

* A habit counts from its *effective start*: its start date, or its first check-in when that is
  earlier (:func:`effective_start`, the one definition ``habit show``, the app, the completion
  rate, the streaks and the score all use). Days before it are neither done nor missed.
* A day is *done* when its check-in meets the goal. A quit (at-most) habit's past day with no
  check-in counts as 0, which meets the goal; the day in progress counts once it is entered.
* A period (a day, a week, a month, an interval block, or the stretch from one scheduled
  weekday to the next) is *satisfied* when it holds its target number of done days. One rule
  for skips, for every schedule: each skipped day excuses one completion. A period that is over
  and whose done and skipped days together fall short of the target is *missed*; one that is
  not satisfied but whose skips cover the shortfall is *neutral*. So a skip neither breaks a
  streak nor extends it (``3/week`` with 2 done and 1 skipped is neutral, like a skipped day of
  a daily habit).
* The period containing today is neutral until it is satisfied or over, so today never breaks
  a streak before it ends. A first period that began before the habit did is neutral unless
  satisfied.
* Streaks count consecutive satisfied periods; neutral periods neither break nor extend them.
* The current period is *lost* when what it still needs can no longer fit in the days left
  (``5/week`` with nothing done on Saturday; a quit habit's day already over its limit). A lost
  period is not "at risk": no check-in can save it.
* Score, Loop's ``ScoreList.recompute``: with the schedule's Loop frequency ``N/M``
  (:attr:`Schedule.loop_frequency`), ``f = N/M`` and ``m = 0.5 ** (sqrt(f) / 13)``, each day
  that is not skipped does ``S = m*S + (1-m)*p``, where ``p`` comes from the sum over the last
  M days (that day included; a skipped day adds nothing):

  - yes/no: the number of done days, with N and M doubled when ``f < 1`` (Loop smooths
    irregular repetitions that way); ``p = min(1, sum / N)``;
  - measurable (a day with no check-in is 0): with ``T = N * target``, at least
    ``p = min(1, sum / T)``; at most ``p = clamp(1 - (sum - T) / T, 0, 1)`` (``T = 0``: 1 when the
    sum is 0, else 0). Loop's measurable habits always have N = 1, so T is the target per
    day, week or month; ``N * target`` is our choice for the schedules Loop cannot give them.

  S starts at 0 (at 1 for an at-most habit) on the effective start. Today changes S only once
  it holds a check-in: the score of a day that is over, and of today once entered, is Loop's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import accumulate, chain, compress
from operator import sub
from typing import Any, NamedTuple

from sync_protocol.domain.checkin import CheckIn, value_credit
from sync_protocol.domain.habit import Habit, TargetType
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
    """Check-ins that met the goal (a quit habit's empty days meet it too, but are not check-ins)."""
    today_value: float | None
    needed_this_period: int
    period_end: date
    started: date
    """The first day the habit counts (:func:`effective_start`); days before it are not the habit's."""
    previous_record: int = 0
    """The longest streak that ended before the current one began."""
    period_lost: bool = False
    """The current period can no longer be satisfied: what it still needs does not fit in the days left."""
    streak_start: date | None = None
    """The first day of the current streak's first period (None without a streak)."""


class PeriodResult(NamedTuple):
    period: Period
    state: PeriodState
    completions: int
    required: int
    """The period's target less its skipped days."""
    streak_before: int = 0
    """The streak this period extends, or ends when it is missed: the satisfied periods in a row before it."""


STATS_VERSION = 4
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
        "period_lost": s.period_lost,
        "streak_start": s.streak_start.isoformat() if s.streak_start else None,
        "started": s.started.isoformat(),
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
        period_lost=bool(d.get("period_lost", False)),
        streak_start=date.fromisoformat(d["streak_start"]) if d.get("streak_start") else None,
        started=date.fromisoformat(d["started"]),
    )


def score_multiplier(frequency: float) -> float:
    return float(0.5 ** (math.sqrt(frequency) / 13.0))


DayRow = tuple[int, float | None, int]
"""A check-in reduced to what evaluation needs: (date ordinal, value, skipped as 0/1 or a bool)."""

_MISSED, _DONE, _SKIPPED = 0, 1, 2
"""A day's code in the day array of :func:`analyze_rows`."""
_DAY_STATE = bytes.maketrans(b"\x00\x01\x02", b"01n")
"""Day codes as a daily habit's period states: missed, satisfied, neutral."""
_ONLY_DONE = bytes.maketrans(b"\x00\x01\x02", b"\x00\x01\x00")
_ONLY_SKIPPED = bytes.maketrans(b"\x00\x01\x02", b"\x00\x00\x01")
_NOT_SKIPPED = bytes.maketrans(b"\x00\x01\x02", b"\x01\x01\x00")
_MISS_AS_SPACE = bytes.maketrans(b"0", b" ")


def effective_start(habit: Habit, checkins: Iterable[CheckIn]) -> date:
    """The first day a habit counts: its start date, or its first check-in when that is earlier.

    The one definition of a habit's start, used by ``habit show`` ("since"), the app's detail
    screen, the completion rate, the streaks and the score: after ``habit add W`` and
    ``habit done W --date -4`` the habit counts from four days ago.
    """
    days = (c.date.toordinal() for c in checkins if c.skipped or c.value is not None)
    return date.fromordinal(_first_day(habit, days))


def _first_day(habit: Habit, checkin_days: Iterable[int]) -> int:
    return min(habit.start_date.toordinal(), min(checkin_days, default=habit.start_date.toordinal()))


def analyze(
    habit: Habit,
    checkins: Iterable[CheckIn],
    today: date,
    *,
    risk_days: int | None = None,
    series: list[tuple[date, float]] | None = None,
    periods_out: list[PeriodResult] | None = None,
    since: date | None = None,
) -> HabitStats:
    """Evaluate a habit as of ``today`` (check-ins after today are ignored).

    ``series`` (if given) receives the score at the end of every day; ``periods_out`` receives
    every period and its state, for calendars and per-period rates. With ``since``, they receive
    only the days and the periods that end on or after it (what a report of a week needs).
    """
    rows = ((c.date.toordinal(), c.value, c.skipped) for c in checkins)
    return analyze_rows(habit, rows, today, risk_days=risk_days, series=series, periods_out=periods_out, since=since)


class _Current(NamedTuple):
    """The period that contains today."""

    end: int
    target: int
    completions: int
    skips: int


def analyze_rows(
    habit: Habit,
    rows: Iterable[DayRow],
    today: date,
    *,
    risk_days: int | None = None,
    series: list[tuple[date, float]] | None = None,
    periods_out: list[PeriodResult] | None = None,
    since: date | None = None,
) -> HabitStats:
    """:func:`analyze` on pre-reduced rows (the store hands these over without building objects)."""
    t = today.toordinal()
    values: dict[int, float] = {}
    skipped: set[int] = set()
    for o, value, skip in rows:
        if o > t:
            continue
        if skip:
            skipped.add(o)
        elif value is not None:
            values[o] = value
    first = _first_day(habit, chain(values, skipped))
    start = min(first, t)
    n = t - start + 1
    at_most = habit.is_measurable and habit.target_type is TargetType.AT_MOST

    # One code per day from the effective start to today, and the amounts the score sums.
    codes = bytearray(b"\x01") * n if at_most else bytearray(n)
    codes[-1] = _MISSED  # today is done only once a check-in says so
    amounts = [0.0] * n
    if not habit.is_measurable:
        done_days = [o - start for o, value in values.items() if value > 0]
        for i in done_days:
            codes[i] = _DONE
            amounts[i] = 1.0
        total_done = len(done_days)
    else:
        total_done = 0
        meets: dict[float, bool] = {}  # by value: a habit's check-ins repeat a few values
        for o, value in values.items():
            i = o - start
            met = meets.get(value)
            if met is None:
                met = meets[value] = value_credit(habit, value) >= 1.0
            codes[i] = met
            total_done += met
            amounts[i] = max(0.0, value)
    for o in skipped:
        codes[o - start] = _SKIPPED

    # The first day ``series`` and ``periods_out`` receive, as an index of ``codes``.
    first_out = 0 if since is None else max(0, since.toordinal() - start)
    if habit.schedule.kind is ScheduleKind.DAILY:
        streaks = _daily_streaks(codes, start, periods_out, first_out)
    else:
        streaks = _period_streaks(habit, codes, start, t, periods_out, first_out)
    run, best, closed, satisfied, missed, run_start, cur = streaks

    # The period that contains today: what it still needs, and whether that can still happen.
    entered_today = t in values or t in skipped
    outstanding = max(0, cur.target - cur.completions - cur.skips)
    ahead = cur.end - t
    if at_most:
        # Days from today on without a check-in will count as met by themselves.
        needed = max(0, outstanding - ahead - (0 if entered_today else 1))
        room = 0
    else:
        needed = outstanding
        room = ahead + (1 if codes[-1] == _MISSED else 0)
    lost = needed > room
    last = codes.rfind(_DONE)
    days_since = (n - 1 - last) if last >= 0 else (t - start)
    streak_ends = run > 0 and not lost and codes[-1] == _MISSED and 0 < needed >= room
    inactive = risk_days is not None and days_since >= risk_days and outstanding > 0 and not lost
    return HabitStats(
        current_streak=run,
        best_streak=best,
        score=_score(habit, amounts, codes, start, t in values, series, first_out),
        completion_rate=satisfied / (satisfied + missed) if satisfied + missed else None,
        done_today=codes[-1] == _DONE,
        skipped_today=t in skipped,
        due_today=needed > 0 and room > 0,
        at_risk=streak_ends or inactive,
        last_done=date.fromordinal(start + last) if last >= 0 else None,
        days_since_done=days_since,
        total_done=total_done,
        today_value=values.get(t),
        needed_this_period=needed,
        period_end=date.fromordinal(cur.end),
        previous_record=closed,
        period_lost=lost,
        streak_start=date.fromordinal(run_start) if run else None,
        started=date.fromordinal(first),
    )


_Streaks = tuple[int, int, int, int, int, int, _Current]
"""current run, best, longest closed run, satisfied, missed, first day of the run, today's period."""


def _daily_streaks(
    codes: bytearray, start: int, periods_out: list[PeriodResult] | None, first_out: int = 0
) -> _Streaks:
    """Every day is a period: the run of days read off the day codes as text (``periods_out`` gets the
    days from index ``first_out`` on)."""
    states = codes.translate(_DAY_STATE)
    if codes[-1] != _DONE:
        states[-1] = ord("n")  # today is neutral until it is done
    last_miss = states.rfind(b"0")
    run = states.count(b"1", last_miss + 1)
    # The runs of satisfied days up to the last miss: "0" as a space splits them apart, without empty pieces.
    closed = max(map(len, states[: last_miss + 1].replace(b"n", b"").translate(_MISS_AS_SPACE).split()), default=0)
    run_start = start + states.find(b"1", last_miss + 1) if run else 0
    if periods_out is not None:
        names = {ord("1"): PeriodState.SATISFIED, ord("0"): PeriodState.MISSED, ord("n"): PeriodState.NEUTRAL}
        streak = states.count(b"1", states.rfind(b"0", 0, first_out) + 1, first_out)  # up to day first_out
        for i in range(first_out, len(states)):
            day = date.fromordinal(start + i)
            state = names[states[i]]
            skips = int(codes[i] == _SKIPPED)
            periods_out.append(PeriodResult(Period(day, day, 1), state, int(codes[i] == _DONE), 1 - skips, streak))
            if state is PeriodState.SATISFIED:
                streak += 1
            elif state is PeriodState.MISSED:
                streak = 0
    today = codes[-1]
    current = _Current(start + len(codes) - 1, 1, int(today == _DONE), int(today == _SKIPPED))
    return run, max(run, closed), closed, states.count(b"1"), states.count(b"0"), run_start, current


def _period_streaks(
    habit: Habit, codes: bytearray, start: int, t: int, periods_out: list[PeriodResult] | None, first_out: int = 0
) -> _Streaks:
    """Periods of the schedule (interval blocks stay anchored at the start date: a back-dated
    check-in moves where the habit starts counting, never how its blocks line up); ``periods_out``
    gets those that end on day index ``first_out`` or later."""
    anchor = habit.start_date
    done = list(accumulate(codes.translate(_ONLY_DONE), initial=0))
    skips_sum = list(accumulate(codes.translate(_ONLY_SKIPPED), initial=0))
    run = best = closed = satisfied = missed = run_start = 0
    current = _Current(t, 1, 0, 0)
    for p_start, p_end, target in habit.schedule.period_bounds(date.fromordinal(start), date.fromordinal(t), anchor):
        # The period's days as indexes of ``codes`` (clipped to the effective start and today).
        lo = p_start - start if p_start > start else 0
        hi = (p_end if p_end < t else t) - start + 1
        completions = done[hi] - done[lo]
        skips = skips_sum[hi] - skips_sum[lo]
        streak_before = run
        if completions >= target:
            state = PeriodState.SATISFIED
            if not run:
                run_start = p_start
            run += 1
            best = max(best, run)
            satisfied += 1
        elif p_end >= t or completions + skips >= target or p_start < start:
            state = PeriodState.NEUTRAL
        else:
            state = PeriodState.MISSED
            closed = max(closed, run)
            run = 0
            missed += 1
        if periods_out is not None and p_end - start >= first_out:
            period = Period(date.fromordinal(p_start), date.fromordinal(p_end), target)
            periods_out.append(PeriodResult(period, state, completions, max(0, target - skips), streak_before))
        if p_end >= t:
            current = _Current(p_end, target, completions, skips)
    return run, best, closed, satisfied, missed, run_start, current


def _score(
    habit: Habit,
    amounts: list[float],
    codes: bytearray,
    start: int,
    entered_today: bool,
    series: list[tuple[date, float]] | None,
    first_out: int = 0,
) -> float:
    """Loop's score at the end of today (see the module docstring); ``series`` gets every day's from
    index ``first_out`` on."""
    num, den = habit.schedule.loop_frequency
    frequency = num / den
    if not habit.is_measurable and frequency < 1:
        num, den = 2 * num, 2 * den
    if den == 1:
        sums = amounts
    else:
        prefix = list(accumulate(amounts, initial=0.0))
        sums = prefix[1:den] + list(map(sub, prefix[den:], prefix[: len(prefix) - den]))
    if not habit.is_measurable and num == den == 1:
        shares = sums  # every day's sum is 0 or 1: its own share
    elif not habit.is_measurable:
        shares = [x / num if x < num else 1.0 for x in sums]
    else:
        total = num * habit.target
        if habit.target_type is TargetType.AT_LEAST:
            shares = [x / total if x < total else 1.0 for x in sums] if total > 0 else [1.0] * len(sums)
        elif total > 0:
            shares = [1.0 if x <= total else max(0.0, 1.0 - (x - total) / total) for x in sums]
        else:
            shares = [0.0 if x > 0 else 1.0 for x in sums]
    counted = codes.translate(_NOT_SKIPPED)
    if not entered_today:
        counted[-1] = 0  # the day in progress waits for its check-in
    m = score_multiplier(frequency)
    k = 1.0 - m
    score = 1.0 if habit.is_measurable and habit.target_type is TargetType.AT_MOST else 0.0
    if series is None:
        for p in compress(shares, counted):
            score = m * score + k * p
        return score
    for p in compress(shares[:first_out], counted[:first_out]):
        score = m * score + k * p
    for i in range(first_out, len(shares)):
        if counted[i]:
            score = m * score + k * shares[i]
        series.append((date.fromordinal(start + i), score))
    return score
