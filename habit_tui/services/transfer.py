"""Export everything, and import our own exports or Loop Habit Tracker's, atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from habit_tui.errors import HabitError
from habit_tui.services import transfer_formats as fmt
from habit_tui.services.context import Session
from sync_protocol.domain import events as ev
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import habit_from_fields, habit_to_fields
from sync_protocol.domain.ids import is_uuid, uuid7
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


def read_import(path: Path) -> tuple[str, list[fmt.Imported]]:
    """Detect the file's format and read it (nothing is written yet)."""
    if path.is_dir():
        return "loop", fmt.read_loop(fmt.LoopFiles(path))
    if path.is_file() and path.suffix.lower() == ".zip":
        return "loop", fmt.read_loop(fmt.LoopFiles(path))
    text = fmt.read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json", fmt.read_json(text, str(path))
    if stripped.startswith("record,"):
        return "csv", fmt.read_csv(text, str(path))
    if fmt.is_loop_habits_header(text):
        return "loop", fmt.read_loop(fmt.LoopFiles(path))
    if not stripped:
        raise HabitError(f"{path} is empty")
    raise HabitError(f"{path}: unknown format (expected a habit JSON/CSV export or Loop Habit Tracker's CSV export)")


@dataclass(frozen=True)
class ImportResult:
    format: str
    created: int
    merged: int
    checkins: int


def import_file(s: Session, path: Path, progress: Progress | None = None) -> ImportResult:
    """Import a file in one transaction: on any error nothing is changed.

    A habit in the file joins an existing one with the same id or (case-insensitively) the same
    name, so importing the same file twice changes nothing the second time.
    """
    store, today = s.store, s.today
    kind, items = read_import(path)
    total = sum(len(i.checkins) for i in items) + len(items)
    done = created = merged = written = 0
    with store.write():
        existing = store.habits(include_archived=True)
        by_id = {h.id: h for h in existing}
        by_name = {h.name.casefold(): h for h in existing}
        next_pos = max((h.position for h in existing), default=-1) + 1
        for item in items:
            target = by_id.get(item.id or "") or by_name.get(str(item.fields["name"]).casefold())
            if target is None:
                hid = item.id if item.id and is_uuid(item.id) and not store.is_deleted(item.id) else uuid7()
                fields = dict(item.fields)
                if kind == "loop":
                    fields["position"] = next_pos
                    next_pos += 1
                fields.setdefault("start_date", min((c.date for c in item.checkins), default=today).isoformat())
                habit = habit_from_fields(hid, fields, today)
                store.record(ev.HABIT_CREATE, {"habit_id": hid, **habit_to_fields(habit)})
                by_name[habit.name.casefold()] = habit
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
    return ImportResult(kind, created, merged, written)
