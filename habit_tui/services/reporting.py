"""Reports and coaching on the local store: what ``habit report`` and ``habit coach`` (and the TUI) call.

The work itself lives in :mod:`sync_protocol.report` and :mod:`sync_protocol.coach`, shared
with the server; this module reads the store, applies the client's settings and writes files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from habit_tui.services.context import Session
from habit_tui.services.files import write_file
from habit_tui.settings import Settings
from sync_protocol.coach.coach import Coach
from sync_protocol.coach.facts import DEFAULT_RISK_DAYS, HabitFacts, at_risk_facts
from sync_protocol.domain.habit import Habit
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.period import PeriodKind


def report_data(s: Session, period: PeriodKind, day: date | None = None) -> Report:
    """The report of the week or month holding ``day`` (default: today), up to today."""
    return build_report(s.store.habits(), s.store.all_checkins(), period, day or s.today, today=s.today)


def default_report_path(report: Report, directory: Path | None = None) -> Path:
    """``habit-report-week-2025-11-17.pdf`` (the period's first day) in ``directory`` or the cwd."""
    name = f"habit-report-{report.kind}-{report.period.start.isoformat()}.pdf"
    return (directory or Path.cwd()) / name


def write_pdf(data: bytes, path: Path) -> Path:
    """Write the PDF (all of it, or nothing: see :func:`write_file`)."""
    return write_file(path, data)


def write_report(
    s: Session, period: PeriodKind = "week", *, day: date | None = None, out: Path | None = None
) -> tuple[Path, int]:
    """Build, render and write a report; returns where it went and its number of pages (for the TUI)."""
    from sync_protocol.report.pdf import render

    report = report_data(s, period, day)
    rendered = render(report)
    return write_pdf(rendered.data, out or default_report_path(report)), rendered.pages


def at_risk(s: Session, *, risk_days: int = DEFAULT_RISK_DAYS) -> list[HabitFacts]:
    return at_risk_facts(s.store.habits(), s.store.all_checkins(), s.today, risk_days=risk_days)


def habit_facts_for(s: Session, habit: Habit) -> HabitFacts:
    """Facts for one habit, at risk or not (the TUI's detail screen)."""
    from sync_protocol.coach.facts import habit_facts

    return habit_facts(habit, s.store.checkins(habit.id), s.today)


def open_coach(settings: Settings, *, rules_only: bool = False) -> Coach:
    """The coach: the model of the settings (``OLLAMA_*`` over the config file), or the rules alone."""
    return Coach(None if rules_only else settings.model)
