"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from habit_server.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database is unreachable"}})
async def readyz(rt: RuntimeDep) -> JSONResponse:
    """The database answers (else 503). Redis is reported too: while it is down the server
    keeps serving in degraded mode (``status: degraded``), so readiness does not fail on it."""
    checks: dict[str, Any] = {}
    try:
        async with rt.db.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if not rt.link.configured:
        checks["redis"] = "not configured"
    else:
        checks["redis"] = "ok" if await rt.link.ping() else "down"
    if checks["database"] != "ok":
        body = {"error": {"code": "not_ready", "message": "the database is unreachable"}, "checks": checks}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
    status = "degraded" if checks["redis"] == "down" else "ok"
    return JSONResponse({"status": status, "checks": checks})
