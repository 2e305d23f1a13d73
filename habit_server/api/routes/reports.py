"""PDF reports: ask for one (202), then read its state and its PDF (or a presigned S3 link)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from habit_server.api.deps import CurrentUser, RuntimeDep, Today
from habit_server.services import reports
from sync_protocol.wire.errors import ErrorResponse
from sync_protocol.wire.reports import ReportList, ReportOut, ReportRequest

router = APIRouter(prefix="/reports", tags=["reports"])
E: dict[str, Any] = {"model": ErrorResponse}


@router.post("", status_code=202, response_model=ReportOut, responses={401: E, 422: E, 503: E})
async def request_report(
    rt: RuntimeDep,
    who: CurrentUser,
    today: Today,
    body: ReportRequest | None = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=80,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="The same key gives the same report instead of a second one.",
        ),
    ] = None,
) -> ReportOut:
    """Make the PDF report of a week or month: emailed by the worker when delivery is configured."""
    return await reports.request_report(rt, who, body or ReportRequest(), today, idempotency_key)


@router.get("", response_model=ReportList, responses={401: E, 422: E})
async def list_reports(rt: RuntimeDep, who: CurrentUser, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ReportList:
    """Your reports, newest first."""
    return ReportList(items=await reports.list_reports(rt, who, limit))


@router.get(
    "/{report_id}",
    response_model=ReportOut,
    responses={
        200: {
            "description": "The PDF when it is stored; else (or with `?link=1`) the report's state as JSON.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        202: {"model": ReportOut, "description": "Not made yet: the report's state."},
        401: E,
        404: E,
        422: E,
        503: E,
    },
)
async def get_report(
    rt: RuntimeDep,
    who: CurrentUser,
    report_id: str,
    link: Annotated[bool, Query(description="A presigned S3 URL in `url` instead of the PDF.")] = False,
) -> Response:
    out, pdf = await reports.get_report(rt, who, report_id, link=link)
    if pdf is not None:
        name = f"habit-report-{out.period}-{out.start.isoformat()}.pdf"
        headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Report-Status": out.status}
        return Response(pdf, media_type="application/pdf", headers=headers)
    status = 202 if out.status == "queued" else 200
    return JSONResponse(out.model_dump(mode="json"), status_code=status)
