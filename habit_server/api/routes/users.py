"""The user's own account: profile, GDPR export, deletion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from habit_server.api.deps import CurrentUser, RuntimeDep
from habit_server.services import users
from sync_protocol.wire.auth import PasswordCheck, ProfileUpdate, UserPublic, UserUpdate
from sync_protocol.wire.errors import ErrorResponse

router = APIRouter(prefix="/users", tags=["users"])
E: dict[str, Any] = {"model": ErrorResponse}


@router.get("/me", response_model=UserPublic, responses={401: E})
async def me(rt: RuntimeDep, who: CurrentUser) -> UserPublic:
    return await users.me(rt, who)


@router.put("/me", response_model=UserPublic, responses={401: E, 403: E, 422: E, 429: E})
async def update_me(rt: RuntimeDep, who: CurrentUser, body: UserUpdate) -> UserPublic:
    """Change email, nickname or password (with ``current_password``). The role cannot be changed here.

    A new password logs out every other device of the account (their tokens stop working at once).
    Wrong ``current_password`` guesses are limited like logins (429).
    """
    return await users.update_me(rt, who, body)


@router.put("/{user_id}", response_model=UserPublic, responses={401: E, 403: E, 404: E, 422: E})
async def update_profile(rt: RuntimeDep, who: CurrentUser, user_id: str, body: ProfileUpdate) -> UserPublic:
    """The original API's profile update, for your own id only (another id: 404): nickname and email.
    A ``role`` in the body changes nothing."""
    return await users.update_profile(rt, who, user_id, body)


@router.delete("/me", status_code=204, responses={401: E, 403: E, 422: E, 429: E})
async def delete_me(rt: RuntimeDep, who: CurrentUser, body: PasswordCheck) -> Response:
    """Delete the account and all its data. The body carries the account's password: ``{"password": ...}``."""
    await users.delete_me(rt, who, body.password)
    return Response(status_code=204)


@router.get("/me/export", responses={401: E, 200: {"content": {"application/json": {}}}})
async def export(rt: RuntimeDep, who: CurrentUser) -> Response:
    """Everything the server holds about you: profile, devices, habits with check-ins, the event log."""
    return Response(await users.export(rt, who), media_type="application/json")
