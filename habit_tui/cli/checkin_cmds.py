"""Check-in commands: done, skip, undo, note."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.app import app
from habit_tui.cli.common import complete_name, day, find, session
from habit_tui.cli.output import emit_json, say
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.views import HabitRow, row_json
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.stats import HabitStats, analyze_rows

NameArg = Annotated[str, typer.Argument(help="Habit name, unique prefix, or id.", autocompletion=complete_name)]
DateOpt = Annotated[
    str | None, typer.Option("--date", "-D", help="YYYY-MM-DD, today, yesterday or -N (days ago). Default: today.")
]
NoteOpt = Annotated[str | None, typer.Option("--note", "-n", help="A note for that day.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the habit's state as JSON.")]


def _report(
    s: Session,
    habit: Habit,
    action: str,
    json_: bool,
    milestone: str | None = None,
    stats: HabitStats | None = None,
) -> None:
    if stats is None:
        stats = analyze_rows(habit, s.store.day_rows(habit.id).get(habit.id, ()), s.today)
    if json_:
        data = row_json(HabitRow(habit, stats))
        if milestone:
            data["milestone"] = milestone
        emit_json(data)
        return
    from sync_protocol.report.text import streak_text

    streak = streak_text(stats.current_streak, habit.schedule.unit)
    say(f"{action} · streak {streak} (best {stats.best_streak}) · score {stats.score:.0%}")
    if milestone:
        say(f"★ {milestone}")


@app.command()
def done(
    name: NameArg,
    date: DateOpt = None,
    value: Annotated[
        float | None, typer.Option("--value", "-v", help="Amount for a measurable habit (default: its target).")
    ] = None,
    note: NoteOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Mark a habit done (today, or --date)."""
    with session() as s:
        habit = find(s, name, include_archived=False)
        when = day(s, date)
        before = analyze_rows(habit, s.store.day_rows(habit.id).get(habit.id, ()), s.today)
        c = svc.check_in(s.store, habit, when, value=value, note=note)
        after = analyze_rows(habit, s.store.day_rows(habit.id).get(habit.id, ()), s.today)
        from sync_protocol.coach.milestones import stats_milestone

        milestone = stats_milestone(habit, before, after)
        _report(
            s,
            habit,
            f"✓ {habit.name}: {svc.describe_checkin(habit, c)} on {when.isoformat()}",
            json_,
            milestone.message if milestone else None,
            after,
        )


@app.command()
def skip(name: NameArg, date: DateOpt = None, note: NoteOpt = None, json_: JsonOpt = False) -> None:
    """Skip a day: it neither breaks nor extends the streak."""
    with session() as s:
        habit = find(s, name, include_archived=False)
        when = day(s, date)
        svc.skip(s.store, habit, when, note=note)
        _report(s, habit, f"↷ {habit.name}: skipped {when.isoformat()}", json_)


@app.command()
def undo(name: NameArg, date: DateOpt = None, json_: JsonOpt = False) -> None:
    """Remove the check-in of a day (today, or --date)."""
    with session() as s:
        habit = find(s, name)
        when = day(s, date)
        old = svc.undo(s.store, habit, when)
        _report(s, habit, f"✗ {habit.name}: removed '{svc.describe_checkin(habit, old)}' on {when.isoformat()}", json_)


@app.command()
def note(name: NameArg, text: Annotated[str, typer.Argument(help="The note.")], date: DateOpt = None) -> None:
    """Attach a note to a day's check-in."""
    with session() as s:
        habit = find(s, name)
        when = day(s, date)
        svc.set_note(s.store, habit, when, text)
        say(f"Noted on {habit.name} for {when.isoformat()}.")
