"""``habit skip NAME``: a day that neither breaks nor extends the streak."""

from __future__ import annotations

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import DateOpt, JsonOpt, NameArg, NoteOpt
from habit_tui.cli.outcome import report
from habit_tui.cli.session import day, find, session
from habit_tui.services import checkins

app = command_app()


@app.command("skip")
def skip(name: NameArg, date: DateOpt = None, note: NoteOpt = None, json_: JsonOpt = False) -> None:
    """Skip a day: it neither breaks nor extends the streak."""
    with session() as s:
        habit = find(s, name, include_archived=False)
        o = checkins.skip(s, habit, day(s, date), note=note)
        report(s, o, f"↷ {habit.name}: skipped {o.day.isoformat()}", as_json=json_)
