"""Opening the store and knowing what day it is for this user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from habit_tui.config import Config, load_config, local_now
from habit_tui.paths import db_path
from habit_tui.store.repository import Store
from sync_protocol.domain.checkin import local_day


@dataclass
class Session:
    store: Store
    config: Config
    today: date

    def close(self) -> None:
        self.store.close()


def open_session(path: Path | None = None, today: date | None = None) -> Session:
    config = load_config()
    store = Store.open(path or db_path())
    return Session(store, config, today or local_day(local_now(), config.day_start))
