"""The repository: domain objects out, events in.

Every change goes through :meth:`Store.record`, which writes the event to the outbox and
applies it to the materialised tables in the same transaction; events from other devices go
through :meth:`Store.apply` with the same merge rule (``sync_protocol.domain.merge``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from habit_tui.errors import StoreError
from habit_tui.store.db import busy_timeout, connect, explain
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.events import Event, Stamp
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.ids import hlc_observe, hlc_tick, now_ms, uuid7
from sync_protocol.domain.merge import effect_of, wins
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import DayRow

_HABIT_COLUMNS = (
    "id, name, description, kind, unit, target, target_type, schedule, tags, color, position, archived, start_date"
)


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._in_write = False

    @classmethod
    def open(cls, path: Path) -> Store:
        return cls(connect(path), path)

    def close(self) -> None:
        self.conn.close()

    # ----- transactions --------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction (taken at once, so racing writers queue instead of deadlocking)."""
        if self._in_write:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        self._in_write = True
        try:
            yield
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise explain(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_write = False

    def _rollback(self) -> None:
        with suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")

    @contextmanager
    def reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    # ----- meta ----------------------------------------------------------------
    def meta(self, key: str, default: str = "") -> str:
        with self.reading():
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.write():
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @cached_property
    def device_id(self) -> str:
        """This replica's identity, made once when the database was created."""
        return self.meta("device_id")

    # ----- events --------------------------------------------------------------
    def record(self, kind: str, payload: dict[str, Any]) -> Event:
        """Make a local event and apply it, atomically. The caller may wrap several in ``write()``."""
        with self.write():
            seq = int(self.meta("device_seq", "0")) + 1
            clock = int(self.meta("hlc", "0"))
            hlc = hlc_tick(clock, now_ms())
            event = Event(uuid7(), self.device_id, seq, hlc, kind, payload)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('device_seq', ?)", (str(seq),))
            self._apply(event, local=True)
        return event

    def apply(self, event: Event) -> bool:
        """Apply an event from another device; False if it was already here."""
        with self.write():
            return self._apply(event, local=False)

    def _apply(self, ev: Event, *, local: bool) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO events (event_id, device_id, device_seq, hlc, kind, schema, payload, local)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (ev.event_id, ev.device_id, ev.device_seq, ev.hlc, ev.kind, ev.schema, _dumps(ev.payload), int(local)),
        )
        if cur.rowcount == 0:
            return False
        # A local event's stamp was just ticked past the clock (record); a remote one advances it.
        clock = ev.hlc if local else hlc_observe(int(self.meta("hlc", "0")), ev.hlc)
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('hlc', ?)", (str(clock),))
        eff = effect_of(ev)
        if eff is None:
            return True
        hid = eff.habit_id
        self.conn.execute("DELETE FROM stats_cache WHERE habit_id = ?", (hid,))
        row = self.conn.execute("SELECT stamps, deleted FROM habits WHERE id = ?", (hid,)).fetchone()
        if row is None:
            self.conn.execute("INSERT INTO habits (id) VALUES (?)", (hid,))
            stamps: dict[str, list[Any]] = {}
            deleted = False
        else:
            stamps = json.loads(row[0])
            deleted = bool(row[1])
        if deleted:
            return True
        if eff.deletes:
            self.conn.execute("UPDATE habits SET deleted = 1 WHERE id = ?", (hid,))
            self.conn.execute("DELETE FROM checkins WHERE habit_id = ?", (hid,))
            return True
        if eff.creates:
            self.conn.execute("UPDATE habits SET created = 1 WHERE id = ?", (hid,))
        changed: dict[str, Any] = {}
        for name, value in eff.fields.items():
            old = stamps.get(name)
            if wins(ev.stamp, _stamp(old) if old else None):
                stamps[name] = list(ev.stamp)
                changed[name] = _column_value(name, value)
        if changed:
            assignments = ", ".join(f"{name} = ?" for name in changed)
            self.conn.execute(
                f"UPDATE habits SET {assignments}, stamps = ? WHERE id = ?",  # noqa: S608 - names from HABIT_FIELDS
                (*changed.values(), _dumps(stamps), hid),
            )
        if eff.checkin is not None and eff.checkin_date is not None:
            old_c = self.conn.execute(
                "SELECT hlc, device_id, event_id FROM checkins WHERE habit_id = ? AND date = ?",
                (hid, eff.checkin_date),
            ).fetchone()
            if wins(ev.stamp, _stamp(old_c) if old_c else None):
                c = eff.checkin
                self.conn.execute(
                    "INSERT OR REPLACE INTO checkins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        hid,
                        eff.checkin_date,
                        date.fromisoformat(eff.checkin_date).toordinal(),
                        c.value,
                        int(c.skipped),
                        c.note,
                        int(c.cleared),
                        *ev.stamp,
                    ),
                )
        return True

    def outbox(self, limit: int = 500) -> list[Event]:
        with self.reading():
            rows = self.conn.execute(
                "SELECT event_id, device_id, device_seq, hlc, kind, schema, payload FROM events"
                " WHERE local = 1 AND pushed = 0 ORDER BY device_seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [_event(r) for r in rows]

    def events(self) -> list[Event]:
        """Every event this replica holds, in the order it would replay them."""
        with self.reading():
            rows = self.conn.execute(
                "SELECT event_id, device_id, device_seq, hlc, kind, schema, payload FROM events ORDER BY hlc, device_id"
            ).fetchall()
        return [_event(r) for r in rows]

    # ----- reads ---------------------------------------------------------------
    def habits(self, *, include_archived: bool = False) -> list[Habit]:
        where = "created = 1 AND deleted = 0" + ("" if include_archived else " AND archived = 0")
        with self.reading():
            rows = self.conn.execute(
                f"SELECT {_HABIT_COLUMNS} FROM habits WHERE {where} ORDER BY position, name COLLATE NOCASE, id"  # noqa: S608
            ).fetchall()
        return [_habit(r) for r in rows]

    def habit(self, habit_id: str) -> Habit | None:
        with self.reading():
            row = self.conn.execute(
                f"SELECT {_HABIT_COLUMNS} FROM habits WHERE id = ? AND created = 1 AND deleted = 0",  # noqa: S608
                (habit_id,),
            ).fetchone()
        return _habit(row) if row else None

    def checkins(self, habit_id: str) -> list[CheckIn]:
        with self.reading():
            rows = self.conn.execute(
                "SELECT date, value, skipped, note FROM checkins WHERE habit_id = ? AND cleared = 0 ORDER BY date",
                (habit_id,),
            ).fetchall()
        return [CheckIn(date.fromisoformat(d), v, bool(s), n) for d, v, s, n in rows]

    def checkins_between(self, first: date, last: date, habit_id: str | None = None) -> dict[str, dict[date, CheckIn]]:
        """Check-ins from ``first`` to ``last`` (inclusive), per habit and day, in one query."""
        sql = "SELECT habit_id, date, value, skipped, note FROM checkins WHERE cleared = 0 AND day BETWEEN ? AND ?"
        args: tuple[object, ...] = (first.toordinal(), last.toordinal())
        if habit_id is not None:
            sql += " AND habit_id = ?"
            args = (*args, habit_id)
        out: dict[str, dict[date, CheckIn]] = {}
        with self.reading():
            for hid, d, v, s, n in self.conn.execute(sql, args):
                day = date.fromisoformat(d)
                out.setdefault(hid, {})[day] = CheckIn(day, v, bool(s), n)
        return out

    def checkin(self, habit_id: str, day: date) -> CheckIn | None:
        with self.reading():
            row = self.conn.execute(
                "SELECT date, value, skipped, note FROM checkins WHERE habit_id = ? AND date = ? AND cleared = 0",
                (habit_id, day.isoformat()),
            ).fetchone()
        return CheckIn(date.fromisoformat(row[0]), row[1], bool(row[2]), row[3]) if row else None

    def day_rows(self, habit_id: str | None = None) -> dict[str, list[DayRow]]:
        """Check-ins reduced for evaluation, per habit (one query for all habits)."""
        sql = (
            "SELECT habit_id, day, value, skipped FROM checkins WHERE cleared = 0"
            " AND habit_id IN (SELECT id FROM habits WHERE created = 1 AND deleted = 0)"
        )
        args: tuple[str, ...] = ()
        if habit_id is not None:
            sql += " AND habit_id = ?"
            args = (habit_id,)
        out: dict[str, list[DayRow]] = {}
        current = ""
        bucket: list[DayRow] = []
        with self.reading():
            for hid, o, v, s in self.conn.execute(sql, args):
                if hid != current:
                    current = hid
                    bucket = out.setdefault(hid, [])
                bucket.append((o, v, s))
        return out

    def all_checkins(self) -> dict[str, list[CheckIn]]:
        out: dict[str, list[CheckIn]] = {}
        with self.reading():
            rows = self.conn.execute(
                "SELECT habit_id, date, value, skipped, note FROM checkins WHERE cleared = 0"
                " AND habit_id IN (SELECT id FROM habits WHERE created = 1 AND deleted = 0) ORDER BY habit_id, date"
            )
            for hid, d, v, s, n in rows:
                out.setdefault(hid, []).append(CheckIn(date.fromisoformat(d), v, bool(s), n))
        return out

    # ----- computed-stats cache --------------------------------------------------
    def cached_stats(self, day: int, version: int) -> dict[str, str]:
        """Stats computed earlier for this day by this algorithm version, per habit (JSON text)."""
        with self.reading():
            rows = self.conn.execute(
                "SELECT habit_id, data FROM stats_cache WHERE day = ? AND version = ?", (day, version)
            ).fetchall()
        return dict(rows)

    def cache_stats(self, day: int, version: int, items: dict[str, str]) -> None:
        """Best effort: store computed stats unless another writer holds the database right now."""
        if not items or self._in_write:
            return
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO stats_cache VALUES (?, ?, ?, ?)",
                    [(hid, day, version, data) for hid, data in items.items()],
                )
                self.conn.execute("COMMIT")
            except sqlite3.Error:
                self._rollback()
        except sqlite3.Error:
            pass  # locked or read-only: the numbers were computed anyway
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")

    def is_deleted(self, habit_id: str) -> bool:
        with self.reading():
            row = self.conn.execute("SELECT deleted FROM habits WHERE id = ?", (habit_id,)).fetchone()
        return bool(row and row[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits (for watching the database)."""
        with self.reading():
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _stamp(raw: Any) -> Stamp:
    return (int(raw[0]), str(raw[1]), str(raw[2]))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _column_value(name: str, value: Any) -> Any:
    if name == "tags":
        return _dumps(list(value))
    if name == "archived":
        return int(bool(value))
    return value


def _habit(r: tuple[Any, ...]) -> Habit:
    try:
        schedule = Schedule.parse(r[7])
    except ValueError:
        schedule = Schedule.parse("daily")
    return Habit(
        id=r[0],
        name=r[1],
        description=r[2],
        kind=HabitKind(r[3]),
        unit=r[4],
        target=float(r[5]),
        target_type=TargetType(r[6]),
        schedule=schedule,
        tags=tuple(json.loads(r[8])),
        color=r[9],
        position=int(r[10]),
        archived=bool(r[11]),
        start_date=date.fromisoformat(r[12]) if r[12] else date.today(),
    )


def _event(r: tuple[Any, ...]) -> Event:
    try:
        payload = json.loads(r[6])
    except ValueError as exc:
        raise StoreError(f"event {r[0]} in the database is damaged") from exc
    return Event(r[0], r[1], int(r[2]), int(r[3]), r[4], payload, int(r[5]))
