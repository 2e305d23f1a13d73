"""Annotated dependencies shared by the routers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import TypeAdapter

from habit_server.api.direct import Errors, query_value
from habit_server.runtime import Runtime
from habit_server.services import auth, tokens
from habit_server.services.errors import Invalid, Unauthorized
from habit_server.services.principal import Principal
from habit_server.services.tokens import AccessClaims
from sync_protocol.protocol import TOKEN_PATH
from sync_protocol.wire.errors import ErrorCode

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_PATH, auto_error=False)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def claims_of(rt: Runtime, token: str | None) -> AccessClaims:
    """The claims of a well-signed, unexpired access token (the device and account are not read)."""
    if not token:
        raise Unauthorized(ErrorCode.NOT_AUTHENTICATED, "log in first: send 'Authorization: Bearer <access token>'")
    return tokens.read_access(rt.settings.key, token)


async def access_claims(rt: RuntimeDep, token: Annotated[str | None, Depends(_bearer)]) -> AccessClaims:
    return claims_of(rt, token)


async def signed_caller(request: Request) -> AccessClaims:
    """:data:`SignedCaller` for a route's reader (``habit_server.api.direct``)."""
    return claims_of(runtime_of(request), await _bearer(request))


SignedCaller = Annotated[AccessClaims, Depends(access_claims)]
"""For the sync push only: it checks the device and account itself, in the statement that takes
the user's lock. Every other route uses :data:`CurrentUser`."""


async def current_principal(rt: RuntimeDep, claims: SignedCaller) -> Principal:
    return await auth.authenticate(rt, claims)


CurrentUser = Annotated[Principal, Depends(current_principal)]


def check_today(today: date | None) -> date:
    if today is None:
        return date.today()
    utc = datetime.now(UTC).date()
    if not utc - timedelta(days=1) <= today <= utc + timedelta(days=1):
        # Every time zone's date is within a day of UTC's; a far date would make a read replay centuries.
        raise Invalid(ErrorCode.VALIDATION_ERROR, f"today: must be within a day of the server's date ({utc})")
    return today


async def today_param(
    today: Annotated[
        date | None,
        Query(description="Your calendar day (default: the server's): within a day of the server's UTC date."),
    ] = None,
) -> date:
    return check_today(today)


_DAY: TypeAdapter[date | None] = TypeAdapter(date | None)


def today_of(request: Request, errors: Errors) -> date | None:
    """:data:`Today` for a route's reader: None, with the errors added, when ``?today=`` is not a date."""
    day = query_value(request, "today", _DAY, errors)
    return None if errors else check_today(day)


Today = Annotated[date, Depends(today_param)]
