"""The client's settings, resolved once: the config file plus the environment, in one frozen object.

Every setting the client reads is here, with the environment variable that overrides it. A
command or the app resolves them once (:func:`load_settings`) and carries them in its session;
nothing else reads the environment or the config file.

========================  ==========================================================
``HABIT_HOME``            the data directory (default: the platform's, via platformdirs)
``HABIT_NOW``             pretend the local time is this ISO date-time (scripts, tests)
``HABIT_LOCK_TIMEOUT``    seconds a writer waits for another one (default 5)
``HABIT_DEBUG``           show tracebacks of internal errors
``OLLAMA_HOST``           the coach's Ollama server (over ``ollama_host`` in the file)
``OLLAMA_MODEL``          the coach's model (over ``ollama_model`` in the file)
``COLUMNS``               width of tables when the output is not a terminal (default 120)
``TZ``                    this machine's time zone (else the system's, as ``/etc/localtime`` says)
========================  ==========================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from habit_tui.config import Config, read_config
from habit_tui.errors import HabitError
from sync_protocol.domain.checkin import local_day

if TYPE_CHECKING:
    from sync_protocol.coach.settings import ModelSettings

OLLAMA_ENV = ("OLLAMA_HOST", "OLLAMA_MODEL")

DB_FILE = "habit.db"
CONFIG_FILE = "config.toml"
DEFAULT_LOCK_TIMEOUT = 5.0
DEFAULT_COLUMNS = 120


class Settings(NamedTuple):
    home: Path
    """The data directory: the database and the config file."""
    config: Config
    """The config file as read (the app saves the theme back into it)."""
    day_start: time
    ollama_env: Mapping[str, str] = MappingProxyType({})
    """``OLLAMA_HOST`` / ``OLLAMA_MODEL`` as set when the settings were resolved."""
    fixed_now: datetime | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    debug: bool = False
    columns: int = DEFAULT_COLUMNS
    warnings: tuple[str, ...] = ()
    """What the user should hear about the settings (an unknown key in the config file): the command
    line prints each on stderr, the app shows each in a notification."""
    tz: str = ""
    """``TZ`` as set when the settings were resolved."""

    @property
    def db_path(self) -> Path:
        return self.home / DB_FILE

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE

    @property
    def server_url(self) -> str:
        return self.config.server_url

    @property
    def theme(self) -> str:
        return self.config.theme

    @property
    def model(self) -> ModelSettings:
        """The coach's model: ``OLLAMA_HOST`` / ``OLLAMA_MODEL`` over the config file's ``ollama_*``."""
        from sync_protocol.coach.settings import model_settings

        cfg = self.config
        return model_settings(cfg.ollama_host, cfg.ollama_model, cfg.ollama_timeout, environ=self.ollama_env)

    def now(self) -> datetime:
        """The local wall-clock time (``HABIT_NOW`` when set)."""
        return self.fixed_now if self.fixed_now is not None else datetime.now()

    def today(self) -> date:
        """The user's calendar day now, after the ``day_starts_at`` offset."""
        return local_day(self.now(), self.day_start)

    def local_timezone(self) -> str | None:
        """This machine's IANA time zone: ``TZ`` when it names one, else the system's (``/etc/localtime``,
        through tzlocal); None when neither is known. Looked up only when asked (tzlocal reads files)."""
        return _known_zone(self.tz.removeprefix(":")) or _known_zone(_system_zone())


def data_dir(environ: Mapping[str, str]) -> Path:
    home = environ.get("HABIT_HOME")
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("habit", appauthor=False))


def debug_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """``HABIT_DEBUG``: also read before settings exist, by the command line's last-resort handler."""
    return bool((os.environ if environ is None else environ).get("HABIT_DEBUG"))


def load_settings(environ: Mapping[str, str] | None = None, *, home: Path | None = None) -> Settings:
    """Resolve every setting from the environment and the config file (HabitError when one is bad)."""
    env = os.environ if environ is None else environ
    where = home or data_dir(env)
    config, warnings = read_config(where / CONFIG_FILE)
    return Settings(
        home=where,
        config=config,
        day_start=config.day_start,
        ollama_env={name: env[name] for name in OLLAMA_ENV if name in env},
        fixed_now=_fixed_now(env.get("HABIT_NOW")),
        lock_timeout=_lock_timeout(env.get("HABIT_LOCK_TIMEOUT")),
        debug=debug_enabled(env),
        columns=_columns(env.get("COLUMNS")),
        warnings=warnings,
        tz=env.get("TZ", ""),
    )


def _known_zone(name: str | None) -> str | None:
    """``name`` when it is a time zone the server takes (its rule, imported only here: it costs pydantic)."""
    from sync_protocol.wire.notifications import valid_timezone

    return name if name and valid_timezone(name) else None


def _system_zone() -> str | None:
    """The zone the system is set to, as tzlocal finds it; None when it cannot tell (it never prints)."""
    import logging
    import warnings

    import tzlocal

    quiet = logging.getLogger("tzlocal")
    was, quiet.disabled = quiet.disabled, True  # conflicting configuration files are logged, not raised
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            name: str | None = tzlocal.get_localzone_name()
            return name
    except Exception:  # ZoneInfoNotFoundError when configuration files disagree
        return None
    finally:
        quiet.disabled = was


def _fixed_now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise HabitError(f"HABIT_NOW='{text}' is not an ISO date-time") from None


def _lock_timeout(text: str | None) -> float:
    try:
        return max(0.0, float(text)) if text else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _columns(text: str | None) -> int:
    try:
        return max(20, int(text)) if text else DEFAULT_COLUMNS
    except ValueError:
        return DEFAULT_COLUMNS
