"""The app's one database thread: every store call runs there, in order, never on the UI thread.

A single worker thread keeps writes in the order the user made them (two quick toggles of a cell
must not swap) and keeps the SQLite connection to one thread at a time. A job returns the typed
message to post back to the screen that asked; a user-facing failure becomes :class:`JobFailed`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Protocol, cast

from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump

from habit_tui.errors import HabitError
from habit_tui.services.context import Session, data_version, roll_over
from habit_tui.settings import Settings
from habit_tui.tui.messages import DatabaseChanged, JobFailed
from sync_protocol.domain.errors import DomainError

log = logging.getLogger(__name__)

Job = Callable[[Session], Message | None]


class Backend:
    def __init__(self, session: Session, *, owns_session: bool, fixed_today: bool) -> None:
        self.session = session
        self.owns_session = owns_session
        self.fixed_today = fixed_today
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="habit-db")
        self._closed = False
        self._version: int | None = None
        self._polling = threading.Event()
        self._pool.submit(self._remember_version)  # before any read, so no change slips between

    def _remember_version(self) -> None:
        try:
            self._version = data_version(self.session)
        except HabitError:
            log.exception("cannot read the database version")

    @property
    def today(self) -> date:
        return self.session.today

    @property
    def path(self) -> str:
        return str(self.session.database)

    @property
    def settings(self) -> Settings:
        return self.session.settings

    def _run(self, job: Job, habit_id: str | None = None) -> Message | None:
        try:
            return job(self.session)
        except (HabitError, DomainError) as exc:
            return JobFailed(str(exc), habit_id=habit_id)
        except Exception as exc:
            log.exception("database job failed")
            return JobFailed(f"internal error: {type(exc).__name__}: {exc}", habit_id=habit_id)

    def submit(self, target: MessagePump, job: Job, *, habit_id: str | None = None) -> Future[None]:
        """Run ``job`` on the database thread and post what it returns to ``target``."""

        def run() -> None:
            message = self._run(job, habit_id)
            if message is not None:
                target.post_message(message)

        if self._closed:
            future: Future[None] = Future()
            future.set_result(None)
            return future
        return self._pool.submit(run)

    def poll(self, target: MessagePump) -> None:
        """Post :class:`DatabaseChanged` if another process committed or the day rolled over."""
        if self._polling.is_set():
            return
        self._polling.set()

        def job(session: Session) -> Message | None:
            try:
                version = data_version(session)
                changed = version != self._version
                self._version = version
                if not self.fixed_today and roll_over(session):
                    changed = True
                return DatabaseChanged() if changed else None
            finally:
                self._polling.clear()

        self.submit(target, job)

    def drain(self) -> None:
        """Block until every job submitted so far has run (tests, shutdown)."""
        if not self._closed:
            self._pool.submit(lambda: None).result()

    def close(self) -> None:
        """Finish pending writes, then release the database."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=True)
        if self.owns_session:
            self.session.close()


class _HasBackend(Protocol):
    backend: Backend


def backend_of(node: DOMNode) -> Backend:
    """The backend of the app a widget or screen belongs to."""
    return cast(_HasBackend, node.app).backend
