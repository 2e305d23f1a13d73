"""Accounts, tokens and devices."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Response

from habit_server.api.client_ip import ClientIP
from habit_server.api.deps import CurrentUser, RuntimeDep
from habit_server.services import auth
from habit_server.services.errors import NotFound
from sync_protocol.wire.auth import DeviceName, DeviceOut, RefreshRequest, RegisterRequest, TokenResponse, UserPublic
from sync_protocol.wire.errors import ErrorResponse

router = APIRouter(tags=["auth"])
E: dict[str, Any] = {"model": ErrorResponse}


@router.post("/users", status_code=201, response_model=UserPublic, responses={403: E, 409: E, 422: E, 429: E})
async def register(rt: RuntimeDep, body: RegisterRequest, client: ClientIP) -> UserPublic:
    """Create an account (role ``user``). Passwords: 8+ characters, not trivially guessable.

    The server's ``REGISTRATION`` setting decides who may: anyone (``open``), holders of an invite
    code (``invite``: 403 ``invite_required`` without a valid one), or nobody (``closed``: 403
    ``registration_closed``). Sign-ups per client address are limited (429).
    """
    return await auth.register(rt, body, client)


@router.post("/security/token", response_model=TokenResponse, responses={401: E, 403: E, 422: E, 429: E})
async def token(
    *,
    rt: RuntimeDep,
    client: ClientIP,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=256)],
    device_name: Annotated[DeviceName, Form(description="Shown in the device list.")] = "",
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenResponse:
    """OAuth2 password login: an access token and a refresh token bound to a new device.

    An unknown username and a wrong password get the same answer. Attempts are limited per
    address and account, per account from all addresses, and per address (429 with Retry-After).
    """
    return await auth.login(rt, username, password, device_name, client)


@router.post("/security/refresh", response_model=TokenResponse, responses={401: E, 422: E})
async def refresh(rt: RuntimeDep, body: RefreshRequest) -> TokenResponse:
    """Trade a refresh token for new tokens. Each refresh token works once; reusing one logs the device out."""
    return await auth.refresh(rt, body.refresh_token)


@router.post("/security/logout", status_code=204, responses={401: E})
async def logout(rt: RuntimeDep, who: CurrentUser) -> Response:
    """Log this device out: its access and refresh tokens stop working."""
    await auth.revoke_device(rt, who, who.device_id)
    return Response(status_code=204)


@router.get("/devices", response_model=list[DeviceOut], responses={401: E})
async def devices(rt: RuntimeDep, who: CurrentUser) -> list[DeviceOut]:
    return await auth.devices(rt, who)


@router.delete("/devices/{device_id}", status_code=204, responses={401: E, 404: E})
async def revoke(rt: RuntimeDep, who: CurrentUser, device_id: str) -> Response:
    """Log one of your devices out."""
    try:
        parsed = uuid.UUID(device_id)
    except ValueError:
        raise NotFound("device") from None
    await auth.revoke_device(rt, who, parsed)
    return Response(status_code=204)
