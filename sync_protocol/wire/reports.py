"""Reports over the API: ``POST /reports``, ``GET /reports/{id}``, ``GET /reports``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReportStatus = Literal["queued", "ready", "sending", "sent", "no_email", "failed"]
"""``queued`` (waiting or rendering), ``ready`` (the PDF is stored), ``sending``, ``sent`` (emailed),
``no_email`` (stored; the account has no email address), ``failed`` (see ``error``)."""


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Literal["week", "month"] = "week"
    date: dt.date | None = Field(default=None, description="A day of the period (default: today).")


class ReportOut(BaseModel):
    id: str
    period: Literal["week", "month"]
    start: dt.date
    status: ReportStatus
    error: str = ""
    size: int = Field(description="The PDF's size in bytes (0 until it is rendered).")
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    url: str | None = Field(default=None, description="With ?link=1 on a stored report: a presigned S3 URL.")


class ReportList(BaseModel):
    items: list[ReportOut]
