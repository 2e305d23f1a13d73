"""``habit archive NAME``: hide a habit, keep its history (``unarchive`` brings it back)."""

from __future__ import annotations

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt, NameArg
from habit_tui.cli.output import output
from habit_tui.cli.session import find, session
from habit_tui.services import habits as svc
from habit_tui.services.views import habit_row, row_json

app = command_app()


def set_archived(name: str, archived: bool, json_: bool) -> None:
    with session() as s:
        habit = svc.archive_habit(s, find(s, name), archived=archived)
        said = f"Archived '{habit.name}'." if archived else f"Restored '{habit.name}'."
        output(s.settings, as_json=json_, data=lambda: row_json(habit_row(s, habit)), human=said)


@app.command("archive")
def archive(name: NameArg, json_: JsonOpt = False) -> None:
    """Archive a habit: hidden from lists, history kept (undo with 'habit unarchive')."""
    set_archived(name, True, json_)
