"""``habit done NAME``: mark a day done."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import DateOpt, JsonOpt, NameArg, NoteOpt
from habit_tui.cli.outcome import report
from habit_tui.cli.session import day, find, session
from habit_tui.services import checkins

app = command_app()


@app.command("done")
def done(
    name: NameArg,
    date: DateOpt = None,
    value: Annotated[
        float | None,
        typer.Option("--value", "-v", help="Amount for a measurable habit (default: its target, 0 if at most)."),
    ] = None,
    note: NoteOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Mark a habit done (today, or --date)."""
    with session() as s:
        habit = find(s, name, include_archived=False)
        o = checkins.check_in(s, habit, day(s, date), value=value, note=note)
        assert o.checkin is not None
        action = f"✓ {habit.name}: {checkins.describe(habit, o.checkin)} on {o.day.isoformat()}"
        report(s, o, action, as_json=json_)
