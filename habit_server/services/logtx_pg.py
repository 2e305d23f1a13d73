"""The log write on a raw asyncpg connection, in as few round trips as the merge allows.

A push of check-ins first tries the *optimistic* way, two statements and no transaction:
:func:`peek` reads the head, the caller's standing and the rows the merge needs in one
snapshot; then :func:`write_if_head` writes the events, the check-ins and the new head in one
statement (data-modifying CTEs over ``unnest`` arrays) that only takes effect if the head is
still the one read. Every write moves the head under the user's row, so an unchanged head
means nothing the merge read has changed. When it has (another device of the same user got
in first), or the batch writes habit rows, the push takes the *locked* way: :class:`PgTx`
inside a transaction, where one statement takes the row lock (``FOR UPDATE``) and reads.
Its sub-selects see the snapshot taken before the lock was granted, so they are trusted only
when the head they saw equals the locked row's head; otherwise they are read again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from habit_server.services.logtx import Keys, Locked, Snapshot, Writes
from sync_protocol.domain.events import HABIT_FIELDS

_READS = (
    "(SELECT json_agg(json_build_array(e.event_id, e.server_seq, e.device_id, e.device_seq, e.hlc, e.kind))"
    " FROM events e WHERE e.user_id = $1 AND e.event_id = ANY(:event_ids::text[])),"
    " (SELECT json_agg(json_build_array(h.id, h.created, h.deleted, h.stamps))"
    " FROM habits h WHERE h.user_id = $1 AND h.id = ANY(:habit_ids::text[])),"
    " (SELECT json_agg(json_build_array(c.habit_id, c.date, c.hlc, c.device_id, c.event_id)) FROM checkins c"
    " JOIN unnest(:slot_habits::text[], :slot_dates::text[]) AS s(habit_id, date)"
    " ON s.habit_id = c.habit_id AND s.date = c.date WHERE c.user_id = $1)"
)
"""Sub-selects of the known events, habit stamps and check-in stamps; ``$1`` is the user."""


def _reads(first: int) -> str:
    """:data:`_READS` with its named markers numbered from ``$first``."""
    text = _READS
    for n, name in enumerate((":event_ids", ":habit_ids", ":slot_habits", ":slot_dates"), start=first):
        text = text.replace(name, f"${n}")
    return text


_LOCK_AND_READ = " ".join(
    [
        "SELECT u.head_seq, u.clock, u.disabled, d.id IS NOT NULL, d.revoked_at IS NOT NULL,",
        "(SELECT s.head_seq FROM users s WHERE s.id = $1),",
        _reads(3),
        "FROM users u LEFT JOIN devices d ON d.id = $2 AND d.user_id = u.id WHERE u.id = $1 FOR UPDATE OF u",
    ]
)
_READ = " ".join(["SELECT", _reads(2)])
_PEEK = " ".join(
    [
        "SELECT u.head_seq, u.clock, u.disabled, d.id IS NOT NULL, d.revoked_at IS NOT NULL,",
        _reads(3),
        "FROM users u LEFT JOIN devices d ON d.id = $2 AND d.user_id = u.id WHERE u.id = $1",
    ]
)

_WRITE = (
    "WITH u AS (UPDATE users SET head_seq = $19, clock = $20 WHERE id = $1 AND head_seq = $21 RETURNING id),"
    " ev AS (INSERT INTO events"
    " (user_id, server_seq, event_id, device_id, device_seq, hlc, kind, schema, payload, received_at)"
    " SELECT u.id, t.*, now() FROM u, unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],"
    " $7::text[], $8::int[], $9::text[]) AS t"
    "), ck AS ("
    " INSERT INTO checkins (user_id, habit_id, date, value, skipped, note, cleared, hlc, device_id, event_id)"
    " SELECT u.id, t.* FROM u, unnest($10::text[], $11::text[], $12::float8[], $13::bool[], $14::text[],"
    " $15::bool[], $16::bigint[], $17::text[], $18::text[]) AS t"
    " ON CONFLICT (user_id, habit_id, date) DO UPDATE SET value = excluded.value, skipped = excluded.skipped,"
    " note = excluded.note, cleared = excluded.cleared, hlc = excluded.hlc, device_id = excluded.device_id,"
    " event_id = excluded.event_id"
    ") SELECT count(*) FROM u"
)
_EVENT_COLUMNS = ("server_seq", "event_id", "device_id", "device_seq", "hlc", "kind", "schema", "payload")
_CHECKIN_COLUMNS = ("habit_id", "date", "value", "skipped", "note", "cleared", "hlc", "device_id", "event_id")
_HABIT_COLUMNS = ("user_id", "id", *HABIT_FIELDS, "created", "deleted", "stamps")
_INSERT_HABIT = (
    f"INSERT INTO habits ({', '.join(_HABIT_COLUMNS)})"  # noqa: S608 - fixed names
    f" VALUES ({', '.join(f'${i}' for i in range(1, len(_HABIT_COLUMNS) + 1))})"
)


def _columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    return [[r[n] for r in rows] for n in names]


def _list(value: Any) -> list[Any]:
    """A ``json_agg`` result: NULL for no rows; text, or already decoded where SQLAlchemy's asyncpg
    dialect installed its JSON codec on the connection."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _snapshot(known: Any, habits: Any, checkins: Any) -> Snapshot:
    snap = Snapshot()
    for eid, seq, dev, dseq, hlc, kind in _list(known):
        snap.known[eid] = (int(seq), (dev, int(dseq), int(hlc), kind))
    snap.habits = [(h, bool(c), bool(d), s) for h, c, d, s in _list(habits)]
    for hid, day, hlc, dev, eid in _list(checkins):
        snap.checkins[(hid, day)] = (int(hlc), dev, eid)
    return snap


def _key_args(keys: Keys) -> tuple[list[str], list[str], list[str], list[str]]:
    return keys.event_ids, keys.habit_ids, [s[0] for s in keys.slots], [s[1] for s in keys.slots]


class PgTx:
    """The log write on a raw asyncpg connection, inside a transaction the caller opened."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def read(self, user_id: uuid.UUID, keys: Keys) -> Snapshot:
        row = await self.raw.fetchrow(_READ, user_id, *_key_args(keys))
        return _snapshot(row[0], row[1], row[2])

    async def lock_and_read(
        self, user_id: uuid.UUID, device_id: uuid.UUID | None, keys: Keys
    ) -> tuple[Locked, Snapshot] | None:
        row = await self.raw.fetchrow(_LOCK_AND_READ, user_id, device_id, *_key_args(keys))
        if row is None:
            return None
        head, clock, disabled, device_known, revoked, seen_head, known, habits, checkins = row
        locked = Locked(int(head), int(clock), bool(disabled), device_id is None or device_known, bool(revoked))
        if seen_head != head:  # a write committed while we waited for the lock: read again under it
            return locked, await self.read(user_id, keys)
        return locked, _snapshot(known, habits, checkins)

    async def write(self, user_id: uuid.UUID, writes: Writes) -> None:
        plan = writes.plan
        if plan.gone:
            await self.raw.execute(
                "DELETE FROM checkins WHERE user_id = $1 AND habit_id = ANY($2::text[])", user_id, plan.gone
            )
        if plan.new_habits:
            await self.raw.executemany(_INSERT_HABIT, [tuple(r[c] for c in _HABIT_COLUMNS) for r in plan.new_habits])
        for habit_id, values in plan.habit_updates:
            names = list(values)
            assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=3))
            await self.raw.execute(
                f"UPDATE habits SET {assignments} WHERE user_id = $1 AND id = $2",  # noqa: S608 - names are columns
                user_id,
                habit_id,
                *(values[n] for n in names),
            )
        if not await write_if_head(self.raw, user_id, writes):
            raise RuntimeError("the head moved under the user's row lock")


async def peek(raw: Any, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys) -> tuple[Locked, Snapshot] | None:
    """The head, the caller's standing and the rows under ``keys``, in one snapshot and no lock."""
    row = await raw.fetchrow(_PEEK, user_id, device_id, *_key_args(keys))
    if row is None:
        return None
    head, clock, disabled, device_known, revoked, known, habits, checkins = row
    return Locked(int(head), int(clock), bool(disabled), bool(device_known), bool(revoked)), _snapshot(
        known, habits, checkins
    )


async def write_if_head(raw: Any, user_id: uuid.UUID, writes: Writes) -> bool:
    """Insert the events, upsert the check-ins and move the head, if the head is still ``writes.base``.

    One statement, so all of it or none of it. Habit rows are not written here (see :class:`PgTx`)."""
    plan = writes.plan
    moved = await raw.fetchval(
        _WRITE,
        user_id,
        *_columns(writes.events, _EVENT_COLUMNS),
        *_columns(plan.checkins, _CHECKIN_COLUMNS),
        writes.head,
        writes.clock,
        writes.base,
    )
    return bool(moved)
