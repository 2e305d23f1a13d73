"""The repository: domain objects out, events in.

Every change goes through :meth:`Store.record`, which writes the event to the outbox and
applies it to the materialised tables in the same transaction; events from other devices go
through :meth:`Store.apply` / :meth:`Store.apply_many`. Applying is an adapter around the one
merge planner (``sync_protocol.domain.merge.plan``): read the snapshot it needs, write its plan.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from habit_tui.errors import StoreError
from habit_tui.store.db import connect, explain
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.events import Event
from sync_protocol.domain.fields import HABIT_FIELDS, habit_from_row
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.ids import hlc_observe, hlc_tick, now_ms, uuid7
from sync_protocol.domain.merge import (
    Needs,
    Plan,
    Slot,
    Snapshot,
    StoredHabit,
    effects,
    needs,
    plan,
    stamps_from_column,
)
from sync_protocol.domain.stats import DayRow

_HABIT_COLUMNS = ", ".join(("id", *HABIT_FIELDS))
_EVENT_COLUMNS = "event_id, device_id, device_seq, hlc, kind, schema, payload"
REFUSED = 2
"""``events.pushed`` of an event the server refused for good (0: waiting, 1: pushed)."""
_CHUNK = 400
"""Keys per ``IN (...)`` query (SQLite allows a few thousand bound values at most)."""


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path, lock_timeout: float) -> None:
        self.conn = conn
        self.path = path
        self.lock_timeout = lock_timeout
        self._in_write = False

    @classmethod
    def open(cls, path: Path, lock_timeout: float = 5.0) -> Store:
        return cls(connect(path, lock_timeout), path, lock_timeout)

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

    def forget_meta(self, *keys: str) -> None:
        with self.write():
            self.conn.executemany("DELETE FROM meta WHERE key = ?", [(key,) for key in keys])

    @cached_property
    def device_id(self) -> str:
        """This replica's identity, made once when the database was created."""
        return self.meta("device_id")

    # ----- events --------------------------------------------------------------
    def record(self, kind: str, payload: dict[str, Any]) -> Event:
        """Make a local event and apply it, atomically. The caller may wrap several in ``write()``."""
        with self.write():
            seq = int(self.meta("device_seq", "0")) + 1
            hlc = hlc_tick(int(self.meta("hlc", "0")), now_ms())
            event = Event(uuid7(), self.device_id, seq, hlc, kind, payload)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('device_seq', ?)", (str(seq),))
            self._apply([event], local=True)
        return event

    def apply(self, event: Event) -> bool:
        """Apply an event from another device; False if it was already here."""
        return bool(self.apply_many([event]))

    def apply_many(self, events: Sequence[Event]) -> list[Event]:
        """Apply events from other devices in one transaction; returns the ones that were new here."""
        with self.write():
            return self._apply(events, local=False)

    def _apply(self, events: Iterable[Event], *, local: bool) -> list[Event]:
        fresh = [ev for ev in events if self._keep(ev, local)]
        if not fresh:
            return fresh
        # A local event's stamp was just ticked past the clock (record); remote ones advance it.
        clock = int(self.meta("hlc", "0"))
        for ev in fresh:
            clock = ev.hlc if local else hlc_observe(clock, ev.hlc)
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('hlc', ?)", (str(clock),))
        effs = effects(fresh)
        if effs:
            self._write_plan(plan(effs, self._snapshot(needs(effs))))
        return fresh

    def _keep(self, ev: Event, local: bool) -> bool:
        """Store the event unless it is already here (then it was applied before)."""
        cur = self.conn.execute(
            f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}, local) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (ev.event_id, ev.device_id, ev.device_seq, ev.hlc, ev.kind, ev.schema, _dumps(ev.payload), int(local)),
        )
        return cur.rowcount > 0

    def _snapshot(self, need: Needs) -> Snapshot:
        habits: dict[str, StoredHabit] = {}
        for ids in _chunks(need.habit_ids):
            marks = ", ".join("?" * len(ids))
            rows = self.conn.execute(
                f"SELECT id, created, deleted, stamps FROM habits WHERE id IN ({marks})",  # noqa: S608
                ids,
            )
            for hid, created, deleted, stamps in rows:
                habits[hid] = StoredHabit(bool(created), bool(deleted), stamps_from_column(stamps))
        checkins: dict[Slot, tuple[int, str, str]] = {}
        for slots in _chunks(need.slots):
            pairs = ", ".join("(?, ?)" for _ in slots)
            where = f"(habit_id, date) IN (VALUES {pairs})"
            rows = self.conn.execute(
                f"SELECT habit_id, date, hlc, device_id, event_id FROM checkins WHERE {where}",  # noqa: S608
                [part for slot in slots for part in slot],
            )
            for hid, day, hlc, device, event_id in rows:
                checkins[(hid, day)] = (int(hlc), device, event_id)
        return Snapshot(habits, checkins)

    def _write_plan(self, p: Plan) -> None:
        c = self.conn
        c.executemany("DELETE FROM stats_cache WHERE habit_id = ?", [(hid,) for hid in p.touched])
        c.executemany("DELETE FROM checkins WHERE habit_id = ?", [(hid,) for hid in p.purge])
        for h in p.habits:
            names = [*h.columns, "created", "deleted", "stamps"]
            values = [*h.columns.values(), h.created, h.deleted, h.stamps]
            if h.insert:
                marks = ", ".join("?" * (len(names) + 1))
                c.execute(f"INSERT INTO habits (id, {', '.join(names)}) VALUES ({marks})", (h.habit_id, *values))  # noqa: S608
            else:
                sets = ", ".join(f"{name} = ?" for name in names)
                c.execute(f"UPDATE habits SET {sets} WHERE id = ?", (*values, h.habit_id))  # noqa: S608
        c.executemany(
            "INSERT OR REPLACE INTO checkins"
            " (habit_id, date, day, value, skipped, note, cleared, hlc, device_id, event_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    w.habit_id,
                    w.date,
                    date.fromisoformat(w.date).toordinal(),
                    w.slot.value,
                    w.slot.skipped,
                    w.slot.note,
                    w.slot.cleared,
                    *w.stamp,
                )
                for w in p.checkins
            ],
        )

    def outbox(self, limit: int = 500, after_seq: int = 0) -> list[Event]:
        """Local events the server does not have yet, oldest first (after ``device_seq`` ``after_seq``)."""
        with self.reading():
            rows = self.conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events"  # noqa: S608
                " WHERE local = 1 AND pushed = 0 AND device_seq > ? ORDER BY device_seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [_event(r) for r in rows]

    # ----- sync bookkeeping ------------------------------------------------------
    def event_count(self) -> int:
        with self.reading():
            return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def outbox_count(self) -> int:
        with self.reading():
            return int(self.conn.execute("SELECT count(*) FROM events WHERE local = 1 AND pushed = 0").fetchone()[0])

    def mark_pushed(self, server_seqs: Mapping[str, int]) -> None:
        """The server holds these events now (``event_id`` -> its ``server_seq``)."""
        with self.write():
            self.conn.executemany(
                "UPDATE events SET pushed = 1, server_seq = ? WHERE event_id = ?",
                [(seq, eid) for eid, seq in server_seqs.items()],
            )

    def mark_refused(self, event_ids: Iterable[str]) -> None:
        """The server refused these events for good: they leave the outbox (kept, applied, not pushed)."""
        with self.write():
            self.conn.executemany(
                f"UPDATE events SET pushed = {REFUSED} WHERE event_id = ?",  # noqa: S608
                [(eid,) for eid in event_ids],
            )

    def apply_page(self, events: Sequence[Event], cursor_key: str, cursor: int) -> list[Event]:
        """Apply a pulled page and move the cursor in one transaction; returns the events that were new."""
        with self.write():
            fresh = self._apply(events, local=False)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (cursor_key, str(cursor)))
        return fresh

    def events_after(self, rowid: int, limit: int) -> list[tuple[int, Event]]:
        """Every event held, local or pulled, in the order it was stored here (for re-pushing them all)."""
        with self.reading():
            rows = self.conn.execute(
                f"SELECT rowid, {_EVENT_COLUMNS} FROM events WHERE rowid > ? ORDER BY rowid LIMIT ?",  # noqa: S608
                (rowid, limit),
            ).fetchall()
        return [(int(r[0]), _event(r[1:])) for r in rows]

    def events(self) -> list[Event]:
        """Every event this replica holds, in the order it would replay them."""
        with self.reading():
            rows = self.conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY hlc, device_id"  # noqa: S608
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
        return self._one("id = ?", habit_id)

    def habit_named(self, name: str) -> Habit | None:
        """The live habit called exactly ``name`` (names are unique), archived or not."""
        return self._one("name = ?", name)

    def _one(self, where: str, value: str) -> Habit | None:
        with self.reading():
            row = self.conn.execute(
                f"SELECT {_HABIT_COLUMNS} FROM habits WHERE {where} AND created = 1 AND deleted = 0",  # noqa: S608
                (value,),
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
    def cached_stats(self, day: int, version: int, habit_id: str | None = None) -> dict[str, str]:
        """Stats computed earlier for this day by this algorithm version, per habit (JSON text)."""
        sql = "SELECT habit_id, data FROM stats_cache WHERE day = ? AND version = ?"
        args: tuple[object, ...] = (day, version)
        if habit_id is not None:
            sql, args = sql + " AND habit_id = ?", (*args, habit_id)
        with self.reading():
            rows = self.conn.execute(sql, args).fetchall()
        return dict(rows)

    def cache_stats_now(self, day: int, version: int, items: dict[str, str]) -> None:
        """Store computed stats inside the write transaction that is open (they match what it wrote)."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO stats_cache VALUES (?, ?, ?, ?)",
            [(hid, day, version, data) for hid, data in items.items()],
        )

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
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")

    # ----- announced milestones (this device only) ----------------------------------
    def announce(self, habit_id: str, key: tuple[str, int, str]) -> bool:
        """Record that a milestone (``Milestone.key``) was announced; False if it already was."""
        with self.write():
            cur = self.conn.execute("INSERT OR IGNORE INTO announced VALUES (?, ?, ?, ?)", (habit_id, *key))
        return cur.rowcount > 0

    def is_deleted(self, habit_id: str) -> bool:
        with self.reading():
            row = self.conn.execute("SELECT deleted FROM habits WHERE id = ?", (habit_id,)).fetchone()
        return bool(row and row[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits (for watching the database)."""
        with self.reading():
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _habit(r: Sequence[Any]) -> Habit:
    """A habit from ``SELECT {_HABIT_COLUMNS}``: the id, then each field by name."""
    return habit_from_row(r[0], dict(zip(HABIT_FIELDS, r[1:], strict=True)), date.today())


def _event(r: tuple[Any, ...]) -> Event:
    try:
        payload = json.loads(r[6])
    except ValueError as exc:
        raise StoreError(f"event {r[0]} in the database is damaged") from exc
    return Event(r[0], r[1], int(r[2]), int(r[3]), r[4], payload, int(r[5]))
