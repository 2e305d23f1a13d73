"""The user's own account: profile, GDPR export, deletion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from habit_server.api.deps import CurrentUser, RuntimeDep
from habit_server.services import users
from sync_protocol.wire.auth import UserPublic, UserUpdate
from sync_protocol.wire.errors import ErrorResponse

router = APIRouter(prefix="/users", tags=["users"])
E: dict[str, Any] = {"model": ErrorResponse}


@router.get("/me", response_model=UserPublic, responses={401: E})
async def me(rt: RuntimeDep, who: CurrentUser) -> UserPublic:
    return await users.me(rt, who)


@router.put("/me", response_model=UserPublic, responses={401: E, 403: E, 422: E})
async def update_me(rt: RuntimeDep, who: CurrentUser, body: UserUpdate) -> UserPublic:
    """Change email, nickname or password (with ``current_password``). The role cannot be changed here."""
    return await users.update_me(rt, who, body)


@router.delete("/me", status_code=204, responses={401: E})
async def delete_me(rt: RuntimeDep, who: CurrentUser) -> Response:
    """Delete the account and all its data."""
    await users.delete_me(rt, who)
    return Response(status_code=204)


@router.get("/me/export", responses={401: E})
async def export(rt: RuntimeDep, who: CurrentUser) -> dict[str, Any]:
    """Everything the server holds about you: profile, devices, habits with check-ins, the event log."""
    return await users.export(rt, who)
