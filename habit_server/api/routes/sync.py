"""Sync endpoints (DESIGN.md section 3): status, push, pull, and the hint stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter

from habit_server.api import metrics
from habit_server.api.deps import CurrentUser, RuntimeDep, SignedCaller, runtime_of, signed_caller
from habit_server.api.direct import Errors, body_value, raise_errors, read_json, reads
from habit_server.services import auth
from habit_server.services import pull as pull_service
from habit_server.services import push as push_service
from sync_protocol.protocol import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, STREAM_HINT_EVENT
from sync_protocol.wire.errors import ErrorResponse
from sync_protocol.wire.sync import (
    PullResponse,
    PushRequest,
    PushResponse,
    StatusResponse,
    StreamHint,
)

router = APIRouter(prefix="/sync", tags=["sync"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


# The push first: it is the busiest route, and routes are matched in order.
@router.post(
    "/events",
    response_model=PushResponse,
    responses={**ERRORS, 400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 429: {"model": ErrorResponse}},
)
async def push(rt: RuntimeDep, caller: SignedCaller, body: PushRequest) -> Response:
    """Store up to 500 events (idempotent by ``event_id``); one result per event, in order."""
    result = await push_service.push(rt, caller, body.events)
    if rt.settings.metrics:
        metrics.count_push(result)
    return Response(result.model_dump_json(), media_type="application/json")


_PUSH_BODY = TypeAdapter(PushRequest)


@reads(push)
async def _read_push(request: Request) -> Response:
    raw = await read_json(request)
    rt, caller = runtime_of(request), await signed_caller(request)
    errors: Errors = []
    body = body_value(_PUSH_BODY, raw, errors, required=True)
    raise_errors(errors)
    assert body is not None
    return await push(rt=rt, caller=caller, body=body)


@router.get("/status", response_model=StatusResponse, responses=ERRORS)
async def status(rt: RuntimeDep, who: CurrentUser) -> StatusResponse:
    """The identity of this user's log and its newest ``server_seq``."""
    return await pull_service.status(rt, who.user_id)


@router.get("/events", response_model=PullResponse, responses=ERRORS)
async def pull(
    rt: RuntimeDep,
    who: CurrentUser,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="The cursor: last server_seq seen.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    """Events after ``after`` in ``server_seq`` order, a page at a time."""
    return Response(await pull_service.pull_json(rt, who.user_id, after, limit), media_type="application/json")


def _sse(head: int) -> bytes:
    data = StreamHint(head_seq=head).model_dump_json()
    return f"event: {STREAM_HINT_EVENT}\nid: {head}\ndata: {data}\n\n".encode()


@router.get(
    "/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream(rt: RuntimeDep, who: CurrentUser, claims: SignedCaller) -> StreamingResponse:
    """Server-Sent Events: a ``hint`` with the current ``head_seq`` now and after every change.

    Hints may be coalesced or repeated; on each, pull from your cursor. A comment line is sent
    every ``STREAM_KEEPALIVE_SECONDS`` to keep proxies from closing the connection. The stream
    ends when its access token expires, and when the device is logged out or revoked, its
    password changes or the account is deleted: reconnect with a fresh token.
    """
    keepalive = rt.settings.stream_keepalive_seconds

    async def events() -> AsyncIterator[bytes]:
        with rt.hub.subscribe(who.key) as queue:
            yield _sse(await pull_service.head(rt, who.user_id))
            while True:
                left = claims.exp - time.time()
                if left <= 0:
                    return
                try:
                    hint = await asyncio.wait_for(queue.get(), timeout=min(keepalive, left))
                except TimeoutError:
                    if not await auth.still_valid(rt, claims):
                        return
                    yield b": keep-alive\n\n"
                    continue
                if not await auth.still_valid(rt, claims):
                    return
                yield _sse(hint if hint is not None else await pull_service.head(rt, who.user_id))

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
