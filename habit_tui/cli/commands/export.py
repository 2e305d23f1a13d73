"""``habit export``: every habit and check-in, as JSON or CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.output import say
from habit_tui.cli.session import session
from habit_tui.errors import UsageError

app = command_app()


@app.command("export")
def export(
    format_: Annotated[str, typer.Option("--format", "-f", help="json or csv.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export every habit and check-in (JSON or CSV) to stdout or --out."""
    if format_ not in ("json", "csv"):
        raise UsageError(f"unknown format '{format_}': use json or csv")
    from habit_tui.services.files import write_file
    from habit_tui.services.transfer import export_text

    with session() as s:
        text = export_text(s, format_)
    if out is None:
        sys.stdout.write(text)
        return
    write_file(out, text)
    say(f"Exported to {out}", stderr=True)
