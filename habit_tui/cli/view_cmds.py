"""Read-only views: list, show, today, stats."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.app import app
from habit_tui.cli.common import complete_name, find, session
from habit_tui.cli.output import console, emit_json
from habit_tui.services.views import (
    HabitRow,
    detail_json,
    habit_detail,
    habit_rows,
    row_json,
    stats_json,
    today_json,
)
from sync_protocol.domain.habit import format_number

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _streak(n: int, unit: str) -> str:
    return f"{n}{unit}" if unit in ("d", "w", "mo") else str(n)


def _today_cell(r: HabitRow) -> str:
    s, h = r.stats, r.habit
    if s.skipped_today:
        return "[cyan]skipped[/]"
    if h.is_measurable and s.today_value is not None:
        mark = "[green]✓[/] " if s.done_today else ""
        return f"{mark}{format_number(s.today_value)}/{format_number(h.target)} {h.unit}".rstrip()
    if s.done_today:
        return "[green]✓ done[/]"
    if s.at_risk:
        return "[red]! at risk[/]"
    if s.due_today:
        return "[yellow]due[/]"
    return "[dim]–[/]"


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include archived habits.")] = False,
    json_: JsonOpt = False,
) -> None:
    """List habits with today's state, streaks and score."""
    with session() as s:
        rows = habit_rows(s.store, s.today, include_archived=all_)
    if json_:
        emit_json([row_json(r) for r in rows])
        return
    out = console()
    if not rows:
        out.print('No habits yet. Add one: [bold]habit add "Read"[/] (or run [bold]habit[/] for the full-screen app)')
        return
    from rich.table import Table

    from habit_tui.cli.heatmap import score_bar

    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("Habit", "Schedule", "Today", "Streak", "Best", "Score"):
        table.add_column(col, justify="right" if col in ("Streak", "Best") else "left", no_wrap=col != "Habit")
    for r in rows:
        name = r.habit.name + (" [dim](archived)[/]" if r.habit.archived else "")
        table.add_row(
            name,
            str(r.habit.schedule),
            _today_cell(r),
            _streak(r.stats.current_streak, r.habit.schedule.unit),
            _streak(r.stats.best_streak, r.habit.schedule.unit),
            score_bar(r.stats.score),
        )
    out.print(table)


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Habit name, unique prefix, or id.", autocompletion=complete_name)],
    json_: JsonOpt = False,
) -> None:
    """Show one habit: year heatmap, streaks, score and recent notes."""
    with session() as s:
        habit = find(s, name)
        d = habit_detail(s.store, habit, s.today)
    if json_:
        emit_json(detail_json(d))
        return
    from habit_tui.cli.heatmap import score_bar, year_heatmap

    out = console()
    st = d.stats
    title = f"[bold]{habit.name}[/]" + (" [dim](archived)[/]" if habit.archived else "")
    out.print(title)
    out.print(f"[dim]{habit.goal_text()} · {habit.schedule.describe()} · since {habit.start_date.isoformat()}[/]")
    if habit.description:
        out.print(habit.description)
    if habit.tags:
        out.print("[dim]tags:[/] " + ", ".join(habit.tags))
    out.print()
    from sync_protocol.report.text import streak_text

    unit = habit.schedule.unit
    rate = "–" if st.completion_rate is None else f"{st.completion_rate:.0%}"
    current, best = streak_text(st.current_streak, unit), streak_text(st.best_streak, unit)
    out.print(f"Current streak  [bold]{current}[/]    Best streak  [bold]{best}[/]")
    out.print(f"Completion      [bold]{rate}[/]    Check-ins  [bold]{st.total_done}[/]")
    line = score_bar(st.score, 20)
    line.stylize("bold", 0, 0)
    out.print("Score           ", line, sep="")
    if st.at_risk:
        out.print(f"[red]At risk:[/] do it by {st.period_end.isoformat()} to keep the streak.")
    out.print()
    out.print(year_heatmap(habit, d.checkins, s.today))
    notes = [c for c in d.checkins if c.note][-5:]
    if notes:
        out.print()
        out.print("[bold]Notes[/]")
        for c in reversed(notes):
            out.print(f"  [dim]{c.date.isoformat()}[/]  {c.note}")


@app.command()
def today(json_: JsonOpt = False) -> None:
    """What is due today, and what is done."""
    with session() as s:
        rows = habit_rows(s.store, s.today)
        when = s.today
    rows.sort(key=lambda r: (not r.stats.at_risk, not r.stats.due_today, r.stats.done_today, r.habit.position))
    if json_:
        emit_json([today_json(r) for r in rows])
        return
    out = console()
    due = sum(1 for r in rows if r.stats.due_today)
    done_n = sum(1 for r in rows if r.stats.done_today)
    out.print(f"[bold]{when.strftime('%A %d %B %Y')}[/]  ·  {done_n} done, {due} to do")
    if not rows:
        out.print('No habits yet. Add one: [bold]habit add "Read"[/]')
        return
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column()
    table.add_column(justify="right", style="dim")
    for r in rows:
        table.add_row(_today_cell(r), r.habit.name, f"streak {_streak(r.stats.current_streak, r.habit.schedule.unit)}")
    out.print(table)


@app.command()
def stats(json_: JsonOpt = False) -> None:
    """Totals across habits: completion rates, scores and streaks."""
    with session() as s:
        rows = habit_rows(s.store, s.today, include_archived=True)
        data = stats_json(rows, s.today)
    if json_:
        emit_json(data)
        return
    from rich.table import Table

    out = console()
    sm = data["summary"]
    avg_rate = "–" if sm["average_completion_rate"] is None else f"{sm['average_completion_rate']:.0%}"
    out.print(
        f"[bold]{sm['habits']}[/] habits · {sm['done_today']}/{sm['due_today'] + sm['done_today']} done today · "
        f"average score [bold]{sm['average_score']:.0%}[/] · completion [bold]{avg_rate}[/] · "
        f"{sm['total_checkins']} check-ins"
    )
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("Habit", "Rate", "Score", "Streak", "Best", "Check-ins"):
        table.add_column(col, justify="left" if col == "Habit" else "right")
    for r in rows:
        st = r.stats
        table.add_row(
            r.habit.name + (" [dim](archived)[/]" if r.habit.archived else ""),
            "–" if st.completion_rate is None else f"{st.completion_rate:.0%}",
            f"{st.score:.0%}",
            _streak(st.current_streak, r.habit.schedule.unit),
            _streak(st.best_streak, r.habit.schedule.unit),
            str(st.total_done),
        )
    out.print(table)
