"""The per-user event log: push (idempotent), REST-made events, pull by cursor, status.

Every write is serialised on the user's row, so ``server_seq`` is assigned gaplessly and a
cursor never skips a row: either under its lock (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite the first statement is a write, which takes the database's single writer lock), or, for
a push on PostgreSQL, optimistically: one statement that writes only if the head it read is
still the head (see ``logtx_pg``). Events, the materialised state and the new head commit
together; the hint on ``user:{id}`` goes out after the commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.engine import on_raw
from habit_server.db.models import DEVICES, EVENT_WIRE_COLUMNS, EVENTS, USERS
from habit_server.runtime import Runtime
from habit_server.services.errors import Forbidden, RateLimited, Unauthorized
from habit_server.services.logtx import Keys, Locked, LogTx, Snapshot, Writes
from habit_server.services.logtx_core import CoreTx
from habit_server.services.logtx_pg import PgTx, peek, write_if_head
from habit_server.services.materialise import plan, touched
from habit_server.services.principal import Principal
from habit_server.services.tokens import AccessClaims
from sync_protocol.domain.events import Event, check_payload
from sync_protocol.domain.ids import hlc_observe, hlc_tick, hlc_wall_ms, now_ms, uuid7
from sync_protocol.domain.merge import Effect, effect_of
from sync_protocol.wire.errors import ErrorBody, ErrorCode
from sync_protocol.wire.sync import EventIn, PushResponse, PushResult, StatusResponse
from sync_protocol.wire.version import MAX_CLOCK_SKEW_MS

E = EVENTS
U = USERS
D = DEVICES

NewEvents = Sequence[tuple[Event, Effect | None]]
"""Events to append, each with what it changes (None: nothing materialised)."""


async def lock_user(tx: CoreTx, user_id: uuid.UUID) -> Locked:
    lock = await tx.lock(user_id)
    if lock is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    return lock


def check_standing(lock: Locked) -> None:
    """The caller's device and account, read with the lock: the push path's access check."""
    if not lock.device_known:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the access token is not valid")
    if lock.device_revoked:
        raise Unauthorized(ErrorCode.TOKEN_REVOKED, "this device was logged out; log in again")
    if lock.disabled:
        raise Forbidden(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _writes(user_id: uuid.UUID, lock: Locked, effs: NewEvents, snap: Snapshot) -> Writes:
    """The rows that append the events of ``effs`` (known to be new) after the head, merged."""
    received = datetime.now(UTC)
    clock = lock.clock
    rows = []
    for seq, (ev, _) in enumerate(effs, start=lock.head + 1):
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
    merged = plan(user_id, [(ev, eff) for ev, eff in effs if eff is not None], snap)
    return Writes(rows, merged, lock.head, lock.head + len(rows), clock)


async def after_write(
    rt: Runtime, user_key: str, head: int | None, counters: Sequence[tuple[str, int | None]] = ()
) -> list[int] | None:
    """After the commit, in one Redis round trip: if ``head`` is set, hint every stream and drop the
    user's cached responses; ``INCR`` each of ``counters`` (their new values come back first)."""
    wanted = [*counters] if head is None else [*counters, (rt.cache.gen_key(user_key), None)]
    if not wanted:
        return []
    counts = await rt.hub.publish(user_key, head, wanted)
    if counts is None and head is not None:
        await rt.cache.invalidate(user_key)
    return counts


def _push_limit(user_key: str) -> str:
    return f"push:{user_key}"


async def _after_push(rt: Runtime, user_key: str, head: int | None) -> None:
    """Count the push against the push rate limit, in the round trip that announces it (if it wrote)."""
    limit = rt.settings.pushes_per_minute
    name = _push_limit(user_key)
    counters: list[tuple[str, int | None]] = [(rt.limiter.key_for(name), 61)] if limit > 0 else []
    counts = await after_write(rt, user_key, head, counters)
    rt.limiter.counted(name, counts[0] if counts else None, limit)


def _error(event_id: str, code: ErrorCode, message: str) -> PushResult:
    return PushResult(event_id=event_id, status="error", error=ErrorBody(code=code, message=message))


Candidate = tuple[int, Event, Effect | None]
"""An event worth storing: its index in the request, itself, and what it changes."""


@dataclass
class _Batch:
    """What a push will do, decided from the stored rows: ``writes`` is None when nothing is new."""

    head: int
    fresh: list[Candidate]
    writes: Writes | None


def _screen(incoming: Sequence[EventIn], results: list[PushResult | None]) -> tuple[list[Candidate], dict[str, int]]:
    """Per-event checks that need no database; the rest become candidates (first of each event_id)."""
    now = now_ms()
    first_index: dict[str, int] = {}
    candidates: list[Candidate] = []
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
            continue  # a repeat inside the batch: reported like the first one, at the end
        first_index[ev.event_id] = i
        candidates.append((i, ev, effect_of(ev)))
    return candidates, first_index


def _settle(
    user_id: uuid.UUID,
    found: tuple[Locked, Snapshot] | None,
    candidates: list[Candidate],
    results: list[PushResult | None],
) -> _Batch:
    """Check the caller's standing, answer the known event ids, and plan the writes of the rest."""
    if found is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the access token is not valid")
    lock, snap = found
    check_standing(lock)
    fresh: list[Candidate] = []
    for i, ev, eff in candidates:
        if ev.event_id not in snap.known:
            fresh.append((i, ev, eff))
            continue
        seq, identity = snap.known[ev.event_id]
        if identity != (ev.device_id, ev.device_seq, ev.hlc, ev.kind):
            results[i] = _error(ev.event_id, ErrorCode.EVENT_CONFLICT, "another event was stored under this event_id")
        else:
            results[i] = PushResult(event_id=ev.event_id, status="duplicate", server_seq=seq)
    writes = _writes(user_id, lock, [(ev, eff) for _, ev, eff in fresh], snap) if fresh else None
    return _Batch(lock.head, fresh, writes)


async def _settled(
    tx: LogTx, caller: AccessClaims, keys: Keys, candidates: list[Candidate], results: list[PushResult | None]
) -> _Batch:
    """Under the user's lock (inside the caller's transaction): read, decide and write."""
    batch = _settle(caller.user_id, await tx.lock_and_read(caller.user_id, caller.device_id, keys), candidates, results)
    if batch.writes is not None:
        await tx.write(caller.user_id, batch.writes)
    return batch


async def _store_pg(
    rt: Runtime, caller: AccessClaims, keys: Keys, candidates: list[Candidate], results: list[PushResult | None]
) -> _Batch:
    """PostgreSQL: first without a lock (read, then write only if the head has not moved), and
    under the lock when the head moved meanwhile or the batch writes habit rows."""

    async def work(raw: Any) -> _Batch:
        batch = _settle(caller.user_id, await peek(raw, caller.user_id, caller.device_id, keys), candidates, results)
        if batch.writes is None:
            return batch
        if not batch.writes.plan.writes_habits and await write_if_head(raw, caller.user_id, batch.writes):
            return batch
        async with raw.transaction():
            return await _settled(PgTx(raw), caller, keys, candidates, results)

    return await on_raw(rt.engine, work)


async def push(rt: Runtime, caller: AccessClaims, incoming: Sequence[EventIn]) -> PushResponse:
    """Store a device's events. The caller's token was checked by signature only: the device and
    account are checked here, in the statement that reads the user's head."""
    retry = rt.limiter.blocked(_push_limit(str(caller.user_id)))
    if retry is not None:
        raise RateLimited(retry)
    results: list[PushResult | None] = [None] * len(incoming)
    candidates, first_index = _screen(incoming, results)
    keys = touched(
        [ev.event_id for _, ev, _ in candidates], [(ev, eff) for _, ev, eff in candidates if eff is not None]
    )
    if rt.is_sqlite:
        async with rt.engine.begin() as conn:
            batch = await _settled(CoreTx(conn), caller, keys, candidates, results)
    else:
        batch = await _store_pg(rt, caller, keys, candidates, results)
    head = batch.head
    if batch.writes is not None:
        head = batch.writes.head
        for (i, ev, _), row in zip(batch.fresh, batch.writes.events, strict=True):
            results[i] = PushResult(event_id=ev.event_id, status="ok", server_seq=row["server_seq"])
    for i, item in enumerate(incoming):
        if results[i] is None:  # repeated inside the batch
            first = results[first_index[item.event_id]]
            assert first is not None
            results[i] = (
                PushResult(event_id=item.event_id, status="duplicate", server_seq=first.server_seq)
                if first.status != "error"
                else first
            )
    await _after_push(rt, str(caller.user_id), head if batch.writes is not None else None)
    return PushResponse(results=[r for r in results if r is not None], head_seq=head)


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
        effs = [(ev, effect_of(ev)) for ev in events]
        # On PostgreSQL the merge's reads and writes go straight to asyncpg, on the same connection
        # and inside the transaction SQLAlchemy opened (its statements above started it).
        merge: LogTx = tx if rt.is_sqlite else PgTx((await conn.get_raw_connection()).driver_connection)
        snap = await merge.read(who.user_id, touched([], [(ev, eff) for ev, eff in effs if eff is not None]))
        writes = _writes(who.user_id, lock, effs, snap)
        await merge.write(who.user_id, writes)
    await after_write(rt, who.key, writes.head)
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
