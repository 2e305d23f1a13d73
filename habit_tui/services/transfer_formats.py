"""Reading and writing export files: our JSON and CSV, and Loop Habit Tracker's CSV export.

Every reader returns :class:`Imported` records and validates everything before anything is
written, so a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from habit_tui.errors import HabitError
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.fields import HABIT_FIELDS, UNIT, check_field
from sync_protocol.domain.schedule import MAX_SPAN
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
    warnings: list[str] = field(default_factory=list)
    """What the file could not say (a habit with no check-ins in it, a target Loop did not write)."""


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


# ----- reading within bounds ---------------------------------------------------
_CHUNK = 1 << 20


class Budget:
    """The bytes one import may still read, all its files (and zip members, uncompressed) together.

    Bytes are counted as they arrive: ``st_size`` or a zip member's header may refuse a file early,
    but never let more through, so ``/dev/zero``, a FIFO, stdin or a zip bomb stop at the limit
    instead of filling memory.
    """

    def __init__(self, source: str, limit: int = MAX_IMPORT_BYTES) -> None:
        self.source = source
        self.limit = limit
        self.left = limit

    def too_large(self) -> HabitError:
        return HabitError(f"{self.source} is larger than {self.limit // (1024 * 1024)} MiB")

    def read(self, stream: IO[bytes], name: str, *, text: bool = True, head: bytes = b"") -> bytes:
        """Everything ``stream`` holds after ``head`` (bytes already read from it), within the budget.

        ``text``: refuse NUL bytes at once (no text export has them; ``/dev/zero`` is nothing else).
        """
        chunks = [head]
        size = len(head)
        while True:
            if text and b"\0" in chunks[-1]:
                offset = size - len(chunks[-1]) + chunks[-1].index(b"\0")
                raise HabitError(f"{name} is not a text file (a NUL byte at offset {offset})")
            self.left -= len(chunks[-1])
            if self.left < 0:
                raise self.too_large()
            chunk = stream.read(min(_CHUNK, self.left + 1))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)


@contextmanager
def open_source(path: Path, budget: Budget | None = None) -> Iterator[IO[bytes]]:
    """``path`` opened for reading, its failures as one clear error.

    A regular file larger than the ``budget`` is refused at once (its size is known); anything
    else (a FIFO, a device, stdin) is bounded as it is read.
    """
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise HabitError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise HabitError(f"{path} is a directory") from None
    except OSError as exc:
        raise HabitError(f"cannot read {path}: {exc.strerror}") from None
    with f:
        try:
            if budget is not None and path.is_file() and os.fstat(f.fileno()).st_size > budget.left:
                raise budget.too_large()
            yield f
        except OSError as exc:
            raise HabitError(f"cannot read {path}: {exc.strerror}") from None


# ----- Loop Habit Tracker -----------------------------------------------------
# Loop's check-in values: names since 2.3.1, numbers before (numerical habits: the value x 1000).
LOOP_YES = {"YES_MANUAL", "2"}
LOOP_SKIP = {"SKIP", "3"}
LOOP_NOT_DONE = {"YES_AUTO", "NO", "UNKNOWN", "1", "0", "-1", ""}
"""Not done: computed by Loop (YES_AUTO: the frequency was already met), no, or no data."""
LOOP_NUMBER_WORDS = {"NO": 0, "YES_AUTO": 1, "YES_MANUAL": 2}
"""How Loop 2.3.1+ writes a numerical habit's raw values 0, 1 and 2 (thousandths)."""
LOOP_UNKNOWN = {"UNKNOWN", "-1", ""}
MAX_LOOP_DEPTH = 3
"""Loop's folder is read to this depth (Habits.csv, NNN Name/Checkmarks.csv, one folder above them)."""


class LoopFiles:
    """The files of a Loop export: its zip, its unpacked folder, or its Habits.csv (and the files beside it)."""

    def __init__(
        self,
        path: Path,
        budget: Budget | None = None,
        *,
        archive: zipfile.ZipFile | None = None,
        loaded: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.budget = budget or Budget(str(path))
        self._zip = archive
        self._loaded = loaded
        self._root = path if path.is_dir() else path.parent
        if archive is None and loaded is None and path.is_file() and zipfile.is_zipfile(path):
            self._zip = open_zip(path)

    def names(self) -> list[str]:
        if self._loaded is not None:
            return list(self._loaded)
        if self._zip is not None:
            return self._zip.namelist()
        out: list[str] = []
        self._walk(self._root, "", MAX_LOOP_DEPTH, out)
        return out

    def _walk(self, folder: Path, prefix: str, depth: int, out: list[str]) -> None:
        """The CSV files (regular files only) of ``folder`` and its folders, ``depth`` levels down."""
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return  # unreadable, or gone while we looked
        for p in entries:
            try:
                if p.is_symlink():
                    continue
                if p.is_dir():
                    if depth > 1:
                        self._walk(p, f"{prefix}{p.name}/", depth - 1, out)
                elif p.suffix.lower() == ".csv" and p.is_file():
                    out.append(prefix + p.name)
            except OSError:
                continue

    def read(self, name: str) -> str:
        if self._loaded is not None:
            return self._loaded[name]
        where = f"{self.path}:{name}"
        try:
            if self._zip is not None:
                info = self._zip.getinfo(name)
                if info.file_size > self.budget.left:
                    raise self.budget.too_large()
                with self._zip.open(info) as member:
                    data = self.budget.read(member, where)
            else:
                with (self._root / name).open("rb") as f:
                    data = self.budget.read(f, where)
        except (OSError, KeyError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise HabitError(f"cannot read {name} in {self.path}: {exc}") from None
        return decode(data, where)


def open_zip(source: Path | IO[bytes], name: str | None = None) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise HabitError(f"{name or source} is not a readable zip file: {exc}") from None


def is_loop_habits_header(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.startswith(("Position,Name", '"Position","Name"'))


@dataclass(frozen=True, slots=True)
class _LoopEntry:
    """One line of a Loop check-in file: a day, Loop's value as written, its note."""

    where: str
    day: str
    raw: str
    note: str


def read_loop(files: LoopFiles) -> list[Imported]:
    """Every habit of a Loop export with its check-ins, from any version of Loop's CSV export.

    A habit's check-ins come from its ``NNN Name/Checkmarks.csv`` (with notes) or, when the export
    has no such folder, from its column in the root ``Checkmarks.csv``. Nothing is lost: a day
    not done but with a note is kept as a check-in of value 0 with the note, and a numerical
    habit's 0 (written ``NO``) is kept as 0.
    """
    names = files.names()
    habits_csv = min((n for n in names if n.rsplit("/", 1)[-1] == "Habits.csv"), key=len, default=None)
    if habits_csv is None:
        raise HabitError(f"{files.path} has no Habits.csv: not a Loop Habit Tracker export")
    base = habits_csv[: -len("Habits.csv")]
    reader = csv.DictReader(io.StringIO(files.read(habits_csv)))
    rows = list(reader)
    typed = "Type" in (reader.fieldnames or [])  # Loop 2.3.1+
    root_name = f"{base}Checkmarks.csv"
    root: dict[int, list[_LoopEntry]] | None = None
    out: list[Imported] = []
    for index, row in enumerate(rows):
        where = f"{habits_csv}, line {index + 2}"
        raw_name = row.get("Name") or ""
        name = raw_name.strip()
        if not name:
            raise HabitError(f"{where}: a habit without a name")
        folder = _loop_folder(names, base, row.get("Position") or "", name)
        warnings: list[str] = []
        if folder is not None:
            entries = _loop_entries(files.read(folder), folder)
        elif root_name in names:
            if root is None:
                root = _loop_root_entries(files.read(root_name), root_name, [r.get("Name") or "" for r in rows])
            entries = root.get(index, [])
        else:
            entries = []
            warnings.append(f"'{name}': the export holds no check-ins for it")
        if typed:
            numerical = (row.get("Type") or "").strip().upper() == "NUMERICAL"
        else:
            numerical = any(_loop_number(e.raw) not in (None, -1, 0, 1, 2, 3) for e in entries)
            if numerical:
                warnings.append(
                    f"'{name}': Loop's exports before 2.3.1 do not say a numerical habit's target or unit; "
                    f"set them with habit edit"
                )
        raw: dict[str, Any] = {
            "name": name,
            "description": " ".join(
                x for x in ((row.get("Question") or "").strip(), (row.get("Description") or "").strip()) if x
            ),
            "schedule": _loop_schedule(row),
            "archived": (row.get("Archived?") or "").strip().lower() in ("true", "1", "yes"),
            "position": _int(row.get("Position"), index),
            "kind": "measurable" if numerical else "yes_no",
        }
        color = (row.get("Color") or "").strip()
        if color.startswith("#") and len(color) == 7:
            raw["color"] = color.lower()
        if numerical and typed:
            raw["unit"] = (row.get("Unit") or "").strip()[: UNIT.max_length]  # Loop allows longer units
            raw["target"] = _float(row.get("Target Value"), 1.0)
            raw["target_type"] = (
                "at_most" if (row.get("Target Type") or "").strip().upper() == "AT_MOST" else "at_least"
            )
        imported = Imported(None, _fields(raw, where), warnings=warnings)
        imported.checkins = [c for e in entries if (c := _loop_checkin(e, numerical)) is not None]
        dates = [c.date for c in imported.checkins]
        if dates:
            imported.fields["start_date"] = min(dates).isoformat()
        out.append(imported)
    return out


def _loop_schedule(row: dict[str, str]) -> str:
    """Loop's frequency (``numerator`` times in ``denominator`` days) in our schedule grammar."""
    num = _int(row.get("FrequencyNumerator") or row.get("NumRepetitions"), 1)
    den = _int(row.get("FrequencyDenominator") or row.get("Interval"), 1)
    num, den = max(1, num), max(1, den)
    if num >= den:
        return "daily"
    if den == 7:
        return f"{num}/week"
    if den in (30, 31):
        return f"{num}/month"
    if den > MAX_SPAN:  # beyond what Loop's screens offer: keep the rate
        num, den = max(1, round(num * MAX_SPAN / den)), MAX_SPAN
    if num == 1:
        return f"every {den} days"
    return f"{num} in {den} days"


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


def _loop_entries(text: str, source: str) -> list[_LoopEntry]:
    """A habit's ``Checkmarks.csv``: ``Date,Value,Notes`` (2.3.1+) or ``date,value`` lines (before)."""
    out: list[_LoopEntry] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or (n == 1 and row[0].strip().lower() == "date"):
            continue
        where = f"{source}, line {n}"
        if len(row) < 2:
            raise HabitError(f"{where}: expected 'date,value'; is the file truncated?")
        out.append(_LoopEntry(where, row[0].strip(), row[1].strip(), row[2] if len(row) > 2 else ""))
    return out


def _loop_root_entries(text: str, source: str, habit_names: list[str]) -> dict[int, list[_LoopEntry]]:
    """The root ``Checkmarks.csv``: a column per exported habit, keyed by the habit's row in Habits.csv.

    Loop writes the header's names as they are (a name may hold a comma), each followed by a
    comma, so the columns are matched to Habits.csv's names rather than split on commas.
    """
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Date,"):
        raise HabitError(f"{source}: expected a header 'Date,<habit>,...'")
    columns = _root_columns(lines[0][len("Date,") :], habit_names, source)
    out: dict[int, list[_LoopEntry]] = {index: [] for index in columns}
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = line.split(",")
        if cells and cells[-1] == "":
            cells.pop()
        where = f"{source}, line {n}"
        if len(cells) != len(columns) + 1:
            raise HabitError(f"{where}: expected {len(columns) + 1} values, found {len(cells)}; is the file truncated?")
        for index, raw in zip(columns, cells[1:], strict=True):
            out[index].append(_LoopEntry(where, cells[0].strip(), raw.strip(), ""))
    return out


def _root_columns(header: str, habit_names: list[str], source: str) -> list[int]:
    """The Habits.csv row of each column named in ``header`` (``Name,Other name,``), in order."""
    columns: list[int] = []
    rest = header
    while rest not in ("", ","):
        taken = set(columns)
        fits = [i for i, name in enumerate(habit_names) if i not in taken and (rest + ",").startswith(name + ",")]
        if not fits:
            raise HabitError(f"{source}: its columns do not match the habits of Habits.csv")
        index = max(fits, key=lambda i: (len(habit_names[i]), -i))  # the longest name, then the first habit
        columns.append(index)
        rest = rest[len(habit_names[index]) + 1 :]
    return columns


def _loop_number(raw: str) -> int | None:
    """Loop's integer value as written (``YES_MANUAL`` -> 2), or None for a decimal or a word it never writes."""
    word = raw.upper()
    if word in LOOP_NUMBER_WORDS:
        return LOOP_NUMBER_WORDS[word]
    if word == "SKIP":
        return 3
    if word in LOOP_UNKNOWN:
        return -1
    try:
        return int(raw)
    except ValueError:
        return None


def _loop_checkin(e: _LoopEntry, numerical: bool) -> CheckIn | None:
    word = e.raw.upper()
    if word in LOOP_SKIP:
        return _checkin(e.day, None, True, e.note, e.where)
    if numerical:
        if word in LOOP_UNKNOWN:
            value: float | None = None
        elif word in LOOP_NUMBER_WORDS:
            value = LOOP_NUMBER_WORDS[word] / 1000
        else:
            try:
                value = float(e.raw) if "." in e.raw else int(e.raw) / 1000
            except ValueError:
                raise HabitError(f"{e.where}: value '{e.raw}' is not a number") from None
    elif word in LOOP_YES:
        value = 1.0
    elif word in LOOP_NOT_DONE:
        value = None
    else:
        raise HabitError(f"{e.where}: unknown check-in value '{e.raw}'")
    if value is None:
        # Not done (or no data): kept only for its note, as a check-in of 0 that meets nothing.
        return _checkin(e.day, 0.0, False, e.note, e.where) if e.note.strip() else None
    return _checkin(e.day, value, False, e.note, e.where)


# ----- shared -----------------------------------------------------------------
def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HabitError(f"{source} is not UTF-8 text (bad byte at offset {exc.start})") from None


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
