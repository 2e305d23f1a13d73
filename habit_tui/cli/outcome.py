"""How ``done``, ``skip``, ``undo`` and ``note`` report what a check-in did."""

from __future__ import annotations

from typing import Any

from habit_tui.cli.output import output
from habit_tui.services.checkins import CheckinOutcome
from habit_tui.services.context import Session
from habit_tui.services.views import HabitRow, row_json


def outcome_json(o: CheckinOutcome) -> dict[str, Any]:
    """The habit view after the change, with ``milestone`` when one was reached."""
    data = row_json(HabitRow(o.habit, o.stats))
    if o.milestone is not None:
        data["milestone"] = o.milestone.message
    return data


def report(s: Session, o: CheckinOutcome, action: str, *, as_json: bool) -> None:
    """``✓ Read: done on 2025-06-18 · streak 4 days (best 9 days) · score 61%``, then any milestone."""
    st, unit = o.stats, o.habit.schedule.unit
    streak = f"streak {unit.text(st.current_streak)} (best {unit.text(st.best_streak)})"
    lines = [f"{action} · {streak} · score {st.score:.0%}"]
    if o.milestone is not None:
        lines.append(f"★ {o.milestone.message}")
    output(s.settings, as_json=as_json, data=lambda: outcome_json(o), human="\n".join(lines))
