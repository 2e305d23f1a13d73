"""Messages of the REST habit endpoints (parity with the original product's API)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sync_protocol.wire.sync import UUID_PATTERN

HabitKindText = Literal["yes_no", "measurable"]
TargetTypeText = Literal["at_least", "at_most"]


class HabitCreate(BaseModel):
    """``POST /api/v1/habits``. ``frequency`` is the original API's name for ``schedule``."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=UUID_PATTERN, description="Client-made UUID; the server makes one.")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    kind: HabitKindText | None = Field(default=None, description="Default: measurable when a target is given.")
    schedule: str | None = Field(default=None, max_length=40, description="daily | mon,wed | 3/week | every 2 days")
    frequency: str | None = Field(default=None, max_length=40, description="Alias of schedule ('weekly' = 1/week).")
    unit: str = Field(default="", max_length=20)
    target: float | None = Field(default=None, ge=0, le=1e9)
    target_type: TargetTypeText = "at_least"
    tags: list[str] | str = Field(default_factory=list, description="A list, or comma-separated text.")
    color: str = Field(default="", max_length=20)
    position: int = Field(default=0, ge=-(10**9), le=10**9)
    start_date: dt.date | None = None


class HabitUpdate(BaseModel):
    """``PUT /api/v1/habits/{id}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    kind: HabitKindText | None = None
    schedule: str | None = Field(default=None, max_length=40)
    frequency: str | None = Field(default=None, max_length=40)
    unit: str | None = Field(default=None, max_length=20)
    target: float | None = Field(default=None, ge=0, le=1e9)
    target_type: TargetTypeText | None = None
    tags: list[str] | str | None = None
    color: str | None = Field(default=None, max_length=20)
    position: int | None = Field(default=None, ge=-(10**9), le=10**9)
    archived: bool | None = None
    start_date: dt.date | None = None


class CompleteRequest(BaseModel):
    """``POST /api/v1/habits/{id}/complete``; an empty body means "done today"."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(default=None, description="The user's calendar day; default: the server's today.")
    value: float | None = Field(default=None, ge=0, le=1e9, description="Measurable habits; yes/no habits take 1.")
    note: str = Field(default="", max_length=1000)
    skip: bool = Field(default=False, description="Record a skip instead of a completion.")


class CheckinOut(BaseModel):
    date: dt.date
    value: float | None
    skipped: bool
    note: str


class HabitOut(BaseModel):
    id: str
    name: str
    description: str
    kind: HabitKindText
    unit: str
    target: float
    target_type: TargetTypeText
    schedule: str
    tags: list[str]
    color: str
    position: int
    archived: bool
    start_date: dt.date
    done_today: bool
    current_streak: int
    best_streak: int
    score: float
    at_risk: bool
    completion_rate: float | None
    last_done: dt.date | None
    days_since_done: int


class HabitPage(BaseModel):
    items: list[HabitOut]
    total: int
    skip: int
    limit: int
