"""``habit import FILE``: our exports, or Loop Habit Tracker's; all of it or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output
from habit_tui.cli.session import session

app = command_app()


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A habit export (.json/.csv), or Loop Habit Tracker's CSV export (.zip, folder or Habits.csv)."
        ),
    ],
    json_: JsonOpt = False,
) -> None:
    """Import a file; all of it or nothing. Importing the same file twice changes nothing."""
    from habit_tui.services.transfer import import_file

    with session() as s:
        if sys.stderr.isatty() and not json_:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("Importing", total=None)
                result = import_file(s, file, lambda n, total: bar.update(task, completed=n, total=total))
        else:
            result = import_file(s, file)
        output(
            s.settings,
            as_json=json_,
            data=lambda: {
                "format": result.format,
                "created": result.created,
                "merged": result.merged,
                "checkins": result.checkins,
            },
            human=(
                f"Imported {result.format} file: {result.created} new habits, {result.merged} merged, "
                f"{result.checkins} check-ins written."
            ),
        )
