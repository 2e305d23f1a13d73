"""Serve read-heavy GETs from the per-user response cache (keyed by where the user's log stands)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from fastapi import Request, Response
from pydantic import TypeAdapter

from habit_server.runtime import Runtime
from habit_server.services.principal import Principal


async def cached_json(
    rt: Runtime, who: Principal, request: Request, today: date, compute: Callable[[], Awaitable[Any]]
) -> Response:
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    key = f"{request.url.path}?{query}@{today.isoformat()}"
    body = await rt.cache.get(who.key, who.log_state, key)
    state = "hit"
    if body is None:
        state = "miss"
        value = await compute()
        body = TypeAdapter(type(value)).dump_json(value) if not isinstance(value, list) else _dump_list(value)
        await rt.cache.put(who.key, who.log_state, key, body)
    return Response(body, media_type="application/json", headers={"X-Cache": state})


def _dump_list(items: list[Any]) -> bytes:
    return b"[" + b",".join(item.model_dump_json().encode() for item in items) + b"]"
