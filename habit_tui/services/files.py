"""Writing a file a command produces, so that a failed write never leaves half a file behind."""

from __future__ import annotations

import contextlib
from pathlib import Path

from habit_tui.errors import HabitError


def write_file(path: Path, data: bytes | str) -> Path:
    """Write next to the final name, then move it in place; returns the absolute path."""
    target = path.expanduser()
    if target.is_dir():
        raise HabitError(f"cannot write {target}: it is a directory")
    temporary = target.with_name(f".{target.name}.partial")
    try:
        if isinstance(data, str):
            temporary.write_text(data, encoding="utf-8")
        else:
            temporary.write_bytes(data)
        temporary.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise HabitError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target.resolve()
