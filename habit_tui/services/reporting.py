"""Reports and coaching on the local store: what ``habit report`` and ``habit coach`` (and the TUI) call.

The work itself lives in :mod:`sync_protocol.report` and :mod:`sync_protocol.coach`, shared
with the server; this module reads the store, applies the client's settings and writes files.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from habit_tui.config import Config
from habit_tui.errors import HabitError
from habit_tui.store.repository import Store
from sync_protocol.coach.coach import Coach
from sync_protocol.coach.facts import DEFAULT_RISK_DAYS, HabitFacts, at_risk_facts
from sync_protocol.coach.milestones import Milestone, checkin_milestone
from sync_protocol.coach.settings import ModelSettings, model_settings
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.period import PeriodKind


def report_data(store: Store, today: date, period: PeriodKind, day: date | None = None) -> Report:
    """The report of the week or month holding ``day`` (default: today), up to today."""
    habits = store.habits()
    return build_report(habits, store.all_checkins(), period, day or today, today=today)


def default_report_path(report: Report, directory: Path | None = None) -> Path:
    """``habit-report-week-2025-11-17.pdf`` (the period's first day) in ``directory`` or the cwd."""
    name = f"habit-report-{report.kind}-{report.period.start.isoformat()}.pdf"
    return (directory or Path.cwd()) / name


def write_pdf(data: bytes, path: Path) -> Path:
    """Write the PDF next to its final name, then move it in place: a failed write leaves no half file."""
    target = path.expanduser()
    if target.is_dir():
        raise HabitError(f"cannot write {target}: it is a directory")
    temporary = target.with_name(f".{target.name}.partial")
    try:
        temporary.write_bytes(data)
        temporary.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise HabitError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target.resolve()


def write_report(
    store: Store, today: date, period: PeriodKind = "week", *, day: date | None = None, out: Path | None = None
) -> tuple[Path, int]:
    """Build, render and write a report; returns where it went and its number of pages (for the TUI)."""
    from sync_protocol.report.pdf import render

    report = report_data(store, today, period, day)
    rendered = render(report)
    return write_pdf(rendered.data, out or default_report_path(report)), rendered.pages


def at_risk(store: Store, today: date, *, risk_days: int = DEFAULT_RISK_DAYS) -> list[HabitFacts]:
    return at_risk_facts(store.habits(), store.all_checkins(), today, risk_days=risk_days)


def habit_facts_for(store: Store, habit: Habit, today: date) -> HabitFacts:
    """Facts for one habit, at risk or not (the TUI's detail screen)."""
    from sync_protocol.coach.facts import habit_facts

    return habit_facts(habit, store.checkins(habit.id), today)


def coach_settings(config: Config, environ: Mapping[str, str] | None = None) -> ModelSettings:
    """The model to ask: the config's ``ollama_*`` values, with OLLAMA_HOST / OLLAMA_MODEL winning."""
    env = os.environ if environ is None else environ
    return model_settings(config.ollama_host, config.ollama_model, config.ollama_timeout, environ=env)


def open_coach(config: Config, *, rules_only: bool = False) -> Coach:
    return Coach(None if rules_only else coach_settings(config))


def milestone_of_checkin(habit: Habit, before: list[CheckIn], after: list[CheckIn], today: date) -> Milestone | None:
    """What a check-in just reached, if anything (``before``/``after``: the habit's check-ins)."""
    return checkin_milestone(habit, before, after, today)
