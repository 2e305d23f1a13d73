"""``habit report`` (a PDF of a week or month) and ``habit coach`` (advice for at-risk habits).

The report and coach code is imported inside the commands, so other commands do not pay for it.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from habit_tui.cli.app import app
from habit_tui.cli.common import day, session
from habit_tui.cli.output import console, emit_json

if TYPE_CHECKING:
    from rich.console import Console

    from sync_protocol.coach.coach import Coach
    from sync_protocol.coach.facts import HabitFacts
    from sync_protocol.report.data import Report

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the data as JSON instead.")]


class PeriodChoice(StrEnum):
    week = "week"
    month = "month"


@app.command()
def report(
    period: Annotated[PeriodChoice, typer.Option("--period", "-p", help="A week (Monday to Sunday) or a month.")] = (
        PeriodChoice.week
    ),
    date: Annotated[
        str | None,
        typer.Option("--date", "-D", help="A day in the period: YYYY-MM-DD, today, yesterday or -N. Default: today."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the PDF. Default: ./habit-report-<period>-<first day>.pdf"),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Write a PDF report of a week or a month: summary, table per habit, calendar, chart and notes."""
    from habit_tui.services import reporting

    with session() as s:
        when = day(s, date)
        data = reporting.report_data(s.store, s.today, period.value, when)
    if json_:
        emit_json(data.to_json())
        return
    from sync_protocol.report.pdf import render

    target = out if out is not None else reporting.default_report_path(data)
    err = console(stderr=True)
    if sys.stderr.isatty():
        with err.status(f"Drawing the report of {data.period.label}…", spinner="dots"):
            rendered = render(data)
    else:
        rendered = render(data)
    path = reporting.write_pdf(rendered.data, target)
    _summary(console(), data)
    pages = f"{rendered.pages} page{'s' if rendered.pages != 1 else ''}"
    sys.stdout.write(f"Report written to {path} ({pages})\n")
    if date is None and data.as_of == data.period.start:
        sys.stdout.write(f"This {period.value} has just begun; --date -1 reports the previous one.\n")


def _summary(out: Console, data: Report) -> None:
    from sync_protocol.report.text import percent, points

    s = data.summary
    change = points(data.rate_change)
    versus = f" ({change} vs {data.previous_period.short_label})" if change else ""
    out.print(
        f"[bold]{data.period.label}[/]: {percent(s.completion_rate)} done{versus}, "
        f"{s.habits_completed} of {s.habits_total} habits on target, {s.checkins_done} check-ins."
    )


@app.command()
def coach(
    json_: JsonOpt = False,
    days: Annotated[
        int, typer.Option("--days", min=1, max=365, help="Also flag habits not done for this many days.")
    ] = 3,
    rules: Annotated[bool, typer.Option("--rules", help="Use the built-in coach only; do not ask Ollama.")] = False,
) -> None:
    """Why each at-risk habit is at risk, and what to do: from a local Ollama model, or the built-in coach."""
    from habit_tui.services import reporting

    with session() as s:
        facts = reporting.at_risk(s.store, s.today, risk_days=days)
        config = s.config
    with reporting.open_coach(config, rules_only=rules) as adviser:
        if json_:
            emit_json([adviser.advise(f, stream=False).to_json() for f in facts])
            return
        out = console()
        if not facts:
            out.print("No habit is at risk today. Keep it up.")
            return
        count = len(facts)
        out.print(f"[bold]{count} habit{'s' if count != 1 else ''} at risk[/]")
        told: set[str] = set()
        for f in facts:
            out.print()
            _coach_one(out, adviser, f, told)


def _coach_one(out: Console, adviser: Coach, f: HabitFacts, told: set[str]) -> None:
    """Advice for one habit; why the model was not used is said once, not under every habit."""
    out.print(f"[bold]{f.name}[/] [dim]· {f.schedule} · {_why(f)}[/]")
    streamed: list[str] = []

    def show(piece: str) -> None:
        streamed.append(piece)
        sys.stdout.write(piece)
        sys.stdout.flush()

    advice = adviser.advise(f, on_chunk=show)
    if advice.source == "ollama":
        sys.stdout.write("\n")
        out.print(f"[dim]— advice from Ollama ({advice.model})[/]")
        return
    if streamed:
        sys.stdout.write("\n")
        out.print(f"[yellow]The model's answer was dropped: {advice.fallback_reason}.[/]")
    out.print(advice.text, markup=False)
    reason = ""
    if advice.fallback_reason and not streamed and advice.fallback_reason not in told:
        told.add(advice.fallback_reason)
        reason = f" (the model was not used: {advice.fallback_reason})"
    out.print(f"[dim]— built-in coach{reason}[/]")


def _why(f: HabitFacts) -> str:
    from sync_protocol.coach.rules import streak_phrase

    parts = []
    if "streak_ends" in f.reasons:
        parts.append(f"{streak_phrase(f.current_streak, f.streak_unit)} at stake")
    if f.last_done is None:
        parts.append("never done yet")
    elif f.days_since_done == 1:
        parts.append("last done yesterday")
    else:
        parts.append(f"last done {f.days_since_done} days ago")
    parts.append(f"score {round(f.score * 100)}% ({f.trend})")
    return " · ".join(parts)
