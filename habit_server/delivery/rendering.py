"""Turning a user's stored rows into a PDF report, and the worker's pool of processes that does it.

Rendering is CPU-bound Python (``sync_protocol.report``): threads share one interpreter lock, so
``habit-server worker`` renders in a pool of processes (``REPORT_PROCESSES``, default one per CPU),
started once when the worker starts and kept for its life; whatever the report code keeps per
process (fonts, layouts) is loaded once per child, and a faster ``build_report``/``render_pdf``
makes the worker faster one for one. A job crosses to a child as plain data (:class:`ReportInput`:
the rows as the database gave them, cheap to pickle); the child builds the domain objects, the
report and the PDF, and sends back only what the email needs (:class:`RenderedReport`), not the
report's tree.

The API server's laptop mode (no SQS) renders with :func:`render` in a thread instead: a
one-family server makes a report now and then, and a pool would add a process per CPU to every
``habit-server`` (and each uvicorn worker) for that.

Children ignore SIGINT and SIGTERM (a Ctrl+C or a stop sent to the whole process group): the
worker decides when they stop, after the jobs in hand. A child whose worker died (``kill -9``)
exits by itself.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_from_row
from sync_protocol.domain.habit import Habit
from sync_protocol.report.data import Summary, build_report
from sync_protocol.report.period import PeriodKind

log = logging.getLogger("habit_server.delivery")

HABIT_COLUMNS: tuple[str, ...] = ("id", *(f.name for f in HABIT_FIELD_TABLE))
"""The order of a habit row's values in :attr:`ReportInput.habits`."""
CHECKIN_COLUMNS = ("date", "value", "skipped")
"""A check-in's columns in :data:`StoredCheckins`; its note comes apart (:data:`NOTE_COLUMNS`)."""
NOTE_COLUMNS = ("date", "note")
StoredCheckins = tuple[Sequence[str], Sequence[float | None], Sequence[bool], Sequence[str], Sequence[str]]
"""One habit's check-ins as columns: dates (``YYYY-MM-DD``), values and skipped, in :data:`CHECKIN_COLUMNS`
order; then the dates and notes of the check-ins that have a note, in :data:`NOTE_COLUMNS` order (most
have none). Columns, and notes apart: far fewer objects to read, pickle and unpickle than a tuple per
check-in (a year of 50 habits: a quarter less of the database's time than with a note per check-in)."""
NO_CHECKINS: StoredCheckins = ((), (), (), (), ())


@dataclass(frozen=True)
class ReportInput:
    """What one report is made of, as plain values (what crosses to a render process)."""

    habits: Sequence[tuple[Any, ...]]
    """One row per habit, in :data:`HABIT_COLUMNS` order."""
    checkins: Mapping[str, StoredCheckins]
    """By habit id."""
    period: PeriodKind
    start: date


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    title: str
    """The period's title ("Week of 23 Nov 2026")."""
    summary: Summary


def domain_data(
    habit_rows: Sequence[tuple[Any, ...]], stored: Mapping[str, StoredCheckins], today: date
) -> tuple[list[Habit], dict[str, list[CheckIn]]]:
    """The habits (rows in :data:`HABIT_COLUMNS` order) and their check-ins, as the domain holds them."""
    habits = [habit_from_row(row[0], dict(zip(HABIT_COLUMNS, row, strict=True)), today) for row in habit_rows]
    checkins: dict[str, list[CheckIn]] = {}
    for habit in habits:
        days, values, skipped, note_days, notes = stored.get(habit.id, NO_CHECKINS)
        if note_days:
            texts: Iterable[str] = map(dict(zip(note_days, notes, strict=True)).get, days, repeat(""))
        else:
            texts = repeat("", len(days))
        rows = zip(map(date.fromisoformat, days), values, map(bool, skipped), texts, strict=True)
        # A year of check-ins per habit: each made by tuple.__new__ as CheckIn's own __new__ makes it, without
        # a Python call per check-in (less than half the time).
        checkins[habit.id] = list(map(tuple.__new__, repeat(CheckIn), rows))
    return habits, checkins


def render(job: ReportInput) -> RenderedReport:
    """Build and draw one report (in a render process, or a thread)."""
    from sync_protocol.report.pdf import render_pdf

    today = date.today()
    habits, checkins = domain_data(job.habits, job.checkins, today)
    # The server's date may be a day behind the user's (whose today may start the period).
    report = build_report(habits, checkins, job.period, job.start, today=max(today, job.start))
    return RenderedReport(render_pdf(report), report.period.title, report.summary)


def _child_start() -> None:
    """In each render process, once: leave the stop signals to the worker, follow it if it dies,
    draw an empty report so fonts and the PDF library are loaded before the first job, and freeze
    what is loaded then (measured: a weekly report of 50 habits x 1 year spends ~10% less CPU)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="parent-watch").start()
    render(ReportInput((), {}, "week", date.today()))
    # What is loaded now (modules, fonts) lives as long as the process: out of the collector's sight,
    # a report's tens of thousands of new objects no longer make it walk all of that again.
    gc.collect()
    gc.freeze()


def _exit_with(parent: Any) -> None:
    parent.join()  # returns when the parent process is gone
    os._exit(0)


def _ready() -> int:
    return os.getpid()


class RenderPool:
    """``size`` render processes (spawned, not forked: the worker has threads and open sockets)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._context = multiprocessing.get_context("spawn")
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start every process now and wait until each is ready (blocking: call it in a thread)."""
        self._executor = self._new()
        for future in [self._executor.submit(_ready) for _ in range(self.size)]:
            future.result()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.size, mp_context=self._context, initializer=_child_start)

    async def render(self, job: ReportInput) -> RenderedReport:
        """Render in a child. A child that died (out of memory) breaks the pool: it is replaced,
        and this job fails (its SQS message comes back)."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("the render pool is not started")
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, render, job)
        except BrokenProcessPool:
            if self._executor is executor:
                log.warning("a render process died; starting new ones")
                self._executor = self._new()
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        """Stop the processes once what they hold is done (blocking: call it in a thread)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def pool_size(setting: int) -> int:
    """``REPORT_PROCESSES``: 0 means one per CPU this process may run on."""
    if setting > 0:
        return setting
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
