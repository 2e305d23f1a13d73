"""``habit list``: every habit with today's state, streaks and score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output
from habit_tui.cli.session import session
from habit_tui.services.views import HabitRow, habit_rows, row_json

if TYPE_CHECKING:
    from rich.console import Console

app = command_app()


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include archived habits.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List habits with today's state, streaks and score."""
    with session() as s:
        rows = habit_rows(s, include_archived=all_)
        output(s.settings, as_json=json_, data=lambda: [row_json(r) for r in rows], human=lambda out: _show(out, rows))


def _show(out: Console, rows: list[HabitRow]) -> None:
    from rich.text import Text

    from habit_tui.cli.cells import name_cell, streak_cell, today_cell
    from habit_tui.cli.heatmap import score_bar
    from habit_tui.cli.tables import Column, table

    if not rows:
        out.print(
            Text.assemble(
                "No habits yet. Add one: ",
                ('habit add "Read"', "bold"),
                " (or run ",
                ("habit", "bold"),
                " for the full-screen app)",
            )
        )
        return
    columns: list[Column[HabitRow]] = [
        Column("Habit", lambda r: name_cell(r.habit), wrap=True),
        Column("Schedule", lambda r: str(r.habit.schedule)),
        Column("Today", today_cell),
        Column("Streak", lambda r: streak_cell(r.stats.current_streak, r.habit), right=True),
        Column("Best", lambda r: streak_cell(r.stats.best_streak, r.habit), right=True),
        Column("Score", lambda r: score_bar(r.stats.score)),
    ]
    out.print(table(rows, columns))
