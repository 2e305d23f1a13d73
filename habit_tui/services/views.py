"""What the list, show, today and stats views display, as data (JSON-ready dicts too)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from habit_tui.store.repository import Store
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.events import habit_to_fields
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


@dataclass(frozen=True, slots=True)
class HabitRow:
    habit: Habit
    stats: HabitStats


def habit_rows(
    store: Store, today: date, *, include_archived: bool = False, risk_days: int | None = None
) -> list[HabitRow]:
    """Every habit with its stats as of ``today``.

    Stats are cached per habit and day in the store (dropped whenever an event touches the
    habit), so a list after a single check-in recomputes one habit, not all of them.
    """
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


def row_json(row: HabitRow) -> dict[str, Any]:
    h, s = row.habit, row.stats
    return {
        "id": h.id,
        **habit_to_fields(h),
        "done_today": s.done_today,
        "skipped_today": s.skipped_today,
        "due_today": s.due_today,
        "at_risk": s.at_risk,
        "today_value": s.today_value,
        "current_streak": s.current_streak,
        "best_streak": s.best_streak,
        "streak_unit": _streak_unit(h),
        "score": round(s.score, 6),
        "completion_rate": None if s.completion_rate is None else round(s.completion_rate, 6),
        "total_done": s.total_done,
        "last_done": s.last_done.isoformat() if s.last_done else None,
    }


def _streak_unit(h: Habit) -> str:
    return {"w": "weeks", "mo": "months", "d": "days"}.get(h.schedule.unit, "periods")


@dataclass(frozen=True, slots=True)
class HabitDetail:
    habit: Habit
    stats: HabitStats
    checkins: list[CheckIn]
    periods: list[PeriodResult]
    score_series: list[tuple[date, float]]


def habit_detail(store: Store, habit: Habit, today: date) -> HabitDetail:
    checkins = store.checkins(habit.id)
    periods: list[PeriodResult] = []
    series: list[tuple[date, float]] = []
    stats = analyze(habit, checkins, today, series=series, periods_out=periods)
    return HabitDetail(habit, stats, checkins, periods, series)


def detail_json(d: HabitDetail) -> dict[str, Any]:
    out = row_json(HabitRow(d.habit, d.stats))
    out["checkins"] = [
        {"date": c.date.isoformat(), "value": c.value, "skipped": c.skipped, "note": c.note} for c in d.checkins
    ]
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
    h, s = row.habit, row.stats
    return {
        "id": h.id,
        "name": h.name,
        "kind": h.kind.value,
        "schedule": str(h.schedule),
        "due": s.due_today,
        "done": s.done_today,
        "skipped": s.skipped_today,
        "value": s.today_value,
        "target": h.target if h.is_measurable else None,
        "unit": h.unit,
        "needed_this_period": s.needed_this_period,
        "current_streak": s.current_streak,
        "at_risk": s.at_risk,
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
            {"name": best.habit.name, "streak": best.stats.current_streak, "unit": _streak_unit(best.habit)}
            if best and best.stats.current_streak
            else None
        ),
    }
    return {"summary": summary, "habits": [row_json(r) for r in rows]}
