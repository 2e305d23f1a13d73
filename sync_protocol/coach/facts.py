"""Why a habit is at risk, as plain numbers: the facts both coaches (rules and model) work from.

Everything here is computed from the habit and its check-ins with
:func:`sync_protocol.domain.stats.analyze`; nothing is read from the outside world.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sync_protocol.domain.checkin import CheckIn, day_credit
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import ScheduleKind, StreakUnit
from sync_protocol.domain.stats import PeriodResult, PeriodState, analyze, effective_start

PATTERN_DAYS = 56
"""The weekday pattern of misses looks at the last eight weeks."""
TREND_WEEKS = 4
DEFAULT_RISK_DAYS = 3
STEADY = 0.03
"""A score change smaller than this over four weeks is 'steady'."""

Reason = Literal["streak_ends", "inactive"]
Trend = Literal["rising", "falling", "steady"]


@dataclass(frozen=True, slots=True)
class HabitFacts:
    habit_id: str
    name: str
    """Shown to the user; never sent to a model."""
    kind: HabitKind
    schedule: str
    schedule_text: str
    period_word: str
    goal: str
    target: float
    unit: str
    quit_habit: bool
    today: date
    start: date
    at_risk: bool
    reasons: tuple[Reason, ...]
    current_streak: int
    best_streak: int
    streak_unit: StreakUnit
    done_today: bool
    needed_this_period: int
    period_end: date
    last_done: date | None
    days_since_done: int
    misses_by_weekday: tuple[int, ...]
    done_by_weekday: tuple[int, ...]
    pattern_days: int
    weekly_scores: tuple[float, ...]
    """Score 4, 3, 2 and 1 weeks ago, then today (0 to 1)."""
    recent_rate: float | None
    """Share of what was due in the last four weeks that was done."""
    period_lost: bool = False
    """The current period can no longer be met (then the habit is not at risk: nothing can save it)."""
    days_open: int = 0
    """Days of the current period on which it can still be done, today included if it is still open."""
    today_value: float | None = None
    """What today's check-in holds (a measurable habit's amount)."""

    @property
    def days_left(self) -> int:
        """Days left to act in the current period, today included."""
        return (self.period_end - self.today).days + 1

    @property
    def score(self) -> float:
        return self.weekly_scores[-1]

    @property
    def score_before(self) -> float:
        return self.weekly_scores[0]

    @property
    def trend(self) -> Trend:
        change = self.score - self.score_before
        if change >= STEADY:
            return "rising"
        if change <= -STEADY:
            return "falling"
        return "steady"

    @property
    def total_misses(self) -> int:
        return sum(self.misses_by_weekday)

    @property
    def weak_weekdays(self) -> tuple[int, ...]:
        """Weekdays (0 = Monday) where misses stand out: at most two, most misses first."""
        total = self.total_misses
        if total < 3:
            return ()
        used = sum(1 for n in self.misses_by_weekday if n) or 1
        bar = max(2.0, 1.5 * total / max(used, 1), 0.25 * total)
        ranked = sorted(range(7), key=lambda d: (-self.misses_by_weekday[d], d))
        return tuple(d for d in ranked[:2] if self.misses_by_weekday[d] >= bar)

    def to_json(self) -> dict[str, Any]:
        return {
            "habit_id": self.habit_id,
            "name": self.name,
            "schedule": self.schedule,
            "goal": self.goal,
            "at_risk": self.at_risk,
            "reasons": list(self.reasons),
            "current_streak": self.current_streak,
            "best_streak": self.best_streak,
            "streak_unit": self.streak_unit,
            "done_today": self.done_today,
            "needed_this_period": self.needed_this_period,
            "period_end": self.period_end.isoformat(),
            "days_left": self.days_left,
            "last_done": self.last_done.isoformat() if self.last_done else None,
            "days_since_done": self.days_since_done,
            "misses_by_weekday": list(self.misses_by_weekday),
            "weak_weekdays": list(self.weak_weekdays),
            "pattern_days": self.pattern_days,
            "score": round(self.score, 4),
            "score_4_weeks_ago": round(self.score_before, 4),
            "weekly_scores": [round(s, 4) for s in self.weekly_scores],
            "trend": self.trend,
            "recent_rate": None if self.recent_rate is None else round(self.recent_rate, 4),
            "period_lost": self.period_lost,
            "days_open": self.days_open,
        }


def habit_facts(
    habit: Habit, checkins: Sequence[CheckIn], today: date, *, risk_days: int = DEFAULT_RISK_DAYS
) -> HabitFacts:
    """The facts about one habit as of ``today``."""
    periods: list[PeriodResult] = []
    series: list[tuple[date, float]] = []
    risk_days = inactive_after(habit, risk_days)
    stats = analyze(habit, checkins, today, risk_days=risk_days, periods_out=periods, series=series)
    by_day = {c.date: c for c in checkins if c.date <= today}
    start = min(effective_start(habit, by_day.values()), today)
    scores = dict(series)
    weekly = tuple(scores.get(today - timedelta(days=7 * w), 0.0) for w in range(TREND_WEEKS, -1, -1))

    first = max(start, today - timedelta(days=PATTERN_DAYS))
    misses = [0] * 7
    dones = [0] * 7
    schedule = habit.schedule
    states = _states_by_day(periods, first, today - timedelta(days=1))
    day = first
    while day < today:
        c = by_day.get(day)
        if c is not None and not c.skipped and day_credit(habit, c) >= 1.0:
            dones[day.weekday()] += 1
        elif (c is None or not c.skipped) and schedule.is_due_on(day) and states.get(day) is PeriodState.MISSED:
            misses[day.weekday()] += 1
        day += timedelta(days=1)

    quit_habit = habit.kind is HabitKind.MEASURABLE and habit.target_type is TargetType.AT_MOST
    days_left = (stats.period_end - today).days + 1
    closed_today = stats.done_today or stats.skipped_today or (quit_habit and stats.today_value is not None)
    days_open = days_left - (1 if closed_today else 0)
    reasons: list[Reason] = []
    if stats.at_risk and stats.current_streak > 0 and stats.needed_this_period >= days_open:
        reasons.append("streak_ends")
    if stats.at_risk and stats.days_since_done >= risk_days:
        reasons.append("inactive")
    return HabitFacts(
        habit_id=habit.id,
        name=habit.name,
        kind=habit.kind,
        schedule=str(schedule),
        schedule_text=schedule.describe(),
        period_word=_period_word(schedule.kind),
        goal=habit.goal_text(),
        target=habit.target,
        unit=habit.unit,
        quit_habit=quit_habit,
        today=today,
        start=start,
        at_risk=stats.at_risk,
        reasons=tuple(reasons),
        current_streak=stats.current_streak,
        best_streak=stats.best_streak,
        streak_unit=schedule.unit,
        done_today=stats.done_today,
        needed_this_period=stats.needed_this_period,
        period_end=stats.period_end,
        last_done=stats.last_done,
        days_since_done=stats.days_since_done,
        misses_by_weekday=tuple(misses),
        done_by_weekday=tuple(dones),
        pattern_days=(today - first).days,
        weekly_scores=weekly,
        recent_rate=_recent_rate(periods, today - timedelta(days=7 * TREND_WEEKS), today),
        period_lost=stats.period_lost,
        days_open=max(0, days_open),
        today_value=stats.today_value,
    )


def at_risk_facts(
    habits: Sequence[Habit],
    checkins: Mapping[str, Sequence[CheckIn]],
    today: date,
    *,
    risk_days: int = DEFAULT_RISK_DAYS,
) -> list[HabitFacts]:
    """Facts for every habit at risk today, the most urgent first (archived habits are skipped)."""
    out: list[tuple[tuple[int, int, int, int], HabitFacts]] = []
    for habit in habits:
        if habit.archived or habit.start_date > today:
            continue
        facts = habit_facts(habit, checkins.get(habit.id, ()), today, risk_days=risk_days)
        if facts.at_risk:
            urgency = (
                0 if "streak_ends" in facts.reasons else 1,
                facts.days_left,
                -facts.current_streak,
                habit.position,
            )
            out.append((urgency, facts))
    out.sort(key=lambda item: item[0])
    return [f for _, f in out]


def inactive_after(habit: Habit, risk_days: int) -> int:
    """Days without a completion that make a habit 'inactive': ``risk_days``, or for sparse
    schedules its usual gap plus a day (a 1/week habit is not inactive after three days)."""
    return max(risk_days, math.ceil(1 / habit.schedule.frequency - 1e-9) + 1)


def _period_word(kind: ScheduleKind) -> str:
    match kind:
        case ScheduleKind.PER_WEEK:
            return "week"
        case ScheduleKind.PER_MONTH:
            return "month"
        case ScheduleKind.EVERY | ScheduleKind.IN_DAYS:
            return "block"
        case _:
            return "day"


def _states_by_day(periods: Sequence[PeriodResult], first: date, last: date) -> dict[date, PeriodState]:
    out: dict[date, PeriodState] = {}
    for pr in periods:
        if pr.period.end < first or pr.period.start > last:
            continue
        day = max(pr.period.start, first)
        while day <= min(pr.period.end, last):
            out[day] = pr.state
            day += timedelta(days=1)
    return out


def _recent_rate(periods: Sequence[PeriodResult], first: date, last: date) -> float | None:
    needed = met = 0
    for pr in periods:
        if pr.state is PeriodState.NEUTRAL or not first <= pr.period.end <= last:
            continue
        needed += pr.required
        met += min(pr.completions, pr.required)
    return met / needed if needed else None
