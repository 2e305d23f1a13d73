"""The opt-in to reminder emails and the weekly report, and the signed unsubscribe links of every email.

An unsubscribe token is ``base64url(user id + what) . base64url(HMAC-SHA256)`` keyed by the server's
``SECRET_KEY``: it works without a login, names one user only, and cannot be forged or altered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from typing import Literal
from urllib.parse import quote

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from habit_server.db.models import NOTIFICATIONS, utcnow
from habit_server.runtime import Runtime
from habit_server.services.errors import Invalid
from habit_server.services.principal import Principal
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.notifications import NotificationSettings, Unsubscribed

N = NOTIFICATIONS
Stop = Literal["reminders", "weekly_report", "all"]
_STOPS: tuple[Stop, ...] = ("reminders", "weekly_report", "all")
_FIELDS = ("reminders", "time", "timezone", "weekly_report", "weekday")


async def get_settings(rt: Runtime, who: Principal) -> NotificationSettings:
    async with rt.db.connect() as conn:
        row = (await conn.execute(select(*(N.c[f] for f in _FIELDS)).where(N.c.user_id == who.user_id))).first()
    # Stored values were checked when they were put; not again (a time zone since retired must not fail the read).
    return NotificationSettings() if row is None else NotificationSettings.model_construct(**row._mapping)


async def put_settings(rt: Runtime, who: Principal, body: NotificationSettings) -> NotificationSettings:
    values = {**body.model_dump(), "updated_at": utcnow()}
    async with rt.db.begin() as conn:
        changed = await conn.execute(update(N).where(N.c.user_id == who.user_id).values(**values))
        if changed.rowcount == 1:
            return body
    try:
        async with rt.db.begin() as conn:
            await conn.execute(insert(N).values(user_id=who.user_id, **values))
    except IntegrityError:  # a concurrent first PUT inserted it
        async with rt.db.begin() as conn:
            await conn.execute(update(N).where(N.c.user_id == who.user_id).values(**values))
    return body


# ---- unsubscribe links ----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), b"unsubscribe:" + payload, hashlib.sha256).digest()[:16]


def unsubscribe_token(key: str, user_id: uuid.UUID, stop: Stop) -> str:
    payload = user_id.bytes + stop.encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def read_token(key: str, token: str) -> tuple[uuid.UUID, Stop] | None:
    """The user and what to turn off, or None for a token this server did not sign."""
    head, _, mac = token.partition(".")
    try:
        payload, given = _unb64(head), _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if len(payload) <= 16 or not hmac.compare_digest(given, _mac(key, payload)):
        return None
    stop = payload[16:].decode(errors="replace")
    for known in _STOPS:
        if stop == known:
            return uuid.UUID(bytes=payload[:16]), known
    return None


def unsubscribe_link(rt: Runtime, user_id: uuid.UUID, stop: Stop) -> str:
    token = unsubscribe_token(rt.settings.key, user_id, stop)
    return f"{rt.settings.public_url.rstrip('/')}/api/v1/unsubscribe?token={quote(token)}"


async def unsubscribe(rt: Runtime, token: str) -> Unsubscribed:
    """Turn off what the token names, for the user it names (no login: the signature is the proof)."""
    found = read_token(rt.settings.key, token)
    if found is None:
        raise Invalid(ErrorCode.VALIDATION_ERROR, "token: not a valid unsubscribe link")
    user_id, stop = found
    values: dict[str, object] = {"updated_at": utcnow()}
    if stop in ("reminders", "all"):
        values["reminders"] = False
    if stop in ("weekly_report", "all"):
        values["weekly_report"] = False
    async with rt.db.begin() as conn:
        await conn.execute(update(N).where(N.c.user_id == user_id).values(**values))
    return Unsubscribed(unsubscribed=stop)
