"""``habit delete NAME --yes``: a habit and its whole history."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt, NameArg
from habit_tui.cli.output import output
from habit_tui.cli.session import find, session
from habit_tui.errors import UsageError
from habit_tui.services import habits as svc

app = command_app()


@app.command("delete")
def delete(
    name: NameArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm: deleting removes the habit and its history.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Delete a habit and all its check-ins (needs --yes)."""
    with session() as s:
        habit = find(s, name)
        if not yes:
            raise UsageError(f"deleting '{habit.name}' removes its whole history; run again with --yes to confirm")
        svc.delete_habit(s, habit)
        output(
            s.settings,
            as_json=json_,
            data=lambda: {"id": habit.id, "name": habit.name, "deleted": True},
            human=f"Deleted '{habit.name}'.",
        )
