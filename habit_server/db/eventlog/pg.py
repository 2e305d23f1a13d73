"""The event log on raw asyncpg connections: the sync push in as few round trips as the merge allows.

A push first tries the *optimistic* way, two statements and no transaction: :data:`PEEK` reads
the head, the caller's standing and the rows the merge needs in one snapshot; then
:data:`WRITE_IF_HEAD` writes the events, the check-ins and the new head in one statement
(data-modifying CTEs over the rows sent as JSON) that only takes effect if the head is still the
one read. Every write moves the head under the user's row, so an unchanged head means nothing
the merge read has changed. When it has (another device of the same user got in first), or the
batch writes habit rows, the push takes the *locked* way: :class:`PgTx` inside a transaction,
where one statement (:data:`LOCK_AND_READ`) takes the row lock (``FOR UPDATE``) and reads. Its
sub-selects see the snapshot taken before the lock was granted, so they are trusted only when
the head they saw equals the locked row's head; otherwise they are read again.

The authentication of every request (:meth:`PgEventLog.principal`) also skips SQLAlchemy. REST
writes take the lock through SQLAlchemy (``core``) and merge on the same connection here.
Column lists are derived from the tables of ``habit_server.db.models``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, String, Table
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util.concurrency import greenlet_spawn

from habit_server.db.connections import Connections
from habit_server.db.engine import database_unavailable
from habit_server.db.eventlog.base import (
    Caller,
    D,
    Keys,
    LogSnapshot,
    Standing,
    Writes,
    checkin_values,
    dumps,
    event_rows,
    habit_values,
)
from habit_server.db.eventlog.core import (
    CHECKIN_ROW_COLUMNS,
    CHECKIN_STAMP_COLUMNS,
    HABIT_ROW_COLUMNS,
    HABIT_STATE_COLUMNS,
    KNOWN_COLUMNS,
    WHO,
    CoreEventLog,
    LogTx,
    caller_of,
    habit_state_of,
    snapshot_of,
)
from habit_server.db.eventlog.one_habit import (
    CheckinRow,
    HabitBuild,
    HabitPlan,
    HabitRecorded,
    HabitState,
    days_after,
    plan_habit_write,
)
from habit_server.db.models import CHECKINS, EVENTS, HABITS
from sync_protocol.domain.events import Stamp

log = logging.getLogger("habit_server.db")
T = TypeVar("T")


class Record(Protocol):
    """A row as asyncpg returns it."""

    def __getitem__(self, index: int) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class RawConnection(Protocol):
    """The methods of an asyncpg connection used here (asyncpg ships no type information)."""

    async def fetchrow(self, query: str, *args: Any) -> Record | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> str: ...

    async def executemany(self, command: str, args: Iterable[Sequence[Any]]) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    def is_closed(self) -> bool: ...


async def raw_connection(conn: AsyncConnection) -> RawConnection:
    """The asyncpg connection under a SQLAlchemy one (inside the transaction SQLAlchemy opened, if any)."""
    return cast(RawConnection, (await conn.get_raw_connection()).driver_connection)


def _idle(engine: AsyncEngine) -> PoolProxiedConnection | None:
    """An open connection idle in the engine's pool, taken without awaiting anything (None: none is).

    SQLAlchemy's connection wrapper, and the greenlet it runs the pool in, cost as much CPU as a
    short statement; when no connection is idle (every one busy, or one must be opened),
    ``engine.connect()`` waits for one, opens it and reports failures as SQLAlchemy errors.
    """
    pool = engine.sync_engine.pool
    if isinstance(pool, QueuePool) and pool.checkedin():
        with contextlib.suppress(MissingGreenlet):  # the idle one was invalidated: it must be reopened
            return pool.connect()
    return None


@contextlib.asynccontextmanager
async def _checked_out(engine: AsyncEngine) -> AsyncIterator[tuple[RawConnection, Callable[[], Awaitable[None]]]]:
    """A pooled connection's raw asyncpg connection, and what invalidates it (closes it, and keeps the
    pool from handing it out again): an idle one taken directly (:func:`_idle`), else through
    ``engine.connect()``."""
    fairy = _idle(engine)
    if fairy is None:
        async with engine.connect() as conn:
            yield await raw_connection(conn), conn.invalidate
        return
    try:
        yield cast(RawConnection, fairy.driver_connection), functools.partial(greenlet_spawn, fairy.invalidate)
    finally:
        if fairy.is_valid:
            fairy.close()  # its reset is a no-op: SQLAlchemy began no transaction on it
        else:
            await greenlet_spawn(fairy.close)


async def on_raw(db: Connections, work: Callable[[RawConnection], Awaitable[T]]) -> T:
    """Run ``work`` on a pooled connection's raw asyncpg connection, taken in its turn.

    The pool does not ping connections before use (a round trip per request), and work done on
    the raw connection is invisible to SQLAlchemy's disconnect detection; so when the connection
    turns out to be dead (PostgreSQL restarted: then every pooled one is), the pool is emptied and
    ``work`` runs once more on a fresh connection. ``work`` must be safe to repeat (a push is:
    events are idempotent by id).
    """
    for attempt in (1, 2):
        async with db.turn(), _checked_out(db.engine) as (raw, invalidate):
            try:
                return await work(raw)
            except Exception as exc:
                if attempt == 2 or not (database_unavailable(exc) or raw.is_closed()):
                    raise
                log.warning("database connection lost (%s); retrying on a new one", type(exc).__name__)
                await invalidate()
        await db.engine.dispose()
    raise AssertionError("unreachable")


# ----- statements --------------------------------------------------------------------------------
def _cols(alias: str, columns: Iterable[Column[Any]]) -> str:
    return ", ".join(f"{alias}.{c.name}" for c in columns)


def _sql_type(column: Column[Any]) -> str:
    """The PostgreSQL type a column's values are sent as."""
    kind = column.type
    if isinstance(kind, BigInteger):
        return "bigint"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Float):
        return "float8"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, String):  # Text too
        return "text"
    raise TypeError(f"no type for column {column.name} ({kind})")


def _insert_rows(table: Table, sent: Sequence[Column[Any]], param: int, fixed: dict[str, str]) -> str:
    """``INSERT INTO table (every column) SELECT ...`` from the updated user row ``u`` and the rows of
    the JSON parameter ``$param`` (an array of objects with the columns ``sent`` by name; one text
    parameter costs the driver far less than an array per column); ``fixed`` gives the other columns."""
    record = ", ".join(f"{c.name} {_sql_type(c)}" for c in sent)
    values = ", ".join(fixed.get(c.name, f"t.{c.name}") for c in table.columns)
    return (
        f"INSERT INTO {table.name} ({', '.join(c.name for c in table.columns)})"  # noqa: S608 - table columns
        f" SELECT {values} FROM u, json_to_recordset(${param}::json) AS t({record})"
    )


def _compiled(stmt: Any, names: Sequence[str]) -> str:
    """A SQLAlchemy statement as asyncpg text, its parameters ``$1..`` in the order of ``names``."""
    compiled = stmt.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
    assert list(compiled.positiontup) == list(names), compiled.positiontup
    return str(compiled)


_READS = (
    f"(SELECT json_agg(json_build_array({_cols('e', KNOWN_COLUMNS)}))"  # noqa: S608 - table columns
    " FROM unnest(:event_ids::text[]) AS k(event_id)"
    f" CROSS JOIN LATERAL (SELECT {_cols('e', KNOWN_COLUMNS)} FROM events e"
    " WHERE e.user_id = $1 AND e.event_id = k.event_id LIMIT 1) e),"
    f" (SELECT json_agg(json_build_array({_cols('h', HABIT_STATE_COLUMNS)}))"
    " FROM habits h WHERE h.user_id = $1 AND h.id = ANY(:habit_ids::text[])),"
    f" (SELECT json_agg(json_build_array({_cols('c', CHECKIN_STAMP_COLUMNS)}))"
    " FROM unnest(:slot_habits::text[], :slot_dates::text[]) AS k(habit_id, date)"
    f" CROSS JOIN LATERAL (SELECT {_cols('c', CHECKIN_STAMP_COLUMNS)} FROM checkins c"
    " WHERE c.user_id = $1 AND c.habit_id = k.habit_id AND c.date = k.date LIMIT 1) c)"
)
"""Sub-selects of the known events, habit stamps and check-in stamps; ``$1`` is the user.

Events and check-ins are looked up key by key, an index lookup each (``LIMIT 1`` keeps PostgreSQL
from turning the lookups into a join, which it would plan as a scan of all the user's rows when
its statistics are stale, as they are while a first sync fills the tables)."""


def _reads(first: int) -> str:
    """:data:`_READS` with its named markers numbered from ``$first``."""
    text = _READS
    for n, name in enumerate((":event_ids", ":habit_ids", ":slot_habits", ":slot_dates"), start=first):
        text = text.replace(name, f"${n}")
    return text


_STANDING = "u.head_seq, u.clock, u.disabled, d.id IS NOT NULL, d.revoked_at IS NOT NULL,"
_USER_AND_DEVICE = "FROM users u LEFT JOIN devices d ON d.id = $2 AND d.user_id = u.id WHERE u.id = $1"

LOCK_AND_READ = " ".join(
    [
        "SELECT",
        _STANDING,
        "(SELECT s.head_seq FROM users s WHERE s.id = $1),",
        _reads(3),
        _USER_AND_DEVICE,
        "FOR UPDATE OF u",
    ]
)
READ = " ".join(["SELECT", _reads(2)])
PEEK = " ".join(["SELECT", _STANDING, _reads(3), _USER_AND_DEVICE])
WHO_SQL = _compiled(WHO, ["user_id", "device_id"])

_EVENT_SENT = [c for c in EVENTS.columns if c.name not in ("user_id", "received_at")]
_CHECKIN_SENT = [c for c in CHECKINS.columns if c.name != "user_id"]
_CHECKIN_KEY = [c.name for c in CHECKINS.columns if c.primary_key]
_EVENT_FIXED = {"user_id": "u.id", "received_at": "now()"}
_CHECKIN_FIXED = {"user_id": "u.id"}


def _write_if_head(bump_device: bool) -> str:
    """The conditional write: ``$1`` the user, ``$2`` the new head, ``$3`` the clock, ``$4`` the head
    read, ``$5`` the events and ``$6`` the check-ins (JSON); with ``bump_device`` it also sets the
    caller's device's last ``device_seq`` (``$7`` the device, ``$8`` the number)."""
    device = ["dv AS (UPDATE devices SET event_seq = $8 FROM u WHERE devices.id = $7),"] if bump_device else []
    return " ".join(
        [
            "WITH u AS (UPDATE users SET head_seq = $2, clock = $3 WHERE id = $1 AND head_seq = $4 RETURNING id),",
            *device,
            f"ev AS ({_insert_rows(EVENTS, _EVENT_SENT, 5, _EVENT_FIXED)}),",
            f"ck AS ({_insert_rows(CHECKINS, _CHECKIN_SENT, 6, _CHECKIN_FIXED)}",
            f"ON CONFLICT ({', '.join(_CHECKIN_KEY)}) DO UPDATE SET",
            ", ".join(f"{c.name} = excluded.{c.name}" for c in CHECKINS.columns if not c.primary_key),
            ") SELECT count(*) FROM u",
        ]
    )


WRITE_IF_HEAD = _write_if_head(False)
WRITE_IF_HEAD_DEVICE = _write_if_head(True)
_HABIT_PEEK_COLUMNS = (*HABIT_ROW_COLUMNS, *HABIT_STATE_COLUMNS[1:])
_SLOT_STAMP_COLUMNS = (CHECKINS.c.date, CHECKINS.c.hlc, CHECKINS.c.device_id, CHECKINS.c.event_id)
_HABIT_PEEK_NAMES = [c.name for c in _HABIT_PEEK_COLUMNS]
HABIT_PEEK = " ".join(
    [
        "SELECT",
        _STANDING,
        "d.event_seq,",
        f"{_cols('h', _HABIT_PEEK_COLUMNS)},",
        "k.*, st.*",
        "FROM users u LEFT JOIN devices d ON d.id = $2 AND d.user_id = u.id",
        "LEFT JOIN habits h ON h.user_id = u.id AND h.id = $3",
        "CROSS JOIN LATERAL (SELECT",
        ", ".join(f"array_agg(c.{c.name})" for c in CHECKIN_ROW_COLUMNS),
        "FROM checkins c WHERE c.user_id = $1 AND c.habit_id = $3) k,",
        f"(SELECT json_agg(json_build_array({_cols('c', _SLOT_STAMP_COLUMNS)}))",
        "FROM checkins c WHERE c.user_id = $1 AND c.habit_id = $3 AND c.date = ANY($4::text[])) st",
        "WHERE u.id = $1",
    ]
)
"""A one-habit write's read: the standing, the device's last number, the habit's row, its check-in
slots as one array per column (decoded by asyncpg itself, much faster than JSON), and the stamps
of the slots of the days ``$4`` (those the write may touch: building every slot's stamp cost the
database more than the rest of the read)."""
LOCK_USER = "SELECT head_seq FROM users WHERE id = $1 FOR UPDATE"
INSERT_HABIT = (
    f"INSERT INTO habits ({', '.join(c.name for c in HABITS.columns)})"  # noqa: S608 - table columns
    f" VALUES ({', '.join(f'${n}' for n in range(1, len(HABITS.columns) + 1))})"
)
STATEMENTS = {
    "LOCK_AND_READ": LOCK_AND_READ,
    "READ": READ,
    "PEEK": PEEK,
    "WHO_SQL": WHO_SQL,
    "WRITE_IF_HEAD": WRITE_IF_HEAD,
    "WRITE_IF_HEAD_DEVICE": WRITE_IF_HEAD_DEVICE,
    "HABIT_PEEK": HABIT_PEEK,
    "LOCK_USER": LOCK_USER,
    "INSERT_HABIT": INSERT_HABIT,
}
"""Every fixed raw statement (the tests check their column lists against the tables)."""


def _list(value: Any) -> list[Any]:
    """A ``json_agg`` result: NULL for no rows; text, or already decoded where SQLAlchemy's asyncpg
    dialect installed its JSON codec on the connection."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _snapshot(known: Any, habits: Any, checkins: Any) -> LogSnapshot:
    return snapshot_of(_list(known), _list(habits), _list(checkins))


def _key_args(keys: Keys) -> tuple[Sequence[str], list[str], list[str], list[str]]:
    slots = keys.needs.slots
    return keys.event_ids, keys.needs.habit_ids, [s[0] for s in slots], [s[1] for s in slots]


async def peek(
    raw: RawConnection, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys
) -> tuple[Standing | None, LogSnapshot]:
    """The head, the caller's standing and the rows under ``keys``, in one snapshot and no lock."""
    row = await raw.fetchrow(PEEK, user_id, device_id, *_key_args(keys))
    if row is None:
        return None, LogSnapshot()
    head, clock, disabled, device_known, revoked, known, habits, checkins = row
    standing = Standing(int(head), int(clock), bool(disabled), bool(device_known), bool(revoked))
    return standing, _snapshot(known, habits, checkins)


async def write_if_head(
    raw: RawConnection, user_id: uuid.UUID, writes: Writes, device: tuple[uuid.UUID, int] | None = None
) -> bool:
    """Insert the events, upsert the check-ins and move the head, if the head is still ``writes.base``;
    with ``device`` (id, last number), also set the device's last ``device_seq`` (REST writes).

    One statement, so all of it or none of it. Habit rows are not written here (see :class:`PgTx`)."""
    moved = await raw.fetchval(
        WRITE_IF_HEAD if device is None else WRITE_IF_HEAD_DEVICE,
        user_id,
        writes.head,
        writes.clock,
        writes.base,
        dumps(event_rows(writes)),
        dumps([checkin_values(w) for w in writes.plan.checkins]),
        *(device or ()),
    )
    return bool(moved)


async def habit_peek(
    raw: RawConnection, user_id: uuid.UUID, device_id: uuid.UUID, habit_id: str, days: Sequence[str]
) -> tuple[Standing | None, HabitState]:
    """:data:`HABIT_PEEK`: the standing, and what a one-habit write reads, in one snapshot."""
    row = await raw.fetchrow(HABIT_PEEK, user_id, device_id, habit_id, days)
    if row is None:
        return None, HabitState(0, None, None, (), {})
    values = tuple(row)
    head, clock, disabled, device_known, revoked, device_seq = values[:6]
    standing = Standing(int(head), int(clock), bool(disabled), bool(device_known), bool(revoked))
    habit = values[6 : 6 + len(_HABIT_PEEK_COLUMNS)]
    columns = values[6 + len(_HABIT_PEEK_COLUMNS) : -1]
    found = None if habit[0] is None else dict(zip(_HABIT_PEEK_NAMES, habit, strict=True))
    rows = cast(list[CheckinRow], list(zip(*columns, strict=True))) if columns[0] is not None else []
    stamps: dict[str, Stamp | None] = dict.fromkeys(days)
    for day, hlc, device, event in _list(values[-1]):
        stamps[day] = (int(hlc), device, event)
    return standing, habit_state_of(int(device_seq or 0), found, rows, stamps)


class PgTx:
    """The log write on a raw asyncpg connection, inside a transaction the caller opened."""

    def __init__(self, raw: RawConnection) -> None:
        self.raw = raw

    async def read(self, user_id: uuid.UUID, keys: Keys) -> LogSnapshot:
        row = await self.raw.fetchrow(READ, user_id, *_key_args(keys))
        assert row is not None
        return _snapshot(row[0], row[1], row[2])

    async def lock_and_read(
        self, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys
    ) -> tuple[Standing | None, LogSnapshot]:
        row = await self.raw.fetchrow(LOCK_AND_READ, user_id, device_id, *_key_args(keys))
        if row is None:
            return None, LogSnapshot()
        head, clock, disabled, device_known, revoked, seen_head, known, habits, checkins = row
        standing = Standing(int(head), int(clock), bool(disabled), bool(device_known), bool(revoked))
        if seen_head != head:  # a write committed while we waited for the lock: read again under it
            return standing, await self.read(user_id, keys)
        return standing, _snapshot(known, habits, checkins)

    async def write(self, user_id: uuid.UUID, writes: Writes, device: tuple[uuid.UUID, int] | None = None) -> None:
        p = writes.plan
        if p.purge:
            await self.raw.execute(
                "DELETE FROM checkins WHERE user_id = $1 AND habit_id = ANY($2::text[])", user_id, p.purge
            )
        new = [{"user_id": user_id, "id": h.habit_id, **habit_values(h)} for h in p.habits if h.insert]
        if new:
            await self.raw.executemany(INSERT_HABIT, [tuple(r[c.name] for c in HABITS.columns) for r in new])
        for h in p.habits:
            if h.insert:
                continue
            values = habit_values(h)
            assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(values, start=3))
            await self.raw.execute(
                f"UPDATE habits SET {assignments} WHERE user_id = $1 AND id = $2",  # noqa: S608 - names are columns
                user_id,
                h.habit_id,
                *values.values(),
            )
        if not await write_if_head(self.raw, user_id, writes, device):
            raise RuntimeError("the head moved under the user's row lock")


class PgEventLog(CoreEventLog):
    """PostgreSQL: :class:`CoreEventLog` with the push, the caller check and the REST merge on asyncpg."""

    async def principal(self, user_id: uuid.UUID, device_id: uuid.UUID) -> Caller | None:
        row = await on_raw(self.db, lambda raw: raw.fetchrow(WHO_SQL, user_id, device_id))
        return caller_of(None if row is None else tuple(row))

    async def push(
        self, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys, decide: Callable[[Standing | None, LogSnapshot], D]
    ) -> D:
        """First without a lock (read, then write only if the head has not moved), and under the lock
        when the head moved meanwhile or the decision writes habit rows (at once when the events
        change habits: then it would)."""

        async def work(raw: RawConnection) -> D:
            if not keys.habit_events:
                decision = decide(*await peek(raw, user_id, device_id, keys))
                writes = decision.writes
                if writes is None:
                    return decision
                if not writes.plan.writes_habits and await write_if_head(raw, user_id, writes):
                    return decision
            async with raw.transaction():
                tx = PgTx(raw)
                decision = decide(*await tx.lock_and_read(user_id, device_id, keys))
                if decision.writes is not None:
                    await tx.write(user_id, decision.writes)
                return decision

        return await on_raw(self.db, work)

    async def record_habit(
        self, user_id: uuid.UUID, device_id: uuid.UUID, habit_id: str, days: Sequence[str], build: HabitBuild
    ) -> HabitRecorded | None:
        """As a push: first without a lock (read, then write only if the head has not moved), and under
        the lock when it moved meanwhile or the plan writes habit rows."""

        def done(standing: Standing, state: HabitState, p: HabitPlan) -> HabitRecorded:
            assert state.row is not None  # a build that made events found the habit
            head = p.writes.head if p.writes is not None else standing.head
            return HabitRecorded(p.events, head, state.row, days_after(state, habit_id, p.writes))

        async def work(raw: RawConnection) -> HabitRecorded | None:
            standing, state = await habit_peek(raw, user_id, device_id, habit_id, days)
            if standing is None:
                return None
            p = plan_habit_write(standing, state, habit_id, str(device_id), build)
            if p.writes is None:
                return done(standing, state, p)
            device = (device_id, p.device_seq)
            if not p.writes.plan.writes_habits and await write_if_head(raw, user_id, p.writes, device):
                return done(standing, state, p)
            async with raw.transaction():
                if await raw.fetchval(LOCK_USER, user_id) is None:
                    return None
                standing, state = await habit_peek(raw, user_id, device_id, habit_id, days)  # a snapshot after the lock
                assert standing is not None
                p = plan_habit_write(standing, state, habit_id, str(device_id), build)
                if p.writes is not None:
                    await PgTx(raw).write(user_id, p.writes, (device_id, p.device_seq))
                return done(standing, state, p)

        return await on_raw(self.db, work)

    async def merge_tx(self, conn: AsyncConnection) -> LogTx:
        # The merge's reads and writes go straight to asyncpg, on the same connection and inside the
        # transaction SQLAlchemy opened (its statements before this started it).
        return PgTx(await raw_connection(conn))
