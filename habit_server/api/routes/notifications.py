"""Reminder emails and the weekly report: the opt-in, and the unsubscribe link every email carries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from habit_server.api.deps import CurrentUser, RuntimeDep
from habit_server.services import notifications
from sync_protocol.wire.errors import ErrorResponse
from sync_protocol.wire.notifications import NotificationSettings, Unsubscribed

router = APIRouter(tags=["notifications"])
E: dict[str, Any] = {"model": ErrorResponse}


@router.get("/users/me/notifications", response_model=NotificationSettings, responses={401: E})
async def get_notifications(rt: RuntimeDep, who: CurrentUser) -> NotificationSettings:
    """Your reminder and weekly-report settings (all off until you opt in)."""
    return await notifications.get_settings(rt, who)


@router.put("/users/me/notifications", response_model=NotificationSettings, responses={401: E, 422: E})
async def put_notifications(rt: RuntimeDep, who: CurrentUser, body: NotificationSettings) -> NotificationSettings:
    """Opt in or out: a daily email of the habits at risk at ``time`` (local, in ``timezone``), and the
    weekly report on ``weekday``. An unknown time zone gives 422. Needs delivery (SES) on the server."""
    return await notifications.put_settings(rt, who, body)


@router.get("/unsubscribe", response_model=Unsubscribed, responses={422: E})
async def unsubscribe(
    rt: RuntimeDep,
    token: Annotated[str, Query(min_length=1, max_length=200, description="The signed token of an email's link.")],
) -> Unsubscribed:
    """The link in every email: turns the scheduled emails it names off, without a login."""
    return await notifications.unsubscribe(rt, token)
