"""A few sentences worth reading first: the best day, the steadiest habit, the biggest gain."""

from __future__ import annotations

from dataclasses import dataclass

from sync_protocol.domain.habit import format_rate
from sync_protocol.domain.words import counted
from sync_protocol.report.data import Report
from sync_protocol.report.text import points, short_date


@dataclass(frozen=True, slots=True)
class Highlight:
    label: str
    text: str


def highlights(report: Report) -> list[Highlight]:
    out: list[Highlight] = []
    days = [d for d in report.days if d.ratio is not None and d.done]
    if days:
        best = max(days, key=lambda d: (d.ratio or 0.0, d.done, -d.day.toordinal()))
        out.append(
            Highlight("Best day", f"{short_date(best.day)}: {best.done} of {counted(best.scheduled, 'habit')} done")
        )
    rated = [r for r in report.habits if r.rate is not None]
    if rated:
        steady = max(rated, key=lambda r: (r.rate or 0.0, r.current_streak, r.score))
        extra = f", streak {steady.streak_unit.text(steady.current_streak)}" if steady.current_streak else ""
        out.append(Highlight("Most consistent", f"{steady.name}: {format_rate(steady.rate)}{extra}"))
    gains = [(r.rate - r.previous_rate, r) for r in rated if r.rate is not None and r.previous_rate is not None]
    gains = [g for g in gains if g[0] >= 0.005]
    if gains:
        change, row = max(gains, key=lambda g: (g[0], g[1].rate or 0.0))
        out.append(Highlight("Most improved", f"{row.name}: {points(change)}, now {format_rate(row.rate)}"))
    weak = [r for r in rated if (r.rate or 0.0) < 0.995]
    if weak:
        low = min(weak, key=lambda r: (r.rate or 0.0, -r.due))
        out.append(Highlight("Needs attention", f"{low.name}: {format_rate(low.rate)} ({low.done} of {low.due} done)"))
    return out
