"""A user's habits and check-ins read whole, for the use-cases that look at everything at once:
reports (rendered in this process or a worker's render process), reminders and coaching."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from habit_server.db.models import CHECKINS, HABITS
from habit_server.delivery.rendering import CHECKIN_COLUMNS, HABIT_COLUMNS, NOTE_COLUMNS, StoredCheckins, domain_data
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit

H, C = HABITS, CHECKINS


async def stored_rows(
    conn: AsyncConnection, user_id: uuid.UUID
) -> tuple[list[tuple[Any, ...]], dict[str, StoredCheckins]]:
    """The user's live, unarchived habits (rows by ``HABIT_COLUMNS``, in board order) and their
    check-ins, as stored (what ``habit report`` reads locally): plain values a render process takes."""
    where = (H.c.user_id == user_id, H.c.created.is_(True), H.c.deleted.is_(False), H.c.archived.is_(False))
    query = select(*(H.c[n] for n in HABIT_COLUMNS)).where(*where).order_by(H.c.position, H.c.id)
    habits = [tuple(r) for r in await conn.execute(query)]
    live = (C.c.user_id == user_id, C.c.cleared.is_(False))
    columns = [C.c[n] for n in CHECKIN_COLUMNS]
    noted = C.c.note != ""
    if conn.dialect.name == "postgresql":  # a row per habit with its check-ins as arrays: far less to decode
        arrays: list[Any] = [func.array_agg(c, type_=NullType()) for c in columns]  # as asyncpg gives them: lists
        arrays += [func.array_agg(C.c[n], type_=NullType()).filter(noted) for n in NOTE_COLUMNS]  # NULL: none
        rows = await conn.execute(select(C.c.habit_id, *arrays).where(*live).group_by(C.c.habit_id))
        return habits, {r[0]: cast(StoredCheckins, (*r[1:4], r[4] or (), r[5] or ())) for r in rows}
    stored: dict[str, StoredCheckins] = {}
    query = select(C.c.habit_id, *columns, C.c.note).where(*live)
    for habit_id, day, value, skipped, note in await conn.execute(query):
        days, values, skips, note_days, notes = cast(
            tuple[list[Any], ...], stored.setdefault(habit_id, ([], [], [], [], []))
        )
        days.append(day)
        values.append(value)
        skips.append(skipped)
        if note:
            note_days.append(day)
            notes.append(note)
    return habits, stored


async def habits_and_checkins(
    conn: AsyncConnection, user_id: uuid.UUID, today: date
) -> tuple[list[Habit], dict[str, list[CheckIn]]]:
    """:func:`stored_rows` as the domain holds them."""
    habits, checkins = await stored_rows(conn, user_id)
    return domain_data(habits, checkins, today)
