"""What the list, show, today and stats views display, as data (JSON-ready dicts too)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, NamedTuple

from habit_tui.services.context import Session
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.stats import (
    STATS_VERSION,
    HabitStats,
    PeriodResult,
    analyze,
    analyze_rows,
    stats_from_json,
    stats_to_json,
)
from sync_protocol.domain.view import checkin_view, habit_view


class HabitRow(NamedTuple):
    habit: Habit
    stats: HabitStats


def habit_rows(s: Session, *, include_archived: bool = False, risk_days: int | None = None) -> list[HabitRow]:
    """Every habit with its stats as of ``today``.

    Stats are cached per habit and day in the store (dropped whenever an event touches the
    habit), so a list after a single check-in recomputes one habit, not all of them.
    """
    store, today = s.store, s.today
    habits = store.habits(include_archived=include_archived)
    if risk_days is not None:
        rows = store.day_rows()
        return [HabitRow(h, analyze_rows(h, rows.get(h.id, ()), today, risk_days=risk_days)) for h in habits]
    day = today.toordinal()
    cached = store.cached_stats(day, STATS_VERSION)
    missing = [h for h in habits if h.id not in cached]
    fresh: dict[str, str] = {}
    if missing:
        everything = store.day_rows() if len(missing) > 3 else None
        for h in missing:
            rows_of_h = (everything if everything is not None else store.day_rows(h.id)).get(h.id, ())
            fresh[h.id] = json.dumps(stats_to_json(analyze_rows(h, rows_of_h, today)))
        store.cache_stats(day, STATS_VERSION, fresh)
    return [HabitRow(h, stats_from_json(json.loads(cached.get(h.id) or fresh[h.id]))) for h in habits]


def habit_row(s: Session, habit: Habit) -> HabitRow:
    """One habit with its stats as of today."""
    return HabitRow(habit, analyze_rows(habit, s.store.day_rows(habit.id).get(habit.id, ()), s.today))


def row_json(row: HabitRow) -> dict[str, Any]:
    return habit_view(row.habit, row.stats)


class HabitDetail(NamedTuple):
    habit: Habit
    stats: HabitStats
    checkins: list[CheckIn]
    periods: list[PeriodResult]
    score_series: list[tuple[date, float]]


def habit_detail(s: Session, habit: Habit) -> HabitDetail:
    checkins = s.store.checkins(habit.id)
    periods: list[PeriodResult] = []
    series: list[tuple[date, float]] = []
    stats = analyze(habit, checkins, s.today, series=series, periods_out=periods)
    return HabitDetail(habit, stats, checkins, periods, series)


def detail_json(d: HabitDetail) -> dict[str, Any]:
    out = row_json(HabitRow(d.habit, d.stats))
    out["checkins"] = [checkin_view(c) for c in d.checkins]
    return out


def rate_by(d: HabitDetail, unit: str, count: int, today: date) -> list[tuple[date, float | None]]:
    """Completion rate per week or month (most recent last): satisfied / decided periods in each."""
    buckets: dict[date, list[int]] = {}
    for p in d.periods:
        key = (
            p.period.start - timedelta(days=p.period.start.weekday())
            if unit == "week"
            else p.period.start.replace(day=1)
        )
        tally = buckets.setdefault(key, [0, 0])
        if p.state == "satisfied":
            tally[0] += 1
            tally[1] += 1
        elif p.state == "missed":
            tally[1] += 1
    keys = sorted(buckets)[-count:]
    return [(k, (buckets[k][0] / buckets[k][1]) if buckets[k][1] else None) for k in keys]


def today_json(row: HabitRow) -> dict[str, Any]:
    h, st = row.habit, row.stats
    return {
        "id": h.id,
        "name": h.name,
        "kind": h.kind.value,
        "schedule": str(h.schedule),
        "due": st.due_today,
        "done": st.done_today,
        "skipped": st.skipped_today,
        "value": st.today_value,
        "target": h.target if h.is_measurable else None,
        "unit": h.unit,
        "needed_this_period": st.needed_this_period,
        "current_streak": st.current_streak,
        "at_risk": st.at_risk,
    }


def stats_json(rows: list[HabitRow], today: date) -> dict[str, Any]:
    active = [r for r in rows if not r.habit.archived]
    rates = [r.stats.completion_rate for r in active if r.stats.completion_rate is not None]
    best = max(active, key=lambda r: (r.stats.current_streak, r.stats.score), default=None)
    summary = {
        "date": today.isoformat(),
        "habits": len(active),
        "archived": len(rows) - len(active),
        "due_today": sum(1 for r in active if r.stats.due_today),
        "done_today": sum(1 for r in active if r.stats.done_today),
        "at_risk": sum(1 for r in active if r.stats.at_risk),
        "total_checkins": sum(r.stats.total_done for r in rows),
        "average_score": round(sum(r.stats.score for r in active) / len(active), 6) if active else 0.0,
        "average_completion_rate": round(sum(rates) / len(rates), 6) if rates else None,
        "longest_current_streak": (
            {"name": best.habit.name, "streak": best.stats.current_streak, "unit": best.habit.schedule.unit.plural}
            if best and best.stats.current_streak
            else None
        ),
    }
    return {"summary": summary, "habits": [row_json(r) for r in rows]}
