"""``habit stats``: totals across habits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output
from habit_tui.cli.session import session
from habit_tui.services.views import HabitRow, habit_rows, stats_json

if TYPE_CHECKING:
    from rich.console import Console

app = command_app()


@app.command("stats")
def stats(json_: JsonOpt = False) -> None:
    """Totals across habits: completion rates, scores and streaks."""
    with session() as s:
        rows = habit_rows(s, include_archived=True)
        data = stats_json(rows, s.today)
        output(s.settings, as_json=json_, data=lambda: data, human=lambda out: _show(out, rows, data["summary"]))


def _show(out: Console, rows: list[HabitRow], sm: dict[str, Any]) -> None:
    from rich.text import Text

    from habit_tui.cli.cells import name_cell, streak_cell
    from habit_tui.cli.tables import Column, table
    from sync_protocol.domain.habit import format_rate

    out.print(
        Text.assemble(
            (str(sm["habits"]), "bold"),
            f" habits · {sm['done_today']}/{sm['due_today'] + sm['done_today']} done today · average score ",
            (f"{sm['average_score']:.0%}", "bold"),
            " · completion ",
            (format_rate(sm["average_completion_rate"]), "bold"),
            f" · {sm['total_checkins']} check-ins",
        )
    )
    columns: list[Column[HabitRow]] = [
        Column("Habit", lambda r: name_cell(r.habit), wrap=True),
        Column("Rate", lambda r: format_rate(r.stats.completion_rate), right=True),
        Column("Score", lambda r: f"{r.stats.score:.0%}", right=True),
        Column("Streak", lambda r: streak_cell(r.stats.current_streak, r.habit), right=True),
        Column("Best", lambda r: streak_cell(r.stats.best_streak, r.habit), right=True),
        Column("Check-ins", lambda r: str(r.stats.total_done), right=True),
    ]
    out.print(table(rows, columns))
