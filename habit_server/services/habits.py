"""The REST habit use-cases. Reads come from the materialised tables; every write is an event
recorded through the same path as a sync push, so syncing devices see REST changes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import CHECKINS, HABITS
from habit_server.runtime import Runtime
from habit_server.services import log
from habit_server.services.errors import Conflict, Invalid, NotFound
from habit_server.services.principal import Principal
from sync_protocol.domain.checkin import validate_note, validate_value
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import (
    CHECKIN_CLEAR,
    CHECKIN_SET,
    HABIT_CREATE,
    HABIT_DELETE,
    HABIT_FIELDS,
    HABIT_UPDATE,
    check_payload,
    habit_from_fields,
    habit_to_fields,
)
from sync_protocol.domain.habit import Habit, parse_tags
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.stats import DayRow, analyze_rows
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.habits import CheckinOut, CompleteRequest, HabitCreate, HabitOut, HabitPage, HabitUpdate

H = HABITS
C = CHECKINS
_COLUMNS = [H.c[name] for name in ("id", *HABIT_FIELDS)]
_LIVE = (H.c.created.is_(True), H.c.deleted.is_(False))
_ORDER = (H.c.position, func.lower(H.c.name), H.c.id)
FREQUENCY_ALIASES = {"weekly": "1/week", "monthly": "1/month"}


def _habit(row: Sequence[Any]) -> Habit:
    fields = dict(zip(("id", *HABIT_FIELDS), row, strict=True))
    fields["tags"] = json.loads(fields["tags"])
    fields["archived"] = bool(fields["archived"])
    fields["position"] = int(fields["position"])
    return habit_from_fields(fields["id"], fields, date.today())


async def _day_rows(conn: AsyncConnection, who: Principal, ids: list[str]) -> dict[str, list[DayRow]]:
    out: dict[str, list[DayRow]] = {hid: [] for hid in ids}
    if not ids:
        return out
    rows = await conn.execute(
        select(C.c.habit_id, C.c.date, C.c.value, C.c.skipped).where(
            C.c.user_id == who.user_id, C.c.habit_id.in_(ids), C.c.cleared.is_(False)
        )
    )
    for hid, day, value, skipped in rows:
        out[hid].append((date.fromisoformat(day).toordinal(), value, bool(skipped)))
    return out


def _out(habit: Habit, rows: list[DayRow], today: date, risk_days: int | None = None) -> HabitOut:
    stats = analyze_rows(habit, rows, today, risk_days=risk_days)
    return HabitOut(
        id=habit.id,
        **habit_to_fields(habit),
        done_today=stats.done_today,
        current_streak=stats.current_streak,
        best_streak=stats.best_streak,
        score=round(stats.score, 6),
        at_risk=stats.at_risk,
        completion_rate=stats.completion_rate,
        last_done=stats.last_done,
        days_since_done=stats.days_since_done,
    )


async def _find(conn: AsyncConnection, who: Principal, habit_id: str) -> Habit:
    if not is_uuid(habit_id):
        raise NotFound("habit")
    row = (await conn.execute(select(*_COLUMNS).where(H.c.user_id == who.user_id, H.c.id == habit_id, *_LIVE))).first()
    if row is None:
        raise NotFound("habit")
    return _habit(row)


async def list_habits(
    rt: Runtime, who: Principal, *, skip: int, limit: int, include_archived: bool, today: date
) -> HabitPage:
    where = [H.c.user_id == who.user_id, *_LIVE]
    if not include_archived:
        where.append(H.c.archived.is_(False))
    async with rt.engine.connect() as conn:
        total = int((await conn.execute(select(func.count()).select_from(H).where(*where))).scalar_one())
        rows = (await conn.execute(select(*_COLUMNS).where(*where).order_by(*_ORDER).offset(skip).limit(limit))).all()
        habits = [_habit(r) for r in rows]
        days = await _day_rows(conn, who, [h.id for h in habits])
    return HabitPage(items=[_out(h, days[h.id], today) for h in habits], total=total, skip=skip, limit=limit)


async def get_habit(rt: Runtime, who: Principal, habit_id: str, today: date) -> HabitOut:
    async with rt.engine.connect() as conn:
        habit = await _find(conn, who, habit_id)
        days = await _day_rows(conn, who, [habit.id])
    return _out(habit, days[habit.id], today)


async def checkins(rt: Runtime, who: Principal, habit_id: str) -> list[CheckinOut]:
    async with rt.engine.connect() as conn:
        habit = await _find(conn, who, habit_id)
        rows = await conn.execute(
            select(C.c.date, C.c.value, C.c.skipped, C.c.note)
            .where(C.c.user_id == who.user_id, C.c.habit_id == habit.id, C.c.cleared.is_(False))
            .order_by(C.c.date)
        )
        return [CheckinOut(date=date.fromisoformat(d), value=v, skipped=bool(s), note=n) for d, v, s, n in rows]


async def at_risk(rt: Runtime, who: Principal, days: int | None, today: date) -> list[HabitOut]:
    where = [H.c.user_id == who.user_id, *_LIVE, H.c.archived.is_(False)]
    async with rt.engine.connect() as conn:
        habits = [_habit(r) for r in await conn.execute(select(*_COLUMNS).where(*where).order_by(*_ORDER))]
        rows = await _day_rows(conn, who, [h.id for h in habits])
    out = [_out(h, rows[h.id], today, risk_days=days) for h in habits]
    return [h for h in out if h.at_risk]


# ----- writes ------------------------------------------------------------------------------------
def _fields(change: HabitCreate | HabitUpdate) -> dict[str, Any]:
    """The habit slots a create/update request sets, as event payload values."""
    data = change.model_dump(exclude_unset=True, exclude={"id"})
    out: dict[str, Any] = {}
    frequency = data.pop("frequency", None)
    if frequency is not None and data.get("schedule") is None:
        data["schedule"] = FREQUENCY_ALIASES.get(frequency.strip().lower(), frequency)
    for name, value in data.items():
        if value is None or name not in HABIT_FIELDS:
            continue
        if name == "tags":
            try:
                out[name] = list(parse_tags(value))
            except DomainError as exc:
                raise Invalid(ErrorCode.INVALID_HABIT, str(exc)) from None
        elif name == "start_date":
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _check(kind: str, payload: dict[str, Any]) -> None:
    try:
        check_payload(kind, payload)
    except DomainError as exc:
        raise Invalid(ErrorCode.INVALID_HABIT, str(exc)) from None


async def _name_taken(conn: AsyncConnection, who: Principal, name: str, other_than: str | None) -> bool:
    where = [H.c.user_id == who.user_id, *_LIVE, func.lower(H.c.name) == " ".join(name.split()).lower()]
    if other_than is not None:
        where.append(H.c.id != other_than)
    return (await conn.execute(select(H.c.id).where(*where).limit(1))).first() is not None


async def create_habit(rt: Runtime, who: Principal, req: HabitCreate, today: date) -> HabitOut:
    habit_id = req.id.lower() if req.id else uuid7()
    fields = _fields(req)
    fields.setdefault("schedule", "daily")
    fields.setdefault("start_date", today.isoformat())
    if req.kind is None:
        fields["kind"] = "measurable" if req.target is not None else "yes_no"
    if fields["kind"] == "yes_no":
        fields.pop("target", None)
    payload = {"habit_id": habit_id, **fields}
    _check(HABIT_CREATE, payload)

    async def build(conn: AsyncConnection) -> list[log.EventSpec]:
        exists = (await conn.execute(select(H.c.id).where(H.c.user_id == who.user_id, H.c.id == habit_id))).first()
        if exists is not None:
            raise Conflict(ErrorCode.INVALID_HABIT, "a habit with this id already exists")
        if await _name_taken(conn, who, fields["name"], None):
            raise Conflict(ErrorCode.HABIT_NAME_TAKEN, f"you already have a habit named '{fields['name']}'")
        return [(HABIT_CREATE, payload)]

    await log.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)


async def update_habit(rt: Runtime, who: Principal, habit_id: str, req: HabitUpdate, today: date) -> HabitOut:
    fields = _fields(req)

    async def build(conn: AsyncConnection) -> list[log.EventSpec]:
        habit = await _find(conn, who, habit_id)
        if not fields:
            return []
        payload = {"habit_id": habit.id, **fields}
        _check(HABIT_UPDATE, payload)
        if "name" in fields and await _name_taken(conn, who, fields["name"], habit.id):
            raise Conflict(ErrorCode.HABIT_NAME_TAKEN, f"you already have a habit named '{fields['name']}'")
        return [(HABIT_UPDATE, payload)]

    await log.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)


async def delete_habit(rt: Runtime, who: Principal, habit_id: str) -> None:
    async def build(conn: AsyncConnection) -> list[log.EventSpec]:
        habit = await _find(conn, who, habit_id)
        return [(HABIT_DELETE, {"habit_id": habit.id})]

    await log.record(rt, who, build)


def _check_day(day: date, today: date) -> None:
    if day.year < 1970 or day > today + timedelta(days=1):
        raise Invalid(ErrorCode.INVALID_CHECKIN, "the date must be after 1970 and not after tomorrow")


async def complete(rt: Runtime, who: Principal, habit_id: str, req: CompleteRequest, today: date) -> HabitOut:
    day = req.date or today
    _check_day(day, today)

    async def build(conn: AsyncConnection) -> list[log.EventSpec]:
        habit = await _find(conn, who, habit_id)
        payload: dict[str, Any] = {"habit_id": habit.id, "date": day.isoformat()}
        try:
            note = validate_note(req.note)
            if req.skip:
                payload |= {"skip": True, "note": note}
            else:
                value = req.value if req.value is not None else (None if habit.is_measurable else 1.0)
                if value is None:
                    raise DomainError(f"'{habit.name}' is measurable: give a value")
                payload |= {"value": validate_value(habit, value), "note": note}
        except DomainError as exc:
            raise Invalid(ErrorCode.INVALID_CHECKIN, str(exc)) from None
        return [(CHECKIN_SET, payload)]

    await log.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)


async def uncomplete(rt: Runtime, who: Principal, habit_id: str, day: date | None, today: date) -> HabitOut:
    the_day = day or today
    _check_day(the_day, today)

    async def build(conn: AsyncConnection) -> list[log.EventSpec]:
        habit = await _find(conn, who, habit_id)
        return [(CHECKIN_CLEAR, {"habit_id": habit.id, "date": the_day.isoformat()})]

    await log.record(rt, who, build)
    return await get_habit(rt, who, habit_id, today)
