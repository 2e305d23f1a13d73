"""``habit show NAME``: one habit's heatmap, streaks, score and notes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt, NameArg
from habit_tui.cli.output import output
from habit_tui.cli.session import find, session
from habit_tui.services.views import HabitDetail, detail_json, habit_detail
from sync_protocol.domain.stats import effective_start

if TYPE_CHECKING:
    from rich.console import Console

app = command_app()
RECENT_NOTES = 5


@app.command("show")
def show(name: NameArg, json_: JsonOpt = False) -> None:
    """Show one habit: year heatmap, streaks, score and recent notes."""
    with session() as s:
        d = habit_detail(s, find(s, name))
        today = s.today
        output(s.settings, as_json=json_, data=lambda: detail_json(d), human=lambda out: _show(out, d, today))


def _show(out: Console, d: HabitDetail, today: date) -> None:
    from rich.text import Text

    from habit_tui.cli.cells import name_cell
    from habit_tui.cli.heatmap import score_bar, year_heatmap
    from habit_tui.cli.tables import literal
    from sync_protocol.domain.habit import format_rate

    habit, st = d.habit, d.stats
    unit = habit.schedule.unit
    title = name_cell(habit)
    title.stylize("bold", 0, len(title.plain) - (len(" (archived)") if habit.archived else 0))
    out.print(title)
    since = effective_start(habit, d.checkins)
    out.print(literal(f"{habit.goal_text()} · {habit.schedule.describe()} · since {since.isoformat()}", "dim"))
    if habit.description:
        out.print(literal(habit.description, multiline=True))
    if habit.tags:
        out.print(Text.assemble(("tags:", "dim"), " ", literal(", ".join(habit.tags))))
    out.print()
    rate = format_rate(st.completion_rate)
    out.print(
        Text.assemble(
            "Current streak  ",
            (unit.text(st.current_streak), "bold"),
            "    Best streak  ",
            (unit.text(st.best_streak), "bold"),
        )
    )
    out.print(Text.assemble("Completion      ", (rate, "bold"), "    Check-ins  ", (str(st.total_done), "bold")))
    out.print(Text("Score           ") + score_bar(st.score, 20))
    if st.at_risk:
        out.print(Text.assemble(("At risk:", "red"), f" do it by {st.period_end.isoformat()} to keep the streak."))
    out.print()
    out.print(year_heatmap(habit, d.checkins, today))
    notes = [c for c in d.checkins if c.note][-RECENT_NOTES:]
    if notes:
        out.print()
        out.print(Text("Notes", style="bold"))
        for c in reversed(notes):
            out.print(Text.assemble("  ", (c.date.isoformat(), "dim"), "  ", literal(c.note, multiline=True)))
