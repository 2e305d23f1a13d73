"""``habit today``: what is due today, and what is done."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output
from habit_tui.cli.session import session
from habit_tui.services.views import HabitRow, habit_rows, today_json

if TYPE_CHECKING:
    from rich.console import Console

app = command_app()


@app.command("today")
def today(json_: JsonOpt = False) -> None:
    """What is due today, and what is done."""
    with session() as s:
        rows = habit_rows(s)
        rows.sort(key=lambda r: (not r.stats.at_risk, not r.stats.due_today, r.stats.done_today, r.habit.position))
        when = s.today
        output(
            s.settings,
            as_json=json_,
            data=lambda: [today_json(r) for r in rows],
            human=lambda out: _show(out, rows, when),
        )


def _show(out: Console, rows: list[HabitRow], when: date) -> None:
    from rich.text import Text

    from habit_tui.cli.cells import streak_cell, today_cell
    from habit_tui.cli.tables import Column, table

    due = sum(1 for r in rows if r.stats.due_today)
    done_n = sum(1 for r in rows if r.stats.done_today)
    out.print(Text.assemble((when.strftime("%A %d %B %Y"), "bold"), f"  ·  {done_n} done, {due} to do"))
    if not rows:
        out.print(Text.assemble("No habits yet. Add one: ", ('habit add "Read"', "bold")))
        return
    columns: list[Column[HabitRow]] = [
        Column("", today_cell),
        Column("", lambda r: r.habit.name, wrap=True),
        Column("", lambda r: Text(f"streak {streak_cell(r.stats.current_streak, r.habit)}", style="dim"), right=True),
    ]
    out.print(table(rows, columns, header=False))
