"""export and import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from habit_tui.cli.app import app
from habit_tui.cli.common import session
from habit_tui.cli.output import emit_json
from habit_tui.errors import HabitError


@app.command("export")
def export(
    format_: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export every habit and check-in (JSON or CSV) to stdout or --out."""
    if format_ not in ("json", "csv"):
        raise HabitError(f"unknown format '{format_}': use json or csv")
    from habit_tui.services.transfer import export_text

    with session() as s:
        text = export_text(s.store, format_)
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HabitError(f"cannot write {out}: {exc.strerror}") from None
    sys.stderr.write(f"Exported to {out}\n")


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="A habit export (.json/.csv), or Loop Habit Tracker's CSV export (.zip, folder or Habits.csv)."
        ),
    ],
    json_: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import a file; all of it or nothing. Importing the same file twice changes nothing."""
    from habit_tui.services.transfer import import_file

    with session() as s:
        if sys.stderr.isatty() and not json_:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("Importing", total=None)
                result = import_file(
                    s.store, file, s.today, lambda n, total: bar.update(task, completed=n, total=total)
                )
        else:
            result = import_file(s.store, file, s.today)
    if json_:
        emit_json(
            {"format": result.format, "created": result.created, "merged": result.merged, "checkins": result.checkins}
        )
    else:
        sys.stdout.write(
            f"Imported {result.format} file: {result.created} new habits, {result.merged} merged, "
            f"{result.checkins} check-ins written.\n"
        )
