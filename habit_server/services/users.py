"""Accounts: the user's own profile, GDPR export and deletion, and admin management."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import CHECKINS, DEVICES, EVENT_WIRE_COLUMNS, EVENTS, HABITS, USERS
from habit_server.runtime import Runtime
from habit_server.services.errors import Forbidden, NotFound, Unauthorized
from habit_server.services.principal import Principal
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import HABIT_FIELD_TABLE
from sync_protocol.domain.view import checkin_view
from sync_protocol.wire.auth import ProfileUpdate, Role, UserPublic, UserUpdate
from sync_protocol.wire.errors import ErrorCode

log = logging.getLogger("habit_server.users")

U = USERS
_EVENT_KEYS = [c.name for c in EVENT_WIRE_COLUMNS]
_PUBLIC = (U.c.id, U.c.username, U.c.email, U.c.nickname, U.c.role, U.c.disabled, U.c.created_at)


def public(row: Mapping[Any, Any]) -> UserPublic:
    return UserPublic(
        id=str(row["id"]),
        username=row["username"],
        email=row["email"],
        nickname=row["nickname"],
        role=Role(row["role"]),
        disabled=bool(row["disabled"]),
        created_at=aware(row["created_at"]),
    )


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _one(conn: AsyncConnection, user_id: uuid.UUID) -> UserPublic | None:
    row = (await conn.execute(select(*_PUBLIC).where(U.c.id == user_id))).mappings().first()
    return public(row) if row else None


async def me(rt: Runtime, who: Principal) -> UserPublic:
    async with rt.db.connect() as conn:
        user = await _one(conn, who.user_id)
    if user is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    return user


async def _check_password(rt: Runtime, who: Principal, password: str | None, what: str) -> None:
    """The caller's own password, throttled (a stolen access token must not be a password oracle)."""
    from habit_server.services.auth import check_password_rate

    await check_password_rate(rt, who)
    async with rt.db.connect() as conn:
        current = (await conn.execute(select(U.c.password_hash).where(U.c.id == who.user_id))).scalar()
    if password is None or not await rt.passwords.verify(password, current):
        raise Forbidden(ErrorCode.INVALID_CREDENTIALS, f"{what} is missing or wrong")


async def update_me(rt: Runtime, who: Principal, change: UserUpdate) -> UserPublic:
    """Change the profile. A new password logs out every other device of the user at once."""
    from habit_server.services.auth import revoke_other_devices, wake_streams
    from habit_server.services.passwords import check_policy

    values: dict[str, Any] = {}
    if change.email is not None:
        values["email"] = change.email
    if change.nickname is not None:
        values["nickname"] = change.nickname
    if change.password is not None:
        check_policy(change.password, who.username)
        await _check_password(rt, who, change.current_password, "current_password")
        values["password_hash"] = await rt.passwords.hash(change.password)
    revoked = 0
    if values:
        async with rt.db.begin() as conn:
            await conn.execute(update(U).where(U.c.id == who.user_id).values(**values))
            if "password_hash" in values:
                revoked = await revoke_other_devices(conn, who)
    if "password_hash" in values:
        log.info("user %s changed their password; %d other devices logged out", who.user_id, revoked)
        await wake_streams(rt, who.user_id)
    return await me(rt, who)


async def update_profile(rt: Runtime, who: Principal, user_id: str, change: ProfileUpdate) -> UserPublic:
    """``PUT /users/{user_id}``: the caller's own nickname and email (another id is not found).
    The body's ``role``, if any, is ignored: nobody changes their own role."""
    if user_id.strip().lower() != who.key:
        raise NotFound("user")
    return await update_me(rt, who, UserUpdate(email=change.email, nickname=change.nickname))


async def delete_me(rt: Runtime, who: Principal, password: str) -> None:
    """Delete the account and everything it owns (GDPR erasure), given the account's password."""
    from habit_server.services.auth import wake_streams

    await _check_password(rt, who, password, "password")
    async with rt.db.begin() as conn:
        for table in (CHECKINS, HABITS, EVENTS, DEVICES):
            await conn.execute(delete(table).where(table.c.user_id == who.user_id))
        await conn.execute(delete(U).where(U.c.id == who.user_id))
    await wake_streams(rt, who.user_id)
    log.info("user %s deleted their account", who.user_id)


def _stored_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of a habit row as the JSON value it holds."""
    return {f.name: f.from_column(row[f.name]) for f in HABIT_FIELD_TABLE}


async def export(rt: Runtime, who: Principal) -> bytes:
    """Everything the server holds about the user, as a JSON document (GDPR access): the profile,
    devices, live habits (every field as stored, with their check-ins) and the event log."""
    H, C, D = HABITS, CHECKINS, DEVICES
    async with rt.db.connect() as conn:
        user = await _one(conn, who.user_id)
        devices = (
            await conn.execute(
                select(D.c.id, D.c.name, D.c.created_at, D.c.last_seen_at, D.c.revoked_at).where(
                    D.c.user_id == who.user_id
                )
            )
        ).mappings()
        device_list = [{**d, "id": str(d["id"])} for d in devices]
        live = (H.c.user_id == who.user_id, H.c.created.is_(True), H.c.deleted.is_(False))
        habits = (await conn.execute(select(H).where(*live).order_by(H.c.id))).mappings().all()
        checkins = (
            await conn.execute(
                select(C.c.habit_id, C.c.date, C.c.value, C.c.skipped, C.c.note)
                .where(C.c.user_id == who.user_id, C.c.cleared.is_(False))
                .order_by(C.c.habit_id, C.c.date)
            )
        ).all()
    if user is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    # Each payload goes out as the JSON text it is stored as: never parsed and written again, so no
    # stored payload (however deeply nested) can stop the export.
    events = [
        json.dumps(dict(zip(_EVENT_KEYS[:-1], row[:-1], strict=True)), ensure_ascii=False)[:-1]
        + f',"{_EVENT_KEYS[-1]}":{row[-1]}}}'
        for row in await rt.log.page(who.user_id, 0, None)
    ]
    by_habit: dict[str, list[dict[str, Any]]] = {}
    for hid, day, value, skipped, note in checkins:
        by_habit.setdefault(hid, []).append(checkin_view(CheckIn(date.fromisoformat(day), value, bool(skipped), note)))
    habit_list = [
        {
            "id": h["id"],
            **{f.name: f.from_column(h[f.name]) for f in HABIT_FIELD_TABLE},
            "checkins": by_habit.get(h["id"], []),
        }
        for h in habits
    ]
    head = {"user": user.model_dump(mode="json"), "devices": device_list, "habits": habit_list}
    text = json.dumps(head, ensure_ascii=False, default=_json_default)
    return f'{text[:-1]},"events":[{",".join(events)}]}}'.encode()


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# ----- admin ------------------------------------------------------------------------------------
def require_admin(who: Principal) -> None:
    if not who.is_admin:
        raise Forbidden(ErrorCode.FORBIDDEN, "only admins may do this")


async def list_users(rt: Runtime, who: Principal, skip: int, limit: int) -> tuple[list[UserPublic], int]:
    require_admin(who)
    async with rt.db.connect() as conn:
        total = int((await conn.execute(select(func.count()).select_from(U))).scalar_one())
        rows = (
            await conn.execute(select(*_PUBLIC).order_by(U.c.created_at, U.c.id).offset(skip).limit(limit))
        ).mappings()
        return [public(r) for r in rows], total


async def get_user(rt: Runtime, who: Principal, user_id: uuid.UUID) -> UserPublic:
    require_admin(who)
    async with rt.db.connect() as conn:
        user = await _one(conn, user_id)
    if user is None:
        raise NotFound("user")
    return user


async def admin_update(
    rt: Runtime, who: Principal, user_id: uuid.UUID, *, role: Role | None = None, disabled: bool | None = None
) -> UserPublic:
    require_admin(who)
    if user_id == who.user_id:
        raise Forbidden(ErrorCode.FORBIDDEN, "admins cannot change their own role or disable themselves")
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = role.value
    if disabled is not None:
        values["disabled"] = disabled
    async with rt.db.begin() as conn:
        if values:
            await conn.execute(update(U).where(U.c.id == user_id).values(**values))
        user = await _one(conn, user_id)
    if user is None:
        raise NotFound("user")
    log.info("admin %s changed user %s: %s", who.user_id, user_id, sorted(values))
    return user


async def set_role_by_username(rt: Runtime, username: str, role: Role) -> bool:
    """For the ``habit-server set-role`` command (the way to make the first admin)."""
    async with rt.db.begin() as conn:
        done = await conn.execute(update(U).where(U.c.username_key == username.lower()).values(role=role.value))
    return done.rowcount == 1


async def reset_password_by_username(rt: Runtime, username: str, password: str) -> int | None:
    """For the ``habit-server reset-password`` command: a new password (the usual policy) and every
    device logged out. The number of devices logged out, or None for no such user."""
    from habit_server.services.passwords import check_policy

    check_policy(password, username)
    new_hash = await rt.passwords.hash(password)
    async with rt.db.begin() as conn:
        user_id = (await conn.execute(select(U.c.id).where(U.c.username_key == username.lower()))).scalar()
        if user_id is None:
            return None
        await conn.execute(update(U).where(U.c.id == user_id).values(password_hash=new_hash))
        done = await conn.execute(
            update(DEVICES)
            .where(DEVICES.c.user_id == user_id, DEVICES.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
    return int(done.rowcount)
