"""The client's configuration: a TOML file in the data directory.

A plain dataclass read with :mod:`tomllib` keeps the one-shot commands fast (pydantic-settings
costs ~100 ms to import); the server uses pydantic-settings.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from datetime import datetime, time
from pathlib import Path
from typing import Any

from habit_tui.errors import HabitError
from habit_tui.paths import config_path
from sync_protocol.domain.checkin import parse_day_start
from sync_protocol.domain.errors import DomainError


@dataclass
class Config:
    day_starts_at: str = "00:00"
    server_url: str = ""
    ollama_host: str = ""
    ollama_model: str = ""
    ollama_timeout: float = 20.0
    theme: str = ""
    """The full-screen app's theme (a Textual theme name); empty means its default."""

    @property
    def day_start(self) -> time:
        return parse_day_start(self.day_starts_at)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise HabitError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HabitError(f"{path} is not valid TOML: {exc}") from None
    known = {f.name: f.type for f in fields(Config)}
    cfg = Config()
    for key, value in data.items():
        if key not in known:
            continue
        default = getattr(cfg, key)
        coerced = value
        if isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool):
            coerced = float(value)
        if type(coerced) is not type(default):
            raise HabitError(f"{path}: '{key}' must be a {type(default).__name__}")
        setattr(cfg, key, coerced)
    try:
        cfg.day_start  # noqa: B018 - validate early
    except DomainError as exc:
        raise HabitError(f"{path}: {exc}") from None
    return cfg


def save_config(cfg: Config, path: Path | None = None) -> None:
    import tomli_w

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(asdict(cfg)), encoding="utf-8")
    tmp.replace(path)


def local_now() -> datetime:
    """The local wall-clock time; ``HABIT_NOW`` (ISO 8601) pretends it is another moment."""
    fixed = os.environ.get("HABIT_NOW")
    if fixed:
        try:
            return datetime.fromisoformat(fixed)
        except ValueError:
            raise HabitError(f"HABIT_NOW='{fixed}' is not an ISO date-time") from None
    return datetime.now()
