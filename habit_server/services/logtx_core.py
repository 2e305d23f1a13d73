"""The log write's statements through SQLAlchemy Core: SQLite, and REST writes on PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import CHECKINS, DEVICES, EVENTS, HABITS, USERS
from habit_server.services.logtx import Keys, Locked, Snapshot, Writes

E, H, C, U, D = EVENTS, HABITS, CHECKINS, USERS, DEVICES

# On SQLite the first statement of a write must be a write: it takes the database's writer lock
# at once (waiting for it), where a read first could not upgrade its lock later.
_LOCK_SQLITE = (
    update(U)
    .where(U.c.id == bindparam("user_id"))
    .values(head_seq=U.c.head_seq)
    .returning(U.c.head_seq, U.c.clock, U.c.disabled)
)
_LOCK = select(U.c.head_seq, U.c.clock, U.c.disabled).where(U.c.id == bindparam("user_id")).with_for_update()
_DEVICE = select(D.c.revoked_at).where(D.c.id == bindparam("device_id"), D.c.user_id == bindparam("user_id"))
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

    async def lock(self, user_id: uuid.UUID, device_id: uuid.UUID | None = None) -> Locked | None:
        """Take the user's row lock; None when the user is gone (see ``LogTx.lock_and_read``)."""
        stmt = _LOCK_SQLITE if self.conn.dialect.name == "sqlite" else _LOCK
        row = (await self.conn.execute(stmt, {"user_id": user_id})).first()
        if row is None:
            return None
        locked = Locked(int(row[0]), int(row[1]), disabled=bool(row[2]))
        if device_id is not None:
            device = (await self.conn.execute(_DEVICE, {"device_id": device_id, "user_id": user_id})).first()
            locked.device_known = device is not None
            locked.device_revoked = device is not None and device[0] is not None
        return locked

    async def read(self, user_id: uuid.UUID, keys: Keys) -> Snapshot:
        snap = Snapshot()
        if keys.event_ids:
            rows = await self.conn.execute(_KNOWN, {"user_id": user_id, "ids": keys.event_ids})
            snap.known = {r[0]: (int(r[1]), (r[2], int(r[3]), int(r[4]), r[5])) for r in rows}
        if keys.habit_ids:
            rows = await self.conn.execute(_HABITS, {"user_id": user_id, "ids": keys.habit_ids})
            snap.habits = [(r[0], bool(r[1]), bool(r[2]), r[3]) for r in rows]
        if keys.slots:
            stamps = await self.conn.execute(
                select(C.c.habit_id, C.c.date, C.c.hlc, C.c.device_id, C.c.event_id).where(
                    C.c.user_id == user_id, tuple_(C.c.habit_id, C.c.date).in_(keys.slots)
                )
            )
            snap.checkins = {(r[0], r[1]): (int(r[2]), r[3], r[4]) for r in stamps}
        return snap

    async def lock_and_read(
        self, user_id: uuid.UUID, device_id: uuid.UUID | None, keys: Keys
    ) -> tuple[Locked, Snapshot] | None:
        locked = await self.lock(user_id, device_id)
        if locked is None:
            return None
        return locked, await self.read(user_id, keys)

    async def write(self, user_id: uuid.UUID, writes: Writes) -> None:
        plan = writes.plan
        if writes.events:
            await self.conn.execute(insert(E), writes.events)
        if plan.gone:
            await self.conn.execute(delete(C).where(C.c.user_id == user_id, C.c.habit_id.in_(plan.gone)))
        if plan.new_habits:
            await self.conn.execute(insert(H), plan.new_habits)
        for habit_id, values in plan.habit_updates:
            await self.conn.execute(update(H).where(H.c.user_id == user_id, H.c.id == habit_id).values(**values))
        fresh = [r for r in plan.checkins if (r["habit_id"], r["date"]) not in plan.existing]
        for r in plan.checkins:
            if (r["habit_id"], r["date"]) in plan.existing:
                values = {k: v for k, v in r.items() if k not in ("user_id", "habit_id", "date")}
                await self.conn.execute(
                    update(C)
                    .where(C.c.user_id == user_id, C.c.habit_id == r["habit_id"], C.c.date == r["date"])
                    .values(**values)
                )
        if fresh:
            await self.conn.execute(insert(C), fresh)
        await self.conn.execute(_MOVE_HEAD, {"user_id": user_id, "head": writes.head, "clk": writes.clock})
