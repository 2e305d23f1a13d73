"""A session: the open store, the resolved settings and the user's today, carried by every use case.

The command line and the app hold a session and pass it to the services; they never reach into
the store themselves (a test keeps it that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from habit_tui.settings import Settings, load_settings
from habit_tui.store.repository import Store


@dataclass
class Session:
    store: Store
    settings: Settings
    today: date

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def database(self) -> Path:
        return self.store.path


def open_session(path: Path | None = None, today: date | None = None, settings: Settings | None = None) -> Session:
    """Open the database (``path``, default the one in the data directory) with the settings resolved once."""
    resolved = settings or load_settings()
    store = Store.open(path or resolved.db_path, resolved.lock_timeout)
    return Session(store, resolved, today or resolved.today())


def data_version(s: Session) -> int:
    """Changes whenever another connection commits (the app watches it)."""
    return s.store.data_version()


def roll_over(s: Session) -> bool:
    """Move the session to the user's new day if the clock passed midnight (or day_starts_at)."""
    today = s.settings.today()
    if today == s.today:
        return False
    s.today = today
    return True
