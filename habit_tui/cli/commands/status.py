"""``habit status``: the same as ``habit sync --status``."""

from __future__ import annotations

from habit_tui.cli.commands.sync import show_status
from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.session import session

app = command_app()


@app.command("status")
def status(json_: JsonOpt = False) -> None:
    """The sync account, the last sync and the changes waiting to be pushed (no network)."""
    with session() as s:
        show_status(s, json_)
