"""Accounts and sessions: register, log in, refresh with rotation, check tokens, devices."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import DEVICES, INVITES, USERS
from habit_server.runtime import Runtime
from habit_server.services import tokens
from habit_server.services.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceError, Unauthorized
from habit_server.services.passwords import check_policy
from habit_server.services.principal import Principal
from habit_server.services.users import aware, public
from sync_protocol.wire.auth import USERNAME_PATTERN, DeviceOut, RegisterRequest, TokenResponse, UserPublic
from sync_protocol.wire.errors import ErrorCode

log = logging.getLogger("habit_server.auth")

U = USERS
D = DEVICES

BAD_LOGIN = "incorrect username or password"
_USERNAME = re.compile(USERNAME_PATTERN)


SIGNUP_WINDOW = 3600


async def register(rt: Runtime, req: RegisterRequest, client: str) -> UserPublic:
    """Sign up, as ``REGISTRATION`` allows: open, by single-use invite code, or not at all.
    At most ``SIGNUPS_PER_HOUR`` sign-ups per client address."""
    mode = rt.settings.registration
    if mode == "closed":
        raise Forbidden(ErrorCode.REGISTRATION_CLOSED, "sign-up is closed on this server; ask its admin for an account")
    if mode == "invite" and not req.invite:
        raise Forbidden(ErrorCode.INVITE_REQUIRED, "sign-up on this server needs an invite code from its admin")
    retry = await rt.limiter.hit(f"signup:{client}", rt.settings.signups_per_hour, SIGNUP_WINDOW)
    if retry is not None:
        raise RateLimited(retry)
    check_policy(req.password, req.username)
    hashed = await rt.passwords.hash(req.password)
    now = datetime.now(UTC)
    user_id = uuid.uuid4()
    values = {
        "id": user_id,
        "username": req.username,
        "username_key": req.username.lower(),
        "email": req.email,
        "nickname": req.nickname,
        "password_hash": hashed,
        "role": "user",
        "disabled": False,
        "created_at": now,
        "store_id": uuid.uuid4(),
        "head_seq": 0,
        "clock": 0,
    }
    try:
        async with rt.db.begin() as conn:
            await conn.execute(insert(U).values(**values))
            if mode == "invite":
                await _use_invite(conn, req.invite or "", user_id, now)
    except IntegrityError:
        raise Conflict(ErrorCode.USERNAME_TAKEN, "this username is taken") from None
    log.info("registered user %s", values["id"])
    return public(values)


async def _use_invite(conn: AsyncConnection, code: str, user_id: uuid.UUID, now: datetime) -> None:
    """Spend an invite code in the sign-up's transaction (an unknown, used or expired one undoes it)."""
    done = await conn.execute(
        update(INVITES)
        .where(INVITES.c.code_hash == tokens.digest(code), INVITES.c.used_at.is_(None), INVITES.c.expires_at > now)
        .values(used_by=user_id, used_at=now)
    )
    if done.rowcount != 1:
        raise Forbidden(ErrorCode.INVITE_REQUIRED, "this invite code is unknown, used or expired")


async def create_invite(rt: Runtime, days: int) -> tuple[str, datetime]:
    """A new single-use invite code, valid for ``days`` days (for ``habit-server invite``)."""
    code = secrets.token_urlsafe(18)
    now = datetime.now(UTC)
    expires = now + timedelta(days=days)
    async with rt.db.begin() as conn:
        await conn.execute(insert(INVITES).values(code_hash=tokens.digest(code), created_at=now, expires_at=expires))
    log.info("invite created, valid until %s", expires.isoformat(timespec="seconds"))
    return code, expires


async def check_login_rate(rt: Runtime, client: str, username: str) -> None:
    """Login attempts, counted before the password is checked (so parallel guesses are counted too).

    With N = ``LOGIN_ATTEMPTS_PER_MINUTE``: N per minute per (address, account); 2N per minute per
    account from all addresses together (a guesser spread over many addresses is slowed down just
    the same); 10N per minute per address over all accounts. A refusal lasts until the minute ends,
    so nobody is locked out for longer than a minute after an attack stops; devices already logged
    in keep working through their refresh tokens meanwhile."""
    per = rt.settings.login_attempts_per_minute
    account = username.lower()
    for name, limit in (
        (f"login:{client}:{account}", per),
        (f"login-ip:{client}", per * 10),
        (f"login-user:{account}", per * 2),
    ):
        retry = await rt.limiter.hit(name, limit)
        if retry is not None:
            raise RateLimited(retry)


async def login(rt: Runtime, username: str, password: str, device_name: str, client: str) -> TokenResponse:
    await check_login_rate(rt, client, username)
    row = None
    if _USERNAME.fullmatch(username):  # other text is no one's username (and may not even be storable)
        async with rt.db.connect() as conn:
            row = (
                await conn.execute(
                    select(U.c.id, U.c.password_hash, U.c.disabled).where(U.c.username_key == username.lower())
                )
            ).first()
    ok = await rt.passwords.verify(password, row[1] if row else None)
    if row is None or not ok:
        raise Unauthorized(ErrorCode.INVALID_CREDENTIALS, BAD_LOGIN)
    if row[2]:
        raise Forbidden(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
    user_id: uuid.UUID = row[0]
    device_id = uuid.uuid4()
    refresh, digest = tokens.make_refresh(device_id)
    now = datetime.now(UTC)
    async with rt.db.begin() as conn:
        await conn.execute(
            insert(D).values(
                id=device_id,
                user_id=user_id,
                name=device_name or "device",
                refresh_hash=digest,
                previous_hash=None,
                refresh_expires_at=now + timedelta(days=rt.settings.refresh_token_days),
                event_seq=0,
                created_at=now,
                last_seen_at=now,
            )
        )
    log.info("user %s logged in on device %s", user_id, device_id)
    return _tokens(rt, user_id, device_id, refresh)


def _tokens(rt: Runtime, user_id: uuid.UUID, device_id: uuid.UUID, refresh: str) -> TokenResponse:
    minutes = rt.settings.access_token_minutes
    return TokenResponse(
        access_token=tokens.make_access(rt.settings.key, user_id, device_id, minutes),
        expires_in=minutes * 60,
        refresh_token=refresh,
        device_id=str(device_id),
        user_id=str(user_id),
    )


async def refresh(rt: Runtime, token: str) -> TokenResponse:
    device_id, digest = tokens.read_refresh(token)
    now = datetime.now(UTC)
    async with rt.db.begin() as conn:
        row = (
            await conn.execute(
                select(
                    D.c.user_id,
                    D.c.refresh_hash,
                    D.c.previous_hash,
                    D.c.refresh_expires_at,
                    D.c.revoked_at,
                    U.c.disabled,
                )
                .join(U, U.c.id == D.c.user_id)
                .where(D.c.id == device_id)
            )
        ).first()
        if row is None:
            raise Unauthorized(ErrorCode.INVALID_TOKEN, "the refresh token is not valid")
        user_id, current, previous, expires, revoked, disabled = row
        if revoked is not None:
            raise Unauthorized(ErrorCode.TOKEN_REVOKED, "this device was logged out; log in again")
        if digest == previous:
            await conn.execute(update(D).where(D.c.id == device_id).values(revoked_at=now))
    if digest == previous:  # raised after the commit, so the revocation stays
        log.warning("refresh token reused on device %s: device revoked", device_id)
        raise Unauthorized(ErrorCode.TOKEN_REVOKED, "this refresh token was already used; the device is logged out")
    async with rt.db.begin() as conn:
        if digest != current:
            raise Unauthorized(ErrorCode.INVALID_TOKEN, "the refresh token is not valid")
        if aware(expires) < now:
            raise Unauthorized(ErrorCode.TOKEN_EXPIRED, "the refresh token has expired; log in again")
        if disabled:
            raise Forbidden(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
        new_token, new_digest = tokens.make_refresh(device_id)
        done = await conn.execute(
            update(D)
            .where(D.c.id == device_id, D.c.refresh_hash == digest)
            .values(
                refresh_hash=new_digest,
                previous_hash=digest,
                last_seen_at=now,
                refresh_expires_at=now + timedelta(days=rt.settings.refresh_token_days),
            )
        )
        if done.rowcount != 1:
            raise Unauthorized(ErrorCode.INVALID_TOKEN, "the refresh token is not valid")
    return _tokens(rt, user_id, device_id, new_token)


async def authenticate(rt: Runtime, claims: tokens.AccessClaims) -> Principal:
    """The caller of a well-signed access token, if its device and account are in good standing.
    Every request pays for this (the event log reads it in one round trip)."""
    caller = check_standing(await rt.log.principal(claims.user_id, claims.device_id))
    return Principal(claims.user_id, claims.device_id, caller.username, caller.role, caller.log_state)


class Standing(Protocol):
    """The state of an access token's device and account, as stored."""

    @property
    def device_revoked(self) -> bool: ...

    @property
    def disabled(self) -> bool: ...


S = TypeVar("S", bound=Standing)


def check_standing(found: S | None) -> S:
    """The standing of a token's device and account, if it is good; None: the device or account is gone."""
    if found is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the access token is not valid")
    if found.device_revoked:
        raise Unauthorized(ErrorCode.TOKEN_REVOKED, "this device was logged out; log in again")
    if found.disabled:
        raise Forbidden(ErrorCode.ACCOUNT_DISABLED, "this account is disabled")
    return found


async def revoke_device(rt: Runtime, who: Principal, device_id: uuid.UUID) -> None:
    async with rt.db.begin() as conn:
        done = await conn.execute(
            update(D)
            .where(D.c.id == device_id, D.c.user_id == who.user_id)
            .values(revoked_at=func.coalesce(D.c.revoked_at, datetime.now(UTC)))
        )
    if done.rowcount != 1:
        raise NotFound("device")
    log.info("user %s revoked device %s", who.user_id, device_id)
    await wake_streams(rt, who.user_id)


async def revoke_other_devices(conn: AsyncConnection, who: Principal) -> int:
    """Log out every device of the user but the caller's (after a password change), in ``conn``'s
    transaction: their refresh tokens and access tokens stop working at once."""
    done = await conn.execute(
        update(D)
        .where(D.c.user_id == who.user_id, D.c.id != who.device_id, D.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return int(done.rowcount)


async def wake_streams(rt: Runtime, user_id: uuid.UUID) -> None:
    """Hint the user's hint streams on every replica: each re-checks its token and a logged-out one closes."""
    found = await rt.log.status(user_id)
    await rt.hub.publish(str(user_id), found.head if found is not None else 0)


async def still_valid(rt: Runtime, claims: tokens.AccessClaims) -> bool:
    """Whether an access token checked earlier is still good: unexpired, its device and account in standing."""
    if claims.exp and claims.exp <= time.time():
        return False
    try:
        await authenticate(rt, claims)
    except ServiceError:
        return False
    return True


async def check_password_rate(rt: Runtime, who: Principal) -> None:
    """Password checks of a logged-in user (``current_password``, account deletion): as many per
    minute as logins from one address, so a stolen access token cannot guess the password."""
    retry = await rt.limiter.hit(f"password:{who.user_id}", rt.settings.login_attempts_per_minute)
    if retry is not None:
        raise RateLimited(retry)


async def devices(rt: Runtime, who: Principal) -> list[DeviceOut]:
    async with rt.db.connect() as conn:
        rows = await conn.execute(
            select(D.c.id, D.c.name, D.c.created_at, D.c.last_seen_at, D.c.revoked_at)
            .where(D.c.user_id == who.user_id)
            .order_by(D.c.created_at, D.c.id)
        )
        return [
            DeviceOut(
                id=str(r[0]),
                name=r[1],
                created_at=aware(r[2]),
                last_seen_at=aware(r[3]) if r[3] is not None else None,
                revoked=r[4] is not None,
                current=r[0] == who.device_id,
            )
            for r in rows
        ]
