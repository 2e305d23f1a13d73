"""``habit undo NAME``: clear a day."""

from __future__ import annotations

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import DateOpt, JsonOpt, NameArg
from habit_tui.cli.outcome import report
from habit_tui.cli.session import day, find, session
from habit_tui.services import checkins

app = command_app()


@app.command("undo")
def undo(name: NameArg, date: DateOpt = None, json_: JsonOpt = False) -> None:
    """Remove the check-in of a day (today, or --date)."""
    with session() as s:
        habit = find(s, name)
        o = checkins.clear(s, habit, day(s, date))
        assert o.previous is not None
        removed = checkins.describe(habit, o.previous)
        report(s, o, f"✗ {habit.name}: removed '{removed}' on {o.day.isoformat()}", as_json=json_)
