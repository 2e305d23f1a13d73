"""Where the client keeps its data: platformdirs' user data dir, or ``$HABIT_HOME``."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    home = os.environ.get("HABIT_HOME")
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("habit", appauthor=False))


def db_path() -> Path:
    return data_dir() / "habit.db"


def config_path() -> Path:
    return data_dir() / "config.toml"
