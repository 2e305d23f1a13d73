"""The event log through SQLAlchemy Core: SQLite, and on PostgreSQL what is not on the fast path.

A write takes the user's row lock first (on PostgreSQL ``SELECT ... FOR UPDATE``; on SQLite an
``UPDATE`` of the row, because the first statement of a write must be a write there: it takes
the database's writer lock at once, where a read could not upgrade its lock later), reads what
the merge needs under it, then writes the events, the merged rows and the new head in the same
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.connections import Connections
from habit_server.db.eventlog.base import (
    Build,
    Caller,
    D,
    EventLog,
    EventRow,
    Keys,
    LogSnapshot,
    LogStatus,
    Recorded,
    Standing,
    Writes,
    checkin_values,
    event_rows,
    habit_values,
)
from habit_server.db.eventlog.one_habit import (
    CheckinRow,
    HabitBuild,
    HabitRecorded,
    HabitState,
    days_after,
    plan_habit_write,
    stamped,
)
from habit_server.db.models import CHECKINS, DEVICES, EVENT_WIRE_COLUMNS, EVENTS, HABITS, USERS
from sync_protocol.domain.events import Stamp
from sync_protocol.domain.fields import HABIT_FIELD_TABLE
from sync_protocol.domain.merge import Snapshot, StoredHabit, effects, needs, stamps_from_column

E, H, C, U, DV = EVENTS, HABITS, CHECKINS, USERS, DEVICES

# What the merge and the duplicate check read, in this order (the raw backend reads the same columns).
KNOWN_COLUMNS = (E.c.event_id, E.c.server_seq, E.c.device_id, E.c.device_seq, E.c.hlc, E.c.kind)
HABIT_STATE_COLUMNS = (H.c.id, H.c.created, H.c.deleted, H.c.stamps)
CHECKIN_STAMP_COLUMNS = (C.c.habit_id, C.c.date, C.c.hlc, C.c.device_id, C.c.event_id)

WHO = (
    select(U.c.username, U.c.role, U.c.disabled, DV.c.revoked_at, U.c.store_id, U.c.head_seq)
    .join(DV, DV.c.user_id == U.c.id)
    .where(U.c.id == bindparam("user_id"), DV.c.id == bindparam("device_id"))
)
"""The caller's account and device (the raw backend runs this statement too)."""


def caller_of(row: Sequence[Any] | None) -> Caller | None:
    """A row of :data:`WHO`."""
    if row is None:
        return None
    return Caller(row[0], row[1], bool(row[2]), row[3] is not None, f"{row[4]}:{row[5]}")


_LOCK_SQLITE = (
    update(U)
    .where(U.c.id == bindparam("user_id"))
    .values(head_seq=U.c.head_seq)
    .returning(U.c.head_seq, U.c.clock, U.c.disabled)
)
_LOCK = select(U.c.head_seq, U.c.clock, U.c.disabled).where(U.c.id == bindparam("user_id")).with_for_update()
_DEVICE = select(DV.c.revoked_at).where(DV.c.id == bindparam("device_id"), DV.c.user_id == bindparam("user_id"))
_BUMP_DEVICE = (
    update(DV)
    .where(DV.c.id == bindparam("device_id"))
    .values(event_seq=DV.c.event_seq + bindparam("n"))
    .returning(DV.c.event_seq)
)
_MOVE_HEAD = update(U).where(U.c.id == bindparam("user_id")).values(head_seq=bindparam("head"), clock=bindparam("clk"))
_DEVICE_SEQ = select(DV.c.event_seq).where(DV.c.id == bindparam("device_id"), DV.c.user_id == bindparam("user_id"))
_SET_DEVICE_SEQ = update(DV).where(DV.c.id == bindparam("device_id")).values(event_seq=bindparam("seq"))
HABIT_ROW_COLUMNS = (H.c.id, *(H.c[f.name] for f in HABIT_FIELD_TABLE))
"""A habit's row as the services read it: its id and every field."""
_ONE_HABIT = select(*HABIT_ROW_COLUMNS, *HABIT_STATE_COLUMNS[1:]).where(
    H.c.user_id == bindparam("user_id"), H.c.id == bindparam("habit_id")
)
CHECKIN_ROW_COLUMNS = (C.c.date, C.c.value, C.c.skipped, C.c.cleared)
"""A habit's stored check-in slot, as :data:`~habit_server.db.eventlog.one_habit.CheckinRow`."""
_HABIT_CHECKINS = select(*CHECKIN_ROW_COLUMNS, C.c.hlc, C.c.device_id, C.c.event_id).where(
    C.c.user_id == bindparam("user_id"), C.c.habit_id == bindparam("habit_id")
)
_KNOWN = select(*KNOWN_COLUMNS).where(
    E.c.user_id == bindparam("user_id"), E.c.event_id.in_(bindparam("ids", expanding=True))
)
_HABITS = select(*HABIT_STATE_COLUMNS).where(
    H.c.user_id == bindparam("user_id"), H.c.id.in_(bindparam("ids", expanding=True))
)


def snapshot_of(
    known: Iterable[Sequence[Any]], habits: Iterable[Sequence[Any]], checkins: Iterable[Sequence[Any]]
) -> LogSnapshot:
    """A snapshot from rows of :data:`KNOWN_COLUMNS`, :data:`HABIT_STATE_COLUMNS` and :data:`CHECKIN_STAMP_COLUMNS`."""
    return LogSnapshot(
        known={eid: (int(seq), (dev, int(dseq), int(hlc), kind)) for eid, seq, dev, dseq, hlc, kind in known},
        merge=Snapshot(
            habits={hid: StoredHabit(bool(c), bool(d), stamps_from_column(s)) for hid, c, d, s in habits},
            checkins={(hid, day): (int(hlc), dev, eid) for hid, day, hlc, dev, eid in checkins},
        ),
    )


def habit_state_of(
    device_seq: int, found: Mapping[str, Any] | None, checkins: Sequence[CheckinRow], stamps: Mapping[str, Stamp | None]
) -> HabitState:
    """A :class:`HabitState` from a row of :data:`HABIT_ROW_COLUMNS` and :data:`HABIT_STATE_COLUMNS`
    (by name, or None), the habit's check-in rows and the stamps of the days read."""
    if found is None:
        return HabitState(device_seq, None, None, checkins, stamps)
    merge = StoredHabit(bool(found["created"]), bool(found["deleted"]), stamps_from_column(found["stamps"]))
    live = merge.created and not merge.deleted
    row = {c.name: found[c.name] for c in HABIT_ROW_COLUMNS} if live else None
    return HabitState(device_seq, row, merge, checkins, stamps)


class LogTx(Protocol):
    """A log write's reads and writes inside a transaction the caller opened."""

    async def read(self, user_id: uuid.UUID, keys: Keys) -> LogSnapshot: ...

    async def write(self, user_id: uuid.UUID, writes: Writes) -> None: ...


class CoreTx:
    """The log write's statements through SQLAlchemy Core, on any database."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lock(self, user_id: uuid.UUID, device_id: uuid.UUID | None = None) -> Standing | None:
        """Take the user's row lock; None when the user is gone. With ``device_id``, the standing also
        tells whether that device exists for this user and is revoked."""
        stmt = _LOCK_SQLITE if self.conn.dialect.name == "sqlite" else _LOCK
        row = (await self.conn.execute(stmt, {"user_id": user_id})).first()
        if row is None:
            return None
        if device_id is None:
            return Standing(int(row[0]), int(row[1]), bool(row[2]))
        device = (await self.conn.execute(_DEVICE, {"device_id": device_id, "user_id": user_id})).first()
        revoked = device is not None and device[0] is not None
        return Standing(int(row[0]), int(row[1]), bool(row[2]), device is not None, revoked)

    async def read(self, user_id: uuid.UUID, keys: Keys) -> LogSnapshot:
        known: Iterable[Sequence[Any]] = ()
        habits: Iterable[Sequence[Any]] = ()
        checkins: Iterable[Sequence[Any]] = ()
        if keys.event_ids:
            known = await self.conn.execute(_KNOWN, {"user_id": user_id, "ids": list(keys.event_ids)})
        if keys.needs.habit_ids:
            habits = await self.conn.execute(_HABITS, {"user_id": user_id, "ids": keys.needs.habit_ids})
        if keys.needs.slots:
            checkins = await self.conn.execute(
                select(*CHECKIN_STAMP_COLUMNS).where(
                    C.c.user_id == user_id, tuple_(C.c.habit_id, C.c.date).in_(keys.needs.slots)
                )
            )
        return snapshot_of(known, habits, checkins)

    async def habit_state(
        self, user_id: uuid.UUID, device_id: uuid.UUID, habit_id: str, days: Sequence[str]
    ) -> HabitState:
        """The caller's device's last number, the habit's row and check-in slots, and the stamps of
        ``days`` (see :mod:`.one_habit`)."""
        ids = {"user_id": user_id, "device_id": device_id, "habit_id": habit_id}
        seq = (await self.conn.execute(_DEVICE_SEQ, ids)).scalar()
        found = (await self.conn.execute(_ONE_HABIT, ids)).mappings().first()
        row = None if found is None else dict(found)
        checkins: list[CheckinRow] = []
        stamps: dict[str, Stamp | None] = dict.fromkeys(days)
        for day, value, skipped, cleared, hlc, device, event in await self.conn.execute(_HABIT_CHECKINS, ids):
            checkins.append((day, value, skipped, cleared))
            if day in stamps:
                stamps[day] = (int(hlc), device, event)
        return habit_state_of(int(seq or 0), row, checkins, stamps)

    async def write(self, user_id: uuid.UUID, writes: Writes) -> None:
        p = writes.plan
        conn = self.conn
        if writes.events:
            received = datetime.now(UTC)
            rows = [{"user_id": user_id, "received_at": received, **r} for r in event_rows(writes)]
            await conn.execute(insert(E), rows)
        if p.purge:
            await conn.execute(delete(C).where(C.c.user_id == user_id, C.c.habit_id.in_(p.purge)))
        new_habits = [{"user_id": user_id, "id": h.habit_id, **habit_values(h)} for h in p.habits if h.insert]
        if new_habits:
            await conn.execute(insert(H), new_habits)
        for h in p.habits:
            if not h.insert:
                habit = (H.c.user_id == user_id, H.c.id == h.habit_id)
                await conn.execute(update(H).where(*habit).values(**habit_values(h)))
        new_checkins = [{"user_id": user_id, **checkin_values(w)} for w in p.checkins if w.insert]
        for w in p.checkins:
            if not w.insert:
                values = checkin_values(w)
                slot = (C.c.user_id == user_id, C.c.habit_id == values.pop("habit_id"), C.c.date == values.pop("date"))
                await conn.execute(update(C).where(*slot).values(**values))
        if new_checkins:
            await conn.execute(insert(C), new_checkins)
        await conn.execute(_MOVE_HEAD, {"user_id": user_id, "head": writes.head, "clk": writes.clock})


class CoreEventLog(EventLog):
    def __init__(self, db: Connections) -> None:
        self.db = db

    async def principal(self, user_id: uuid.UUID, device_id: uuid.UUID) -> Caller | None:
        async with self.db.connect() as conn:
            return caller_of((await conn.execute(WHO, {"user_id": user_id, "device_id": device_id})).first())

    async def push(
        self, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys, decide: Callable[[Standing | None, LogSnapshot], D]
    ) -> D:
        async with self.db.begin() as conn:
            tx = CoreTx(conn)
            standing = await tx.lock(user_id, device_id)
            decision = decide(standing, await tx.read(user_id, keys) if standing is not None else LogSnapshot())
            if decision.writes is not None:
                await tx.write(user_id, decision.writes)
            return decision

    async def merge_tx(self, conn: AsyncConnection) -> LogTx:
        """The reads and writes of a REST write's merge, on its connection (the raw backend's are faster)."""
        return CoreTx(conn)

    async def record(self, user_id: uuid.UUID, device_id: uuid.UUID, build: Build) -> Recorded | None:
        async with self.db.begin() as conn:
            standing = await CoreTx(conn).lock(user_id)
            if standing is None:
                return None
            specs = await build(conn, standing.head)
            if not specs:
                return Recorded([], standing.head)
            row = (await conn.execute(_BUMP_DEVICE, {"device_id": device_id, "n": len(specs)})).first()
            events = stamped(specs, str(device_id), int(row[0]) if row else len(specs), standing.clock)
            effs = effects(events)
            tx = await self.merge_tx(conn)
            snap = await tx.read(user_id, Keys((), needs(effs)))
            writes = Writes.after(standing, events, effs, snap.merge)
            await tx.write(user_id, writes)
        return Recorded(events, writes.head)

    async def record_habit(
        self, user_id: uuid.UUID, device_id: uuid.UUID, habit_id: str, days: Sequence[str], build: HabitBuild
    ) -> HabitRecorded | None:
        async with self.db.begin() as conn:
            tx = CoreTx(conn)
            standing = await tx.lock(user_id, device_id)
            if standing is None:
                return None
            state = await tx.habit_state(user_id, device_id, habit_id, days)
            p = plan_habit_write(standing, state, habit_id, str(device_id), build)
            if p.writes is not None:
                await conn.execute(_SET_DEVICE_SEQ, {"device_id": device_id, "seq": p.device_seq})
                await tx.write(user_id, p.writes)
        assert state.row is not None  # a build that made events found the habit
        head = p.writes.head if p.writes is not None else standing.head
        return HabitRecorded(p.events, head, state.row, days_after(state, habit_id, p.writes))

    async def status(self, user_id: uuid.UUID) -> LogStatus | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(select(U.c.store_id, U.c.head_seq).where(U.c.id == user_id))).first()
        return None if row is None else LogStatus(str(row[0]), int(row[1]))

    async def page(self, user_id: uuid.UUID, after: int, limit: int | None) -> list[EventRow]:
        query = (
            select(*EVENT_WIRE_COLUMNS)
            .where(E.c.user_id == user_id, E.c.server_seq > after)
            .order_by(E.c.server_seq)
            .limit(limit)
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(query)).all()
        return cast("list[EventRow]", rows)
