"""The statements of a log write, behind one interface with two implementations.

:class:`CoreTx` runs them through SQLAlchemy Core on any database (SQLite, and REST writes on
PostgreSQL). :class:`PgTx` runs the same statements straight on the asyncpg connection: a sync
push is the server's hottest path and SQLAlchemy's per-statement cost is most of its CPU time.
The merge itself (``materialise``) is written once, against :class:`LogTx`; the tests run every
push scenario on both implementations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import CHECKINS, EVENTS, HABITS, USERS
from sync_protocol.domain.events import HABIT_FIELDS

E, H, C, U = EVENTS, HABITS, CHECKINS, USERS

EventIdentity = tuple[str, int, int, str]
"""(device_id, device_seq, hlc, kind): what must match for a re-pushed event_id to be a duplicate."""
HabitState = tuple[str, bool, bool, str]
"""(habit id, created, deleted, stamps JSON)."""
Slot = tuple[str, str]
"""(habit id, date)."""


@dataclass
class Locked:
    """The user's log head and clock, read under the row lock."""

    head: int
    clock: int


class LogTx(Protocol):
    async def lock(self, user_id: uuid.UUID) -> Locked | None: ...
    async def known(self, user_id: uuid.UUID, ids: list[str]) -> dict[str, tuple[int, EventIdentity]]: ...
    async def insert_events(self, rows: list[dict[str, Any]]) -> None: ...
    async def move_head(self, user_id: uuid.UUID, head: int, clock: int) -> None: ...
    async def habits(self, user_id: uuid.UUID, ids: list[str]) -> list[HabitState]: ...
    async def checkin_stamps(self, user_id: uuid.UUID, slots: list[Slot]) -> dict[Slot, tuple[int, str, str]]: ...
    async def insert_habits(self, rows: list[dict[str, Any]]) -> None: ...
    async def update_habit(self, user_id: uuid.UUID, habit_id: str, values: dict[str, Any]) -> None: ...
    async def delete_checkins(self, user_id: uuid.UUID, habit_ids: list[str]) -> None: ...
    async def upsert_checkins(self, rows: list[dict[str, Any]], existing: set[Slot]) -> None: ...


# ----- SQLAlchemy Core --------------------------------------------------------------------------
# On SQLite the first statement of a write must be a write: it takes the database's writer lock
# at once (waiting for it), where a read first could not upgrade its lock later.
_LOCK_SQLITE = (
    update(U).where(U.c.id == bindparam("user_id")).values(head_seq=U.c.head_seq).returning(U.c.head_seq, U.c.clock)
)
_LOCK = select(U.c.head_seq, U.c.clock).where(U.c.id == bindparam("user_id")).with_for_update()
_MOVE_HEAD = update(U).where(U.c.id == bindparam("user_id")).values(head_seq=bindparam("head"), clock=bindparam("clk"))
_KNOWN = select(E.c.event_id, E.c.server_seq, E.c.device_id, E.c.device_seq, E.c.hlc, E.c.kind).where(
    E.c.user_id == bindparam("user_id"), E.c.event_id.in_(bindparam("ids", expanding=True))
)
_HABITS = select(H.c.id, H.c.created, H.c.deleted, H.c.stamps).where(
    H.c.user_id == bindparam("user_id"), H.c.id.in_(bindparam("ids", expanding=True))
)


class CoreTx:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lock(self, user_id: uuid.UUID) -> Locked | None:
        stmt = _LOCK_SQLITE if self.conn.dialect.name == "sqlite" else _LOCK
        row = (await self.conn.execute(stmt, {"user_id": user_id})).first()
        return Locked(int(row[0]), int(row[1])) if row else None

    async def known(self, user_id: uuid.UUID, ids: list[str]) -> dict[str, tuple[int, EventIdentity]]:
        rows = await self.conn.execute(_KNOWN, {"user_id": user_id, "ids": ids})
        return {r[0]: (int(r[1]), (r[2], int(r[3]), int(r[4]), r[5])) for r in rows}

    async def insert_events(self, rows: list[dict[str, Any]]) -> None:
        await self.conn.execute(insert(E), rows)

    async def move_head(self, user_id: uuid.UUID, head: int, clock: int) -> None:
        await self.conn.execute(_MOVE_HEAD, {"user_id": user_id, "head": head, "clk": clock})

    async def habits(self, user_id: uuid.UUID, ids: list[str]) -> list[HabitState]:
        rows = await self.conn.execute(_HABITS, {"user_id": user_id, "ids": ids})
        return [(r[0], bool(r[1]), bool(r[2]), r[3]) for r in rows]

    async def checkin_stamps(self, user_id: uuid.UUID, slots: list[Slot]) -> dict[Slot, tuple[int, str, str]]:
        rows = await self.conn.execute(
            select(C.c.habit_id, C.c.date, C.c.hlc, C.c.device_id, C.c.event_id).where(
                C.c.user_id == user_id, tuple_(C.c.habit_id, C.c.date).in_(slots)
            )
        )
        return {(h, d): (int(hlc), dev, eid) for h, d, hlc, dev, eid in rows}

    async def insert_habits(self, rows: list[dict[str, Any]]) -> None:
        await self.conn.execute(insert(H), rows)

    async def update_habit(self, user_id: uuid.UUID, habit_id: str, values: dict[str, Any]) -> None:
        await self.conn.execute(update(H).where(H.c.user_id == user_id, H.c.id == habit_id).values(**values))

    async def delete_checkins(self, user_id: uuid.UUID, habit_ids: list[str]) -> None:
        await self.conn.execute(delete(C).where(C.c.user_id == user_id, C.c.habit_id.in_(habit_ids)))

    async def upsert_checkins(self, rows: list[dict[str, Any]], existing: set[Slot]) -> None:
        fresh = [r for r in rows if (r["habit_id"], r["date"]) not in existing]
        for r in rows:
            if (r["habit_id"], r["date"]) in existing:
                values = {k: v for k, v in r.items() if k not in ("user_id", "habit_id", "date")}
                await self.conn.execute(
                    update(C)
                    .where(C.c.user_id == r["user_id"], C.c.habit_id == r["habit_id"], C.c.date == r["date"])
                    .values(**values)
                )
        if fresh:
            await self.conn.execute(insert(C), fresh)


# ----- asyncpg ----------------------------------------------------------------------------------
_EVENT_COLUMNS = ("user_id", "server_seq", "event_id", "device_id", "device_seq", "hlc", "kind", "schema", "payload")
_HABIT_COLUMNS = ("user_id", "id", *HABIT_FIELDS, "created", "deleted", "stamps")
_CHECKIN_COLUMNS = (
    "user_id",
    "habit_id",
    "date",
    "value",
    "skipped",
    "note",
    "cleared",
    "hlc",
    "device_id",
    "event_id",
)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - fixed names


_PG_INSERT_EVENTS = (
    "INSERT INTO events (user_id, server_seq, event_id, device_id, device_seq, hlc, kind, schema, payload, received_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())"
)
_PG_INSERT_HABIT = _insert_sql("habits", _HABIT_COLUMNS)
_PG_UPSERT_CHECKIN = _insert_sql("checkins", _CHECKIN_COLUMNS) + (
    " ON CONFLICT (user_id, habit_id, date) DO UPDATE SET value = excluded.value, skipped = excluded.skipped,"
    " note = excluded.note, cleared = excluded.cleared, hlc = excluded.hlc, device_id = excluded.device_id,"
    " event_id = excluded.event_id"
)


class PgTx:
    """The same statements on a raw asyncpg connection, inside a transaction the caller opened."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def lock(self, user_id: uuid.UUID) -> Locked | None:
        row = await self.raw.fetchrow("SELECT head_seq, clock FROM users WHERE id = $1 FOR UPDATE", user_id)
        return Locked(int(row[0]), int(row[1])) if row else None

    async def known(self, user_id: uuid.UUID, ids: list[str]) -> dict[str, tuple[int, EventIdentity]]:
        rows = await self.raw.fetch(
            "SELECT event_id, server_seq, device_id, device_seq, hlc, kind FROM events"
            " WHERE user_id = $1 AND event_id = ANY($2::text[])",
            user_id,
            ids,
        )
        return {r[0]: (int(r[1]), (r[2], int(r[3]), int(r[4]), r[5])) for r in rows}

    async def insert_events(self, rows: list[dict[str, Any]]) -> None:
        await self.raw.executemany(_PG_INSERT_EVENTS, [tuple(r[c] for c in _EVENT_COLUMNS) for r in rows])

    async def move_head(self, user_id: uuid.UUID, head: int, clock: int) -> None:
        await self.raw.execute("UPDATE users SET head_seq = $2, clock = $3 WHERE id = $1", user_id, head, clock)

    async def habits(self, user_id: uuid.UUID, ids: list[str]) -> list[HabitState]:
        rows = await self.raw.fetch(
            "SELECT id, created, deleted, stamps FROM habits WHERE user_id = $1 AND id = ANY($2::text[])", user_id, ids
        )
        return [(r[0], bool(r[1]), bool(r[2]), r[3]) for r in rows]

    async def checkin_stamps(self, user_id: uuid.UUID, slots: list[Slot]) -> dict[Slot, tuple[int, str, str]]:
        rows = await self.raw.fetch(
            "SELECT c.habit_id, c.date, c.hlc, c.device_id, c.event_id FROM checkins c"
            " JOIN unnest($2::text[], $3::text[]) AS s(habit_id, date) ON s.habit_id = c.habit_id AND s.date = c.date"
            " WHERE c.user_id = $1",
            user_id,
            [s[0] for s in slots],
            [s[1] for s in slots],
        )
        return {(r[0], r[1]): (int(r[2]), r[3], r[4]) for r in rows}

    async def insert_habits(self, rows: list[dict[str, Any]]) -> None:
        await self.raw.executemany(_PG_INSERT_HABIT, [tuple(r[c] for c in _HABIT_COLUMNS) for r in rows])

    async def update_habit(self, user_id: uuid.UUID, habit_id: str, values: dict[str, Any]) -> None:
        names = list(values)
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=3))
        await self.raw.execute(
            f"UPDATE habits SET {assignments} WHERE user_id = $1 AND id = $2",  # noqa: S608 - names are columns
            user_id,
            habit_id,
            *(values[n] for n in names),
        )

    async def delete_checkins(self, user_id: uuid.UUID, habit_ids: list[str]) -> None:
        await self.raw.execute(
            "DELETE FROM checkins WHERE user_id = $1 AND habit_id = ANY($2::text[])", user_id, habit_ids
        )

    async def upsert_checkins(self, rows: list[dict[str, Any]], existing: set[Slot]) -> None:
        await self.raw.executemany(_PG_UPSERT_CHECKIN, [tuple(r[c] for c in _CHECKIN_COLUMNS) for r in rows])
