"""``GET /metrics``: Prometheus text format; mounted only when ``METRICS=true``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from habit_server.api import metrics
from habit_server.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def prometheus(rt: RuntimeDep) -> Response:
    """Request latency by route and status, pushed events, database pool use and waits, Redis state.

    Not authenticated: keep it off the internet (bind it to a private network or block the path in
    the reverse proxy)."""
    metrics.REDIS_UP.set((1 if await rt.link.ping() else 0) if rt.link.configured else -1)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
