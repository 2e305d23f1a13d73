"""The client's config file: TOML in the data directory (see :mod:`habit_tui.settings`).

A plain dataclass read with :mod:`tomllib` keeps the one-shot commands fast (pydantic-settings
costs ~100 ms to import); the server uses pydantic-settings.

A key the client does not know (a typo, or a setting of a newer version) is not an error: it is
named in a warning (:func:`read_config`) and kept when the app saves a setting into the file.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any, NamedTuple

from habit_tui.errors import HabitError
from sync_protocol.domain.checkin import parse_day_start
from sync_protocol.domain.errors import DomainError


class Config(NamedTuple):
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


def _read(path: Path) -> dict[str, Any] | None:
    """The file's TOML table, or None when there is no file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HabitError(f"cannot read {path}: {exc.strerror}") from None
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HabitError(f"{path} is not valid TOML: {exc}") from None


def _unknown_keys(path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    unknown = sorted(set(data) - set(Config._fields))
    if not unknown:
        return ()
    names = ", ".join(f"'{name}'" for name in unknown)
    known = ", ".join(Config._fields)
    return (f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {names} ignored (known keys: {known})",)


def load_config(path: Path) -> Config:
    return read_config(path)[0]


def read_config(path: Path) -> tuple[Config, tuple[str, ...]]:
    """The file's settings (HabitError when one is bad), and warnings: the keys the client does not know."""
    data = _read(path)
    if data is None:
        return Config(), ()
    defaults = Config()._asdict()
    values: dict[str, Any] = {}
    for name, default in defaults.items():
        if name not in data:
            continue
        value = data[name]
        if isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            raise HabitError(f"{path}: '{name}' must be a {type(default).__name__}")
        values[name] = value
    cfg = Config(**values)
    try:
        cfg.day_start  # noqa: B018 - validate early
    except DomainError as exc:
        raise HabitError(f"{path}: {exc}") from None
    return cfg, _unknown_keys(path, data)


def save_config(cfg: Config, path: Path, *, keep: dict[str, Any] | None = None) -> None:
    """Write the whole file next to its place, then move it in (a failed write leaves the old file).

    ``keep``: keys this version does not know, written back as they were.
    """
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps({**cfg._asdict(), **(keep or {})}), encoding="utf-8")
    tmp.replace(path)


def update_config(path: Path, **changes: Any) -> Config:
    """Change some keys of the file as it is now (another program may have changed the rest, and
    keys this version does not know are kept)."""
    data = _read(path) or {}
    cfg = load_config(path)._replace(**changes)
    save_config(cfg, path, keep={k: v for k, v in data.items() if k not in Config._fields})
    return cfg
