"""The per-user event log: push (idempotent), REST-made events, pull by cursor, status.

Every write takes the user's row lock first (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite the first statement is a write, which takes the database's single writer lock), so
``server_seq`` is assigned gaplessly and a cursor never skips a row. Events, the materialised
state and the new head commit together; the hint on ``user:{id}`` goes out after the commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import DEVICES, EVENT_WIRE_COLUMNS, EVENTS, USERS
from habit_server.runtime import Runtime
from habit_server.services.errors import Unauthorized
from habit_server.services.logtx import CoreTx, Locked, LogTx, PgTx
from habit_server.services.materialise import materialise
from habit_server.services.principal import Principal
from sync_protocol.domain.events import Event, check_payload
from sync_protocol.domain.ids import hlc_observe, hlc_tick, hlc_wall_ms, now_ms, uuid7
from sync_protocol.wire.errors import ErrorBody, ErrorCode
from sync_protocol.wire.sync import EventIn, PushResponse, PushResult, StatusResponse
from sync_protocol.wire.version import MAX_CLOCK_SKEW_MS

E = EVENTS
U = USERS
D = DEVICES


async def lock_user(tx: LogTx, user_id: uuid.UUID) -> Locked:
    lock = await tx.lock(user_id)
    if lock is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    return lock


@asynccontextmanager
async def write_tx(rt: Runtime, *, fast: bool = False) -> AsyncIterator[LogTx]:
    """One write transaction. ``fast`` on PostgreSQL: the statements go straight to asyncpg."""
    if fast and not rt.is_sqlite:
        async with rt.engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            async with raw.transaction():
                yield PgTx(raw)
        return
    async with rt.engine.begin() as conn:
        yield CoreTx(conn)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def _store(tx: LogTx, user_id: uuid.UUID, lock: Locked, events: Sequence[Event]) -> list[int]:
    """Append events (known to be new) after the head, materialise them, move head and clock."""
    received = datetime.now(UTC)
    seqs = list(range(lock.head + 1, lock.head + 1 + len(events)))
    clock = lock.clock
    rows = []
    for seq, ev in zip(seqs, events, strict=True):
        clock = hlc_observe(clock, ev.hlc)
        rows.append(
            {
                "user_id": user_id,
                "server_seq": seq,
                "event_id": ev.event_id,
                "device_id": ev.device_id,
                "device_seq": ev.device_seq,
                "hlc": ev.hlc,
                "kind": ev.kind,
                "schema": ev.schema,
                "payload": dumps(ev.payload),
                "received_at": received,
            }
        )
    await tx.insert_events(rows)
    await materialise(tx, user_id, events)
    lock.head += len(events)
    lock.clock = clock
    await tx.move_head(user_id, lock.head, clock)
    return seqs


async def after_write(rt: Runtime, user_key: str, head: int) -> None:
    """After the commit: drop the user's cached responses and hint every stream (one Redis round trip)."""
    if not await rt.hub.publish(user_key, head, also_incr=rt.cache.gen_key(user_key)):
        await rt.cache.invalidate(user_key)


def _error(event_id: str, code: ErrorCode, message: str) -> PushResult:
    return PushResult(event_id=event_id, status="error", error=ErrorBody(code=code, message=message))


async def push(rt: Runtime, user_id: uuid.UUID, incoming: Sequence[EventIn]) -> PushResponse:
    now = now_ms()
    results: list[PushResult | None] = [None] * len(incoming)
    first_index: dict[str, int] = {}
    candidates: list[tuple[int, Event]] = []
    for i, item in enumerate(incoming):
        ev = item.to_domain()
        if hlc_wall_ms(ev.hlc) > now + MAX_CLOCK_SKEW_MS:
            results[i] = _error(ev.event_id, ErrorCode.CLOCK_SKEW, "hlc is more than 24 h ahead of the server clock")
            continue
        try:
            json.dumps(ev.payload, allow_nan=False)  # NaN and Infinity are not JSON: never store them
            check_payload(ev.kind, ev.payload)
        except ValueError as exc:
            results[i] = _error(ev.event_id, ErrorCode.INVALID_PAYLOAD, str(exc))
            continue
        if ev.event_id in first_index:
            continue  # a repeat inside the batch: reported like the first one, below
        first_index[ev.event_id] = i
        candidates.append((i, ev))

    async with write_tx(rt, fast=True) as tx:
        lock = await lock_user(tx, user_id)
        known = await tx.known(user_id, [ev.event_id for _, ev in candidates]) if candidates else {}
        fresh: list[tuple[int, Event]] = []
        for i, ev in candidates:
            if ev.event_id in known:
                seq, identity = known[ev.event_id]
                if identity != (ev.device_id, ev.device_seq, ev.hlc, ev.kind):
                    results[i] = _error(
                        ev.event_id, ErrorCode.EVENT_CONFLICT, "another event was stored under this event_id"
                    )
                else:
                    results[i] = PushResult(event_id=ev.event_id, status="duplicate", server_seq=seq)
            else:
                fresh.append((i, ev))
        if fresh:
            seqs = await _store(tx, user_id, lock, [ev for _, ev in fresh])
            for (i, ev), seq in zip(fresh, seqs, strict=True):
                results[i] = PushResult(event_id=ev.event_id, status="ok", server_seq=seq)
    for i, item in enumerate(incoming):
        if results[i] is None:  # repeated inside the batch
            first = results[first_index[item.event_id]]
            assert first is not None
            results[i] = (
                PushResult(event_id=item.event_id, status="duplicate", server_seq=first.server_seq)
                if first.status != "error"
                else first
            )
    if fresh:
        await after_write(rt, str(user_id), lock.head)
    return PushResponse(results=[r for r in results if r is not None], head_seq=lock.head)


EventSpec = tuple[str, dict[str, Any]]
Builder = Callable[[AsyncConnection], Awaitable[list[EventSpec]]]


async def record(rt: Runtime, who: Principal, build: Builder) -> list[Event]:
    """Write events made by the server for a REST call, through the same path as a push.

    ``build`` runs under the user's lock (so checks it makes, like name uniqueness, hold) and
    returns ``(kind, payload)`` pairs; they are stamped with the caller's device and the
    user's clock.
    """
    async with rt.engine.begin() as conn:
        tx = CoreTx(conn)
        lock = await lock_user(tx, who.user_id)
        specs = await build(conn)
        if not specs:
            return []
        row = (
            await conn.execute(
                update(D)
                .where(D.c.id == who.device_id)
                .values(event_seq=D.c.event_seq + len(specs))
                .returning(D.c.event_seq)
            )
        ).first()
        last_seq = int(row[0]) if row else len(specs)
        clock = lock.clock
        now = now_ms()
        events = []
        for n, (kind, payload) in enumerate(specs):
            clock = hlc_tick(clock, now)
            seq = last_seq - len(specs) + 1 + n
            events.append(Event(uuid7(), str(who.device_id), seq, clock, kind, payload))
        await _store(tx, who.user_id, lock, events)
    await after_write(rt, who.key, lock.head)
    return events


async def status(rt: Runtime, user_id: uuid.UUID) -> StatusResponse:
    async with rt.engine.connect() as conn:
        row = (await conn.execute(select(U.c.store_id, U.c.head_seq).where(U.c.id == user_id))).first()
    if row is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    return StatusResponse(store_id=str(row[0]), head_seq=int(row[1]))


async def head(rt: Runtime, user_id: uuid.UUID) -> int:
    return (await status(rt, user_id)).head_seq


async def pull_json(rt: Runtime, user_id: uuid.UUID, after: int, limit: int) -> bytes:
    """A ``PullResponse`` as JSON bytes, built straight from the stored rows (payloads are kept as JSON)."""
    async with rt.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(*EVENT_WIRE_COLUMNS)
                .where(E.c.user_id == user_id, E.c.server_seq > after)
                .order_by(E.c.server_seq)
                .limit(limit + 1)
            )
        ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    parts = [
        f'{{"event_id":{json.dumps(eid)},"device_id":{json.dumps(dev)},"device_seq":{dseq},"hlc":{hlc},'
        f'"kind":{json.dumps(kind)},"schema":{schema},"payload":{payload},"server_seq":{seq}}}'
        for seq, eid, dev, dseq, hlc, kind, schema, payload in rows
    ]
    nxt = int(rows[-1][0]) if rows else after
    body = f'{{"events":[{",".join(parts)}],"next":{nxt},"has_more":{"true" if has_more else "false"}}}'
    return body.encode()
