"""The REST habit use-cases. Reads come from the materialised tables; every write is an event
recorded through the same path as a sync push, so syncing devices see REST changes."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

import anyio.to_thread
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.eventlog.one_habit import Day
from habit_server.db.models import CHECKINS, HABITS
from habit_server.runtime import Runtime
from habit_server.services import record
from habit_server.services.errors import Conflict, Invalid, NotFound
from habit_server.services.principal import Principal
from habit_server.services.tokens import AccessClaims
from sync_protocol.domain.checkin import CheckIn, validate_value
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import (
    CHECKIN_CLEAR,
    CHECKIN_SET,
    HABIT_CREATE,
    HABIT_DELETE,
    HABIT_UPDATE,
    check_payload,
)
from sync_protocol.domain.fields import FIELDS, FIRST_DAY, HABIT_FIELD_TABLE, habit_from_row
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.stats import DayRow, analyze_rows
from sync_protocol.domain.text import name_key
from sync_protocol.domain.view import checkin_view, habit_view
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.habits import CheckinOut, CompleteRequest, HabitCreate, HabitOut, HabitPage, HabitUpdate

H = HABITS
C = CHECKINS
_COLUMNS = [H.c.id, *(H.c[f.name] for f in HABIT_FIELD_TABLE)]
_LIVE = (H.c.created.is_(True), H.c.deleted.is_(False))
_ORDER = (H.c.position, func.lower(H.c.name), H.c.id)


def _habits(rows: Iterable[Mapping[Any, Any]]) -> list[Habit]:
    """Habits from rows of :data:`_COLUMNS` (as mappings)."""
    today = date.today()
    return [habit_from_row(row["id"], row, today) for row in rows]


_DAY_ROWS = select(C.c.habit_id, C.c.date, C.c.value, C.c.skipped).where(
    C.c.user_id == bindparam("user_id"), C.c.habit_id.in_(bindparam("ids", expanding=True)), C.c.cleared.is_(False)
)
_FIND = select(*_COLUMNS).where(H.c.user_id == bindparam("user_id"), H.c.id == bindparam("habit_id"), *_LIVE)
"""Built once: the statements of every write's answer (building them per request costs more than running them)."""


@functools.lru_cache(maxsize=1 << 16)
def _ordinal(day: str) -> int:
    """A stored check-in date as a day number (the same few thousand dates come back with every read)."""
    return date.fromisoformat(day).toordinal()


async def _day_rows(conn: AsyncConnection, who: Principal, ids: list[str]) -> dict[str, list[DayRow]]:
    out: dict[str, list[DayRow]] = {hid: [] for hid in ids}
    if not ids:
        return out
    rows = await conn.execute(_DAY_ROWS, {"user_id": who.user_id, "ids": ids})
    for hid, day, value, skipped in rows:
        out[hid].append((_ordinal(day), value, bool(skipped)))
    return out


def _view(habit: Habit, rows: list[DayRow], today: date, risk_days: int | None = None) -> dict[str, Any]:
    return habit_view(habit, analyze_rows(habit, rows, today, risk_days=risk_days))


INLINE_DAYS = 5000
"""Most days of history (summed over the habits of one read) computed on the event loop; a longer
history (up to 20 habits x 130 years, ~0.5 s) is computed in a worker thread, so the loop keeps
serving other requests (``/healthz`` too) meanwhile."""


def _history_days(habits: list[Habit], days: dict[str, list[DayRow]], today: date) -> int:
    t = today.toordinal()
    return sum(t - min(h.start_date.toordinal(), min(map(itemgetter(0), days[h.id]), default=t)) for h in habits)


async def _views(
    habits: list[Habit], days: dict[str, list[DayRow]], today: date, risk_days: int | None = None
) -> list[dict[str, Any]]:
    """Each habit's view with its stats; computed off the event loop when the history is long."""

    def compute() -> list[dict[str, Any]]:
        return [_view(h, days[h.id], today, risk_days) for h in habits]

    if _history_days(habits, days, today) <= INLINE_DAYS:
        return compute()
    return await anyio.to_thread.run_sync(compute)


def _out(view: dict[str, Any]) -> HabitOut:
    return HabitOut.model_validate(view)


async def _find(conn: AsyncConnection, who: Principal, habit_id: str) -> Habit:
    if not is_uuid(habit_id):
        raise NotFound("habit")
    found = _habits((await conn.execute(_FIND, {"user_id": who.user_id, "habit_id": habit_id})).mappings())
    if not found:
        raise NotFound("habit")
    return found[0]


async def list_habits(
    rt: Runtime, who: Principal, *, skip: int, limit: int, include_archived: bool, today: date
) -> HabitPage:
    where = [H.c.user_id == who.user_id, *_LIVE]
    if not include_archived:
        where.append(H.c.archived.is_(False))
    async with rt.db.connect() as conn:
        total = int((await conn.execute(select(func.count()).select_from(H).where(*where))).scalar_one())
        query = select(*_COLUMNS).where(*where).order_by(*_ORDER).offset(skip).limit(limit)
        habits = _habits((await conn.execute(query)).mappings())
        days = await _day_rows(conn, who, [h.id for h in habits])
    items = [_out(v) for v in await _views(habits, days, today)]
    return HabitPage(items=items, total=total, skip=skip, limit=limit)


async def get_habit(rt: Runtime, who: Principal, habit_id: str, today: date) -> HabitOut:
    async with rt.db.connect() as conn:
        habit = await _find(conn, who, habit_id)
        days = await _day_rows(conn, who, [habit.id])
    return _out((await _views([habit], days, today))[0])


async def checkins(rt: Runtime, who: Principal, habit_id: str) -> list[CheckinOut]:
    async with rt.db.connect() as conn:
        habit = await _find(conn, who, habit_id)
        rows = await conn.execute(
            select(C.c.date, C.c.value, C.c.skipped, C.c.note)
            .where(C.c.user_id == who.user_id, C.c.habit_id == habit.id, C.c.cleared.is_(False))
            .order_by(C.c.date)
        )
        return [
            CheckinOut.model_validate(checkin_view(CheckIn(date.fromisoformat(d), v, bool(s), n)))
            for d, v, s, n in rows
        ]


async def at_risk(rt: Runtime, who: Principal, days: int | None, today: date) -> list[HabitOut]:
    where = [H.c.user_id == who.user_id, *_LIVE, H.c.archived.is_(False)]
    async with rt.db.connect() as conn:
        habits = _habits((await conn.execute(select(*_COLUMNS).where(*where).order_by(*_ORDER))).mappings())
        rows = await _day_rows(conn, who, [h.id for h in habits])
    views = await _views(habits, rows, today, risk_days=days)
    return [_out(v) for v in views if v["at_risk"]]


# ----- writes ------------------------------------------------------------------------------------
def _fields(change: HabitCreate | HabitUpdate) -> dict[str, Any]:
    """The habit slots a create/update request sets, as event payload values (checked and normalised
    by the request model, with the fields' own domain rules)."""
    data = change.model_dump(exclude_unset=True, exclude={"id"})
    frequency = data.pop("frequency", None)
    if frequency is not None and data.get("schedule") is None:
        data["schedule"] = frequency  # already a schedule: 'weekly' arrives as '1/week'
    return {name: value for name, value in data.items() if value is not None and name in FIELDS}


def _check(kind: str, payload: dict[str, Any]) -> None:
    try:
        check_payload(kind, payload)
    except DomainError as exc:
        raise Invalid(ErrorCode.INVALID_HABIT, str(exc)) from None


async def _name_taken(conn: AsyncConnection, who: Principal, name: str, other_than: str | None) -> bool:
    """Whether another live habit of this user has a name that looks the same (the domain's :func:`name_key`)."""
    where = [H.c.user_id == who.user_id, *_LIVE]
    if other_than is not None:
        where.append(H.c.id != other_than)
    key = name_key(name)
    names = (await conn.execute(select(H.c.name).where(*where))).scalars()
    return any(name_key(other) == key for other in names)


async def create_habit(rt: Runtime, who: Principal, req: HabitCreate, today: date) -> HabitOut:
    habit_id = req.id.lower() if req.id else uuid7()
    fields = _fields(req)
    fields.setdefault("schedule", "daily")
    fields.setdefault("start_date", today.isoformat())
    fields.setdefault("kind", "measurable" if "target" in fields else "yes_no")
    if fields["kind"] == "yes_no":
        fields.pop("target", None)
    payload = {"habit_id": habit_id, **fields}
    _check(HABIT_CREATE, payload)

    async def build(conn: AsyncConnection) -> list[record.EventSpec]:
        exists = (await conn.execute(select(H.c.id).where(H.c.user_id == who.user_id, H.c.id == habit_id))).first()
        if exists is not None:
            raise Conflict(ErrorCode.INVALID_HABIT, "a habit with this id already exists")
        if await _name_taken(conn, who, fields["name"], None):
            raise Conflict(ErrorCode.HABIT_NAME_TAKEN, f"you already have a habit named '{fields['name']}'")
        return [(HABIT_CREATE, payload)]

    await record.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)


async def update_habit(rt: Runtime, who: Principal, habit_id: str, req: HabitUpdate, today: date) -> HabitOut:
    fields = _fields(req)

    async def build(conn: AsyncConnection) -> list[record.EventSpec]:
        habit = await _find(conn, who, habit_id)
        if not fields:
            return []
        payload = {"habit_id": habit.id, **fields}
        _check(HABIT_UPDATE, payload)
        if "name" in fields and await _name_taken(conn, who, fields["name"], habit.id):
            raise Conflict(ErrorCode.HABIT_NAME_TAKEN, f"you already have a habit named '{fields['name']}'")
        return [(HABIT_UPDATE, payload)]

    await record.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)


async def delete_habit(rt: Runtime, who: Principal, habit_id: str) -> None:
    async def build(conn: AsyncConnection) -> list[record.EventSpec]:
        habit = await _find(conn, who, habit_id)
        return [(HABIT_DELETE, {"habit_id": habit.id})]

    await record.record(rt, who, build)


def _check_day(day: date, today: date) -> None:
    """The domain's calendar, and no later than tomorrow (the client's today, in any time zone)."""
    if day < FIRST_DAY or day > today + timedelta(days=1):
        raise Invalid(ErrorCode.INVALID_CHECKIN, f"the date must be from {FIRST_DAY} and not after tomorrow")


async def _answer(habit: Habit, days: list[Day], today: date) -> HabitOut:
    """A check-in write's answer: the habit as the write read it, with the stats of its check-ins now."""
    rows = {habit.id: [(_ordinal(d), value, int(skipped)) for d, value, skipped in days]}
    return _out((await _views([habit], rows, today))[0])


async def complete(rt: Runtime, caller: AccessClaims, habit_id: str, req: CompleteRequest, today: date) -> HabitOut:
    day = req.date or today
    _check_day(day, today)

    def make(habit: Habit) -> list[record.EventSpec]:
        payload: dict[str, Any] = {"habit_id": habit.id, "date": day.isoformat()}
        try:
            if req.skip:
                payload |= {"skip": True, "note": req.note}  # the note was cleaned by the request model
            else:
                value = req.value if req.value is not None else (None if habit.is_measurable else 1.0)
                if value is None:
                    raise DomainError(f"'{habit.name}' is measurable: give a value")
                payload |= {"value": validate_value(habit, value), "note": req.note}
        except DomainError as exc:
            raise Invalid(ErrorCode.INVALID_CHECKIN, str(exc)) from None
        return [(CHECKIN_SET, payload)]

    return await _answer(*await record.record_on_habit(rt, caller, habit_id, [day.isoformat()], make), today)


async def uncomplete(rt: Runtime, caller: AccessClaims, habit_id: str, day: date | None, today: date) -> HabitOut:
    the_day = day or today
    _check_day(the_day, today)

    def make(habit: Habit) -> list[record.EventSpec]:
        return [(CHECKIN_CLEAR, {"habit_id": habit.id, "date": the_day.isoformat()})]

    return await _answer(*await record.record_on_habit(rt, caller, habit_id, [the_day.isoformat()], make), today)
