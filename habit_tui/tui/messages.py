"""Typed messages the database thread posts back to screens."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal, NamedTuple

from textual.message import Message

from habit_tui.services.board import Board, BoardRow
from habit_tui.services.views import HabitDetail
from sync_protocol.coach.advice import Advice
from sync_protocol.coach.facts import HabitFacts
from sync_protocol.coach.milestones import Milestone
from sync_protocol.domain.habit import Habit

Rates = list[tuple[date, float | None]]


class JobFailed(Message):
    """A database job failed with a message meant for the user (bubbles to the app, which notifies)."""

    def __init__(self, error: str, *, habit_id: str | None = None) -> None:
        super().__init__()
        self.error = error
        self.habit_id = habit_id


class BoardLoaded(Message):
    def __init__(self, board: Board) -> None:
        super().__init__()
        self.board = board


class RowLoaded(Message):
    """One habit's row changed (after a check-in); ``row`` is None if the habit is gone."""

    def __init__(
        self, habit_id: str, row: BoardRow | None, notice: str = "", milestone: Milestone | None = None
    ) -> None:
        super().__init__()
        self.habit_id = habit_id
        self.row = row
        self.notice = notice
        self.milestone = milestone
        """What the check-in just reached (a first check-in, a round streak, a personal best)."""


class HabitChanged(Message):
    """A habit was created, edited, archived, deleted or moved: the board reloads."""

    def __init__(self, habit: Habit | None, notice: str = "", *, select: bool = False) -> None:
        super().__init__()
        self.habit = habit
        self.notice = notice
        self.select = select


class DetailLoaded(Message):
    def __init__(
        self, detail: HabitDetail | None, weekly: Rates, monthly: Rates, facts: HabitFacts | None = None
    ) -> None:
        super().__init__()
        self.detail = detail
        self.weekly = weekly
        self.monthly = monthly
        self.facts = facts
        """What the coach works from (computed on the database thread with the rest)."""


class CoachChunk(Message):
    """A piece of the model's advice as it streams in (posted from the coach's thread)."""

    def __init__(self, token: int, text: str) -> None:
        super().__init__()
        self.token = token
        self.text = text


class CoachAnswered(Message):
    """The coach's whole answer; ``token`` tells a stale answer from the one the screen waits for."""

    def __init__(self, token: int, advice: Advice) -> None:
        super().__init__()
        self.token = token
        self.advice = advice


class DatabaseChanged(Message):
    """Another process committed to the database, or the day rolled over."""


class HabitRequest(Message):
    """A screen asks the app to run a shared flow on a habit (these bubble up to the app)."""

    def __init__(self, habit: Habit) -> None:
        super().__init__()
        self.habit = habit


class EditRequested(Message):
    def __init__(self, habit: Habit | None) -> None:
        super().__init__()
        self.habit = habit


class DetailRequested(HabitRequest):
    pass


class ArchiveRequested(HabitRequest):
    pass


class DeleteRequested(HabitRequest):
    pass


class ReportWritten(Message):
    """The PDF report was written (on the database thread)."""

    def __init__(self, path: Path, pages: int) -> None:
        super().__init__()
        self.path = path
        self.pages = pages


class ReportFailed(Message):
    """The report could not be written (an unwritable directory, a full disk)."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class SyncStatus(NamedTuple):
    """What the background sync is doing, as the status line shows it."""

    state: Literal["local", "syncing", "synced", "offline", "error"]
    message: str = ""
    at: datetime | None = None
    """When the last sync finished (local time)."""
    pulled: int = 0
    """Events the last sync brought from other devices."""


class SyncStatusChanged(Message):
    """Posted by the background sync (from its thread) to the app."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status
