"""How ``habit sync`` reports: one line (or JSON), a progress bar for a large sync on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from habit_tui.services.syncing import Progress, SyncResult, SyncState

BIG = 1000
"""A sync of more events than this shows a progress bar (on a terminal)."""


def result_json(r: SyncResult) -> dict[str, Any]:
    return {
        "server": r.server,
        "pushed": r.pushed,
        "pulled": r.pulled,
        "habits": r.habits,
        "head": r.head,
        "joined": r.joined,
        "renamed": [{"from": old, "to": new} for old, new in r.renamed],
        "refused": r.refused,
    }


def result_line(r: SyncResult) -> str:
    if not (r.pushed or r.pulled or r.renamed or r.refused):
        return f"Up to date with {r.server}."
    line = f"Synced with {r.server}: pushed {r.pushed}, pulled {r.pulled}"
    if r.habits:
        shown = ", ".join(r.habits[:5]) + (f" and {len(r.habits) - 5} more" if len(r.habits) > 5 else "")
        line += f" ({shown})"
    line += "."
    for old, new in r.renamed:
        line += f" Two habits were named '{old}': one is now '{new}'."
    if r.refused:
        line += f" The server refused {r.refused} change(s) of this device for good."
    return line


def state_json(server: str, username: str, device_id: str, state: SyncState) -> dict[str, Any]:
    return {
        "server": server,
        "username": username,
        "device_id": device_id,
        "last_sync": state.last_sync or None,
        "outbox": state.outbox,
        "cursor": state.cursor,
    }


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress callback that shows a bar on stderr once a sync turns out to be big; None when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress as Bar

    bar: Bar | None = None
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            if (total or done) < BIG:
                return
            bar = Bar(transient=True)
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task("Pushing" if phase == "push" else "Pulling", total=total)
        bar.update(tasks[phase], completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()
