"""``habit import FILE``: our exports, or Loop Habit Tracker's; all of it or nothing. ``-`` reads stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output, warn
from habit_tui.cli.session import session
from habit_tui.errors import UsageError

app = command_app()

STDIN = Path("/dev/stdin")
"""What ``habit import -`` reads: the import reads it as it reads a pipe (bounded, all or nothing)."""


def _source(file: Path) -> Path:
    if str(file) != "-":
        return file
    if sys.stdin.isatty():
        raise UsageError("'habit import -' reads a file piped into it, e.g. habit import - < backup.json")
    if not STDIN.exists():
        raise UsageError("this system cannot read stdin as a file: give the file's path instead of '-'")
    return STDIN


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A habit export (.json/.csv), Loop Habit Tracker's CSV export (.zip, folder or Habits.csv), "
            "or - for stdin."
        ),
    ],
    json_: JsonOpt = False,
) -> None:
    """Import a file; all of it or nothing. Importing the same file twice changes nothing."""
    from habit_tui.services.transfer import import_file

    file = _source(file)
    with session() as s:
        if sys.stderr.isatty() and not json_:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("Importing", total=None)
                result = import_file(s, file, lambda n, total: bar.update(task, completed=n, total=total))
        else:
            result = import_file(s, file)
        for warning in result.warnings:  # what the file could not say; nothing was lost
            warn(warning)
        output(
            s.settings,
            as_json=json_,
            data=lambda: {
                "format": result.format,
                "created": result.created,
                "merged": result.merged,
                "checkins": result.checkins,
                "warnings": list(result.warnings),
            },
            human=(
                f"Imported {result.format} file: {result.created} new habits, {result.merged} merged, "
                f"{result.checkins} check-ins written."
            ),
        )
