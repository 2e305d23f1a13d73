"""``habit report``: a PDF of a week or a month."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import console, output
from habit_tui.cli.session import day, session

if TYPE_CHECKING:
    from rich.console import Console

    from sync_protocol.report.data import Report
    from sync_protocol.report.pdf import RenderedPdf

app = command_app()


class PeriodChoice(StrEnum):
    week = "week"
    month = "month"


@app.command("report")
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
    email: Annotated[
        bool, typer.Option("--email", help="Ask the server to email the report (logged in; sync first).")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Write a PDF report of a week or a month: summary, table per habit, calendar, chart and notes."""
    from habit_tui.services import reporting

    if email:
        _email(period.value, date, json_=json_)
        return

    with session() as s:
        data = reporting.report_data(s, period.value, day(s, date))
        settings = s.settings
    if json_:
        output(settings, as_json=True, data=data.to_json, human="")
        return
    from sync_protocol.report.pdf import render

    err = console(settings, stderr=True)
    if sys.stderr.isatty():
        with err.status(f"Drawing the report of {data.period.label}…", spinner="dots"):
            rendered = render(data)
    else:
        rendered = render(data)
    path = reporting.write_pdf(rendered.data, out if out is not None else reporting.default_report_path(data))
    just_begun = date is None and data.as_of == data.period.start
    output(
        settings,
        as_json=False,
        data=data.to_json,
        human=lambda o: _summary(o, data, rendered, path, period.value if just_begun else None),
    )


def _email(period: str, date: str | None, *, json_: bool) -> None:
    from habit_tui.cli.output import say
    from habit_tui.services import account as accounts

    with session() as s:
        found = accounts.email_report(s, period, day(s, date).isoformat())
        settings = s.settings
    output(
        settings,
        as_json=json_,
        data=lambda: found,
        human=lambda _o: say(
            f"The server is making the report of the {period} from {found.get('start', '')} "
            f"(id {found.get('id', '')}); it is emailed when delivery is configured."
        ),
    )


def _summary(out: Console, data: Report, rendered: RenderedPdf, path: Path, just_begun: str | None) -> None:
    from rich.text import Text

    from sync_protocol.domain.habit import format_rate
    from sync_protocol.domain.text import printable
    from sync_protocol.domain.words import counted
    from sync_protocol.report.text import points

    s = data.summary
    change = points(data.rate_change)
    versus = f" ({change} vs {data.previous_period.short_label})" if change else ""
    out.print(
        Text.assemble(
            (data.period.label, "bold"),
            f": {format_rate(s.completion_rate)} done{versus}, "
            f"{s.habits_completed} of {counted(s.habits_total, 'habit')} on target, "
            f"{counted(s.checkins_done, 'check-in')}.",
        )
    )
    pages = counted(rendered.pages, "page")
    out.print(Text(printable(f"Report written to {path} ({pages})")))
    if just_begun:
        out.print(Text(f"This {just_begun} has just begun; --date -1 reports the previous one."))
