"""Reading and writing export files: our JSON and CSV, and Loop Habit Tracker's CSV export.

Every reader returns :class:`Imported` records and validates everything before anything is
written, so a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from habit_tui.errors import HabitError
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.fields import HABIT_FIELDS, UNIT, check_field
from sync_protocol.domain.view import checkin_from_view

EXPORT_FORMAT = "habit-export"
EXPORT_VERSION = 1
CSV_COLUMNS = ["record", "id", *HABIT_FIELDS, "date", "value", "skipped", "note"]
MAX_IMPORT_BYTES = 200 * 1024 * 1024


@dataclass
class Imported:
    """One habit read from a file: its fields (validated) and its check-ins."""

    id: str | None
    fields: dict[str, Any]
    checkins: list[CheckIn] = field(default_factory=list)


# ----- our JSON ---------------------------------------------------------------
def dump_json(habits: list[dict[str, Any]], exported_at: str) -> str:
    doc = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported_at": exported_at, "habits": habits}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def read_json(text: str, source: str) -> list[Imported]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HabitError(f"{source} is not valid JSON (line {exc.lineno}: {exc.msg}); is it truncated?") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT or not isinstance(doc.get("habits"), list):
        raise HabitError(f"{source} is not a habit export (expected a 'habit-export' JSON document)")
    if doc.get("version", 0) > EXPORT_VERSION:
        raise HabitError(f"{source} comes from a newer version of habit; upgrade to import it")
    out: list[Imported] = []
    for i, raw in enumerate(doc["habits"], 1):
        if not isinstance(raw, dict):
            raise HabitError(f"{source}: habit #{i} is not an object")
        where = f"{source}: habit #{i}"
        fields = _fields({k: v for k, v in raw.items() if k in HABIT_FIELDS}, where)
        checkins = []
        for j, c in enumerate(raw.get("checkins", []), 1):
            if not isinstance(c, dict):
                raise HabitError(f"{where}, check-in #{j} is not an object")
            checkins.append(
                _checkin(
                    c.get("date"), c.get("value"), c.get("skipped", False), c.get("note", ""), f"{where}, check-in #{j}"
                )
            )
        hid = raw.get("id")
        out.append(Imported(hid if isinstance(hid, str) else None, fields, checkins))
    return out


# ----- our CSV ----------------------------------------------------------------
def dump_csv(habits: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for h in habits:
        row = ["habit", h["id"]] + [_csv_cell(h[f]) for f in HABIT_FIELDS] + ["", "", "", ""]
        w.writerow(row)
    for h in habits:
        for c in h["checkins"]:
            value = "" if c["value"] is None else _csv_cell(c["value"])
            w.writerow(
                [
                    "checkin",
                    h["id"],
                    *[""] * len(HABIT_FIELDS),
                    c["date"],
                    value,
                    "1" if c["skipped"] else "0",
                    c["note"],
                ]
            )
    return buf.getvalue()


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def read_csv(text: str, source: str) -> list[Imported]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != CSV_COLUMNS:
        raise HabitError(f"{source} is not a habit CSV export (the header row does not match)")
    habits: dict[str, Imported] = {}
    for n, row in enumerate(rows[1:], 2):
        if not row:
            continue
        if len(row) != len(CSV_COLUMNS):
            raise HabitError(
                f"{source}, line {n}: expected {len(CSV_COLUMNS)} columns, found {len(row)}; is the file truncated?"
            )
        rec = dict(zip(CSV_COLUMNS, row, strict=True))
        where = f"{source}, line {n}"
        if rec["record"] == "habit":
            raw: dict[str, Any] = {f: rec[f] for f in HABIT_FIELDS}
            try:
                raw["target"] = float(raw["target"])
                raw["position"] = int(raw["position"])
            except ValueError:
                raise HabitError(f"{where}: target and position must be numbers") from None
            raw["archived"] = raw["archived"] in ("1", "true", "yes")
            raw["tags"] = [t for t in raw["tags"].split(",") if t]
            habits[rec["id"]] = Imported(rec["id"], _fields(raw, where))
        elif rec["record"] == "checkin":
            target = habits.get(rec["id"])
            if target is None:
                raise HabitError(f"{where}: check-in for a habit not defined above it")
            value: Any = rec["value"]
            if value != "":
                try:
                    value = float(value)
                except ValueError:
                    raise HabitError(f"{where}: value '{value}' is not a number") from None
            else:
                value = None
            target.checkins.append(_checkin(rec["date"], value, rec["skipped"] == "1", rec["note"], where))
        else:
            raise HabitError(f"{where}: unknown record type '{rec['record']}'")
    return list(habits.values())


# ----- Loop Habit Tracker -----------------------------------------------------
LOOP_YES = {"YES_MANUAL", "2"}
LOOP_SKIP = {"SKIP", "3"}
LOOP_IGNORE = {"YES_AUTO", "NO", "UNKNOWN", "1", "0", "-1", ""}


class LoopFiles:
    """The files of a Loop export, from its zip, its unpacked folder, or its Habits.csv."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._root = path
        if path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
        elif path.is_file():
            self._root = path.parent

    def names(self) -> list[str]:
        if self._zip is not None:
            return self._zip.namelist()
        return [str(p.relative_to(self._root)) for p in self._root.rglob("*.csv")]

    def read(self, name: str) -> str:
        try:
            data = self._zip.read(name) if self._zip is not None else (self._root / name).read_bytes()
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise HabitError(f"cannot read {name} in {self.path}: {exc}") from None
        return _decode(data, f"{self.path}:{name}")


def is_loop_habits_header(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.startswith("Position,Name")


def read_loop(files: LoopFiles) -> list[Imported]:
    names = files.names()
    habits_csv = min((n for n in names if n.rsplit("/", 1)[-1] == "Habits.csv"), key=len, default=None)
    if habits_csv is None:
        raise HabitError(f"{files.path} has no Habits.csv: not a Loop Habit Tracker export")
    base = habits_csv[: -len("Habits.csv")]
    rows = list(csv.DictReader(io.StringIO(files.read(habits_csv))))
    out: list[Imported] = []
    for n, row in enumerate(rows, 2):
        where = f"{habits_csv}, line {n}"
        name = (row.get("Name") or "").strip()
        if not name:
            raise HabitError(f"{where}: a habit without a name")
        numerical = (row.get("Type") or "").strip().upper() == "NUMERICAL"
        raw: dict[str, Any] = {
            "name": name,
            "description": " ".join(
                x for x in ((row.get("Question") or "").strip(), (row.get("Description") or "").strip()) if x
            ),
            "schedule": _loop_schedule(row),
            "archived": (row.get("Archived?") or "").strip().lower() in ("true", "1", "yes"),
            "position": _int(row.get("Position"), n - 2),
            "kind": "measurable" if numerical else "yes_no",
        }
        color = (row.get("Color") or "").strip()
        if color.startswith("#") and len(color) == 7:
            raw["color"] = color.lower()
        if numerical:
            raw["unit"] = (row.get("Unit") or "").strip()[: UNIT.max_length]  # Loop allows longer units
            raw["target"] = _float(row.get("Target Value"), 1.0)
            raw["target_type"] = (
                "at_most" if (row.get("Target Type") or "").strip().upper() == "AT_MOST" else "at_least"
            )
        imported = Imported(None, _fields(raw, where))
        folder = _loop_folder(names, base, row.get("Position") or "", name)
        if folder is not None:
            imported.checkins = _loop_checkins(files.read(folder), folder, numerical)
        dates = [c.date for c in imported.checkins]
        if dates:
            imported.fields["start_date"] = min(dates).isoformat()
        out.append(imported)
    return out


def _loop_schedule(row: dict[str, str]) -> str:
    num = _int(row.get("FrequencyNumerator") or row.get("NumRepetitions"), 1)
    den = _int(row.get("FrequencyDenominator") or row.get("Interval"), 1)
    num, den = max(1, num), max(1, den)
    if num >= den:
        return "daily"
    if den == 7:
        return f"{num}/week"
    if den in (30, 31):
        return f"{num}/month"
    if num == 1:
        return f"every {min(den, 365)} days"
    return f"{max(1, min(7, round(num * 7 / den)))}/week"


def _loop_folder(names: list[str], base: str, position: str, name: str) -> str | None:
    sane = "".join(ch for ch in name if (ch.isalnum() and ch.isascii()) or ch in " ._-")[:100].strip()
    candidates = [
        n for n in names if n.startswith(base) and n.endswith("/Checkmarks.csv") and n.count("/") == base.count("/") + 1
    ]
    if position.strip().isdigit():
        prefix = f"{base}{int(position):03d} "
        for n in candidates:
            if n.startswith(prefix):
                return n
    for n in candidates:
        folder = n[len(base) :].split("/", 1)[0]
        if folder[4:].strip() == sane:
            return n
    return None


def _loop_checkins(text: str, source: str, numerical: bool) -> list[CheckIn]:
    out: list[CheckIn] = []
    reader = csv.reader(io.StringIO(text))
    for n, row in enumerate(reader, 1):
        if not row or (n == 1 and row[0].strip().lower() == "date"):
            continue
        where = f"{source}, line {n}"
        if len(row) < 2:
            raise HabitError(f"{where}: expected 'date,value'; is the file truncated?")
        day, raw, note = row[0].strip(), row[1].strip(), (row[2] if len(row) > 2 else "")
        if numerical:
            if raw.upper() in ("UNKNOWN", "SKIP", "-1", ""):
                if raw.upper() == "SKIP":
                    out.append(_checkin(day, None, True, note, where))
                continue
            try:
                value = float(raw) if "." in raw else int(raw) / 1000
            except ValueError:
                raise HabitError(f"{where}: value '{raw}' is not a number") from None
            out.append(_checkin(day, value, False, note, where))
        elif raw.upper() in LOOP_YES:
            out.append(_checkin(day, 1.0, False, note, where))
        elif raw.upper() in LOOP_SKIP:
            out.append(_checkin(day, None, True, note, where))
        elif raw.upper() not in LOOP_IGNORE:
            raise HabitError(f"{where}: unknown check-in value '{raw}'")
    return out


# ----- shared -----------------------------------------------------------------
def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HabitError(f"{source} is not UTF-8 text (bad byte at offset {exc.start})") from None


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise HabitError(f"{path} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
        return _decode(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise HabitError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise HabitError(f"{path} is a directory") from None
    except OSError as exc:
        raise HabitError(f"cannot read {path}: {exc.strerror}") from None


def _fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            out[name] = check_field(name, value)
        except DomainError as exc:
            raise HabitError(f"{where}: {exc}") from None
    if "name" not in out:
        raise HabitError(f"{where}: a habit without a name")
    return out


def _checkin(day: Any, value: Any, skipped: Any, note: Any, where: str) -> CheckIn:
    try:
        return checkin_from_view(day, value, skipped, note)
    except DomainError as exc:
        raise HabitError(f"{where}: {exc}") from None


def _int(raw: str | None, default: int) -> int:
    try:
        return int(float(raw or ""))
    except ValueError:
        return default


def _float(raw: str | None, default: float) -> float:
    try:
        return float(raw or "")
    except ValueError:
        return default
