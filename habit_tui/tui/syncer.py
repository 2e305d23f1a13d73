"""The app's background sync: a thread of its own, with its own connection to the database.

When this device is logged in, the app keeps in sync the way ``habit sync --watch`` does: at
start, on every hint of the server's stream, and within a second of a change made here. The
thread never touches the screen; it posts :class:`SyncStatusChanged` to the app, which shows it
and, when other devices' changes came in, redraws at once. The network never blocks the app: the
database thread and the UI thread do not wait for it, and leaving the app does not wait for it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from textual.message_pump import MessagePump

from habit_tui.errors import HabitError
from habit_tui.services.account import account, open_api
from habit_tui.services.context import Session, open_session
from habit_tui.services.syncing import SyncReport, keep_in_sync
from habit_tui.tui.messages import SyncStatus, SyncStatusChanged

log = logging.getLogger(__name__)


class Syncer:
    def __init__(self, session: Session, target: MessagePump) -> None:
        self._database = session.database
        self._settings = session.settings
        self._target = target
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def wanted(session: Session) -> SyncStatus | None:
        """None when this device is not logged in; else the status to start from (an error when the
        saved login cannot be used, e.g. others can read it)."""
        try:
            found = account(session)
        except HabitError as exc:
            return SyncStatus("error", str(exc))
        return None if found is None else SyncStatus("syncing")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="habit-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end; it does within a second, or dies with the app (a write in progress
        is a transaction: it is rolled back, never half made)."""
        self._stop.set()

    def _post(self, status: SyncStatus) -> None:
        self._target.post_message(SyncStatusChanged(status))

    def _report(self, r: SyncReport) -> None:
        if r.state == "synced" and r.result is not None:
            self._post(SyncStatus("synced", at=datetime.now(), pulled=r.result.pulled))
        else:
            self._post(SyncStatus(r.state, r.message))

    def _run(self) -> None:
        try:
            session = open_session(self._database, settings=self._settings)
        except HabitError as exc:
            self._post(SyncStatus("error", str(exc)))
            return
        try:
            api = open_api(session)
        except HabitError as exc:
            session.close()
            self._post(SyncStatus("error", str(exc)))
            return
        try:
            failed = keep_in_sync(session, api, self._report, self._stop.wait)
            if failed is not None:
                log.warning("background sync stopped: %s", failed)
        except HabitError as exc:
            self._post(SyncStatus("error", str(exc)))
        except Exception:
            log.exception("background sync failed")
            self._post(SyncStatus("error", "sync stopped after an internal error"))
        finally:
            api.close()
            session.close()
