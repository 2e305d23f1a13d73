"""Export everything, and import our own exports or Loop Habit Tracker's, atomically."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from habit_tui.errors import HabitError
from habit_tui.services import transfer_formats as fmt
from habit_tui.services.context import Session
from habit_tui.services.dates import check_day
from sync_protocol.domain import events as ev
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import habit_from_fields, habit_to_fields
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.text import name_key
from sync_protocol.domain.view import checkin_view

Progress = Callable[[int, int], None]


def export_habits(s: Session) -> list[dict[str, Any]]:
    store = s.store
    checkins = store.all_checkins()
    out = []
    for h in store.habits(include_archived=True):
        out.append(
            {
                "id": h.id,
                **habit_to_fields(h),
                "checkins": [checkin_view(c) for c in checkins.get(h.id, [])],
            }
        )
    return out


def export_text(s: Session, format_: str) -> str:
    habits = export_habits(s)
    if format_ == "json":
        return fmt.dump_json(habits, datetime.now().astimezone().isoformat(timespec="seconds"))
    if format_ == "csv":
        return fmt.dump_csv(habits)
    raise HabitError(f"unknown export format '{format_}': use json or csv")


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def read_import(path: Path) -> tuple[str, list[fmt.Imported]]:
    """Detect the file's format and read it (nothing is written yet).

    ``path`` may be a folder (Loop's unpacked export), a file, or a FIFO or device such as
    ``/dev/stdin``: every byte read counts against one limit (:class:`~.transfer_formats.Budget`).
    """
    budget = fmt.Budget(str(path))
    if path.is_dir():
        return "loop", fmt.read_loop(fmt.LoopFiles(path, budget))
    with fmt.open_source(path, budget) as f:
        head = f.read(4)
        if head in ZIP_MAGIC:
            if path.is_file():
                archive = fmt.open_zip(path)
            else:  # a zip through a pipe: its bytes, within the budget
                archive = fmt.open_zip(io.BytesIO(budget.read(f, str(path), text=False, head=head)), str(path))
            return "loop", fmt.read_loop(fmt.LoopFiles(path, budget, archive=archive))
        text = fmt.decode(budget.read(f, str(path), head=head), str(path))
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("{"):
        return "json", fmt.read_json(text, str(path))
    if stripped.startswith("record,"):
        return "csv", fmt.read_csv(text, str(path))
    if fmt.is_loop_habits_header(text):
        # Loop's Habits.csv: the files beside it hold the check-ins (a pipe has nothing beside it).
        files = fmt.LoopFiles(path, budget) if path.is_file() else fmt.LoopFiles(path, loaded={"Habits.csv": text})
        return "loop", fmt.read_loop(files)
    if not stripped:
        raise HabitError(f"{path} is empty")
    raise HabitError(f"{path}: unknown format (expected a habit JSON/CSV export or Loop Habit Tracker's CSV export)")


def check_dates(items: list[fmt.Imported], today: date, source: Path) -> None:
    """Every check-in keeps the rule of ``--date``: none after today (nor before 1970)."""
    for item in items:
        for c in item.checkins:
            try:
                check_day(c.date, today)
            except HabitError as exc:
                raise HabitError(f"{source}: a check-in of '{item.fields['name']}': {exc}") from None


@dataclass(frozen=True)
class ImportResult:
    format: str
    created: int
    merged: int
    checkins: int
    warnings: tuple[str, ...] = ()
    """What the file could not say (for example a habit it holds no check-ins for); nothing was lost."""


def import_file(s: Session, path: Path, progress: Progress | None = None) -> ImportResult:
    """Import a file in one transaction: on any error nothing is changed.

    A habit in the file joins an existing one with the same id or a name that looks the same
    (:func:`~sync_protocol.domain.text.name_key`), so importing the same file twice changes nothing the second time.
    """
    store, today = s.store, s.today
    kind, items = read_import(path)
    check_dates(items, today, path)
    total = sum(len(i.checkins) for i in items) + len(items)
    done = created = merged = written = 0
    with store.write():
        existing = store.habits(include_archived=True)
        by_id = {h.id: h for h in existing}
        by_name = {name_key(h.name): h for h in existing}
        next_pos = max((h.position for h in existing), default=-1) + 1
        for item in items:
            target = by_id.get(item.id or "") or by_name.get(name_key(str(item.fields["name"])))
            if target is None:
                hid = item.id if item.id and is_uuid(item.id) and not store.is_deleted(item.id) else uuid7()
                fields = dict(item.fields)
                if kind == "loop":
                    fields["position"] = next_pos
                    next_pos += 1
                fields.setdefault("start_date", min((c.date for c in item.checkins), default=today).isoformat())
                habit = habit_from_fields(hid, fields, today)
                store.record(ev.HABIT_CREATE, {"habit_id": hid, **habit_to_fields(habit)})
                by_name[name_key(habit.name)] = habit
                created += 1
                current: dict[date, CheckIn] = {}
            else:
                hid = target.id
                merged += 1
                current = {c.date: c for c in store.checkins(hid)}
            done += 1
            for c in item.checkins:
                if current.get(c.date) != c:
                    store.record(ev.CHECKIN_SET, ev.checkin_payload(hid, c))
                    written += 1
                done += 1
                if progress is not None and done % 500 == 0:
                    progress(done, total)
        if progress is not None:
            progress(total, total)
    return ImportResult(kind, created, merged, written, tuple(w for i in items for w in i.warnings))
