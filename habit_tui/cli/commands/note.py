"""``habit note NAME TEXT``: the note of a day's check-in."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import DateOpt, JsonOpt, NameArg
from habit_tui.cli.outcome import outcome_json
from habit_tui.cli.output import output
from habit_tui.cli.session import day, find, session
from habit_tui.services import checkins

app = command_app()


@app.command("note")
def note(
    name: NameArg, text: Annotated[str, typer.Argument(help="The note.")], date: DateOpt = None, json_: JsonOpt = False
) -> None:
    """Attach a note to a day's check-in."""
    with session() as s:
        habit = find(s, name)
        o = checkins.set_note(s, habit, day(s, date), text)
        said = f"Noted on {habit.name} for {o.day.isoformat()}."
        output(s.settings, as_json=json_, data=lambda: outcome_json(o), human=said)
