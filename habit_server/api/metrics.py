"""Prometheus metrics (``METRICS=true``): request latency, pushed events, the database pool, Redis.

With several workers, ``habit-server`` points ``PROMETHEUS_MULTIPROC_DIR`` at a directory of its
own before the workers start, so that whichever worker answers ``/metrics`` reports the sum of all
of them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import collections
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol.wire.sync import PushResponse

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "habit_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PUSHED_EVENTS = Counter(
    "habit_push_events_total", "Events received by sync pushes, by result (ok, duplicate, error).", ["result"]
)
POOL_IN_USE = Gauge(
    "habit_db_pool_connections_in_use", "Database connections checked out of the pool.", multiprocess_mode="livesum"
)
POOL_TIMEOUTS = Counter(
    "habit_db_pool_timeouts_total", "Requests that waited for a free database connection in vain (503)."
)
DATABASE_UNAVAILABLE = Counter(
    "habit_db_unavailable_total", "Requests answered 503 because the database was unreachable."
)
REDIS_UP = Gauge(
    "habit_redis_up",
    "1 when Redis answers, 0 when it is down (the server runs degraded), -1 when REDIS_URL is not set.",
    multiprocess_mode="mostrecent",
)


def count_push(response: PushResponse) -> None:
    for result, n in collections.Counter(r.status for r in response.results).items():
        PUSHED_EVENTS.labels(str(result)).inc(n)


def watch_pool(engine: AsyncEngine) -> None:
    """Count the connections checked out of ``engine``'s pool."""
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *_args: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_args: POOL_IN_USE.dec())


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    """The matched route's path template with the prefixes of the routers it was included with
    (``/api/v1/habits/{habit_id}``): the route knows only its own part, the rest is the literal
    prefix of the request path before the part the route matched."""
    route: Any = scope.get("route")
    pattern, own = getattr(route, "path_regex", None), getattr(route, "path_format", None)
    if pattern is None or own is None:
        return "unmatched"
    path: str = scope["path"]
    start = 0
    while start != -1:
        if pattern.match(path[start:]):
            return path[:start] + str(own)
        start = path.find("/", start + 1)
    return str(own)


class MetricsMiddleware:
    """Times every HTTP request; labelled by route template (never the raw path: unbounded labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(time.perf_counter() - started)
