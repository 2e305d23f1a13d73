"""User management for admins. Nobody can change their own role or disable themselves."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from habit_server.api.deps import CurrentUser, RuntimeDep
from habit_server.services import users
from habit_server.services.errors import NotFound
from sync_protocol.wire.auth import Role, UserPublic
from sync_protocol.wire.errors import ErrorResponse

router = APIRouter(prefix="/admin", tags=["admin"])
E: dict[str, Any] = {"model": ErrorResponse}
ERRORS: dict[int | str, dict[str, Any]] = {401: E, 403: E, 404: E, 422: E}


class UserList(BaseModel):
    items: list[UserPublic]
    total: int
    skip: int
    limit: int


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


def _id(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError:
        raise NotFound("user") from None


@router.get("/users", response_model=UserList, responses=ERRORS)
async def list_users(
    rt: RuntimeDep,
    who: CurrentUser,
    skip: Annotated[int, Query(ge=0, le=10**6)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UserList:
    items, total = await users.list_users(rt, who, skip, limit)
    return UserList(items=items, total=total, skip=skip, limit=limit)


@router.get("/users/{user_id}", response_model=UserPublic, responses=ERRORS)
async def get_user(rt: RuntimeDep, who: CurrentUser, user_id: str) -> UserPublic:
    return await users.get_user(rt, who, _id(user_id))


@router.put("/users/{user_id}/role", response_model=UserPublic, responses=ERRORS)
async def set_role(rt: RuntimeDep, who: CurrentUser, user_id: str, body: RoleChange) -> UserPublic:
    return await users.admin_update(rt, who, _id(user_id), role=body.role)


@router.post("/users/{user_id}/disable", response_model=UserPublic, responses=ERRORS)
async def disable(rt: RuntimeDep, who: CurrentUser, user_id: str) -> UserPublic:
    return await users.admin_update(rt, who, _id(user_id), disabled=True)


@router.post("/users/{user_id}/enable", response_model=UserPublic, responses=ERRORS)
async def enable(rt: RuntimeDep, who: CurrentUser, user_id: str) -> UserPublic:
    return await users.admin_update(rt, who, _id(user_id), disabled=False)
