"""``habit unarchive NAME``: bring an archived habit back."""

from __future__ import annotations

from habit_tui.cli.commands.archive import set_archived
from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt, NameArg

app = command_app()


@app.command("unarchive")
def unarchive(name: NameArg, json_: JsonOpt = False) -> None:
    """Bring an archived habit back."""
    set_archived(name, False, json_)
