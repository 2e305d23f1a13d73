"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from habit_server.api import direct, errors, openapi
from habit_server.api.metrics import MetricsMiddleware, watch_pool
from habit_server.api.middleware import BodyLimitMiddleware, ProtocolMiddleware
from habit_server.api.routes import admin, auth, habits, health, metrics, notifications, reports, sync, users
from habit_server.runtime import Runtime
from habit_server.settings import Settings
from sync_protocol.protocol import API_PREFIX, PROTOCOL_VERSION

log = logging.getLogger("habit_server")

GC_YOUNG_THRESHOLD = 20_000

DESCRIPTION = f"""
The sync server of the terminal habit tracker, and the REST API of the original product.

* **Sync protocol v{PROTOCOL_VERSION}**: `GET /sync/status`, `POST /sync/events`, `GET /sync/events?after=&limit=`,
  `GET /sync/stream` (Server-Sent Events). Every response carries `X-Habit-Protocol`.
* **Auth**: register with `POST /users`, log in with `POST /security/token` (OAuth2 password form),
  send `Authorization: Bearer <access_token>`.
* Errors are `{{"error": {{"code": ..., "message": ...}}}}` with a stable `code`.
"""


class _HideQueryTokens(logging.Filter):
    """uvicorn's access log keeps the path, not the ``?token=`` of an email's unsubscribe link."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str) and "token=" in args[2]:
            record.args = (*args[:2], args[2].partition("?")[0] + "?token=...", *args[3:])
        return True


_HIDE_TOKENS = _HideQueryTokens()


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    logging.getLogger("uvicorn.access").addFilter(_HIDE_TOKENS)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        # The ~130,000 objects of the loaded app never die: move them out of the collector's way, or
        # every full collection stops this worker for ~50 ms with requests in flight.
        gc.collect()
        gc.freeze()
        # A request makes a few hundred tracked objects: at the default threshold (700) the collector
        # ran after every other request and promoted the objects of the requests in flight to older
        # generations, to be traversed again there (~5% of a worker's CPU under load, measured).
        gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)
        try:
            yield
        finally:
            await runtime.close()

    # No OpenTelemetry: FastAPI's native telemetry would look up its providers on every request.
    app = FastAPI(
        title="habit-server",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # /docs and /redoc load their scripts from a public CDN: DOCS=false turns them off (/openapi.json stays).
        docs_url="/docs" if settings.docs else None,
        redoc_url="/redoc" if settings.docs else None,
    )
    app.state.runtime = runtime
    errors.install(app)
    routers = (  # routes are matched in this order: the busiest first
        sync.router,
        habits.router,
        auth.router,
        notifications.router,
        users.router,
        reports.router,
        admin.router,
    )
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)
    app.router.routes[0:0] = direct.first_routes(API_PREFIX, routers)  # the push and the check-in
    app.include_router(health.router)
    if settings.metrics:
        app.include_router(metrics.router)
        watch_pool(runtime.db.engine)
    openapi.install(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(ProtocolMiddleware)
    if settings.metrics:
        app.add_middleware(MetricsMiddleware)  # outermost: 413 and 426 answers are timed too
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory habit_server.api.app:app_from_env`` (what ``habit-server`` runs)."""
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(settings)
