"""Habits over REST, as in the original product. Every write becomes a sync event."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import TypeAdapter

from habit_server.api.caching import cached_json
from habit_server.api.deps import CurrentUser, RuntimeDep, SignedCaller, Today, runtime_of, signed_caller, today_of
from habit_server.api.direct import Errors, body_value, query_value, raise_errors, read_json, reads
from habit_server.services import coaching, habits
from habit_server.services.errors import NotFound
from sync_protocol.coach.facts import DEFAULT_RISK_DAYS
from sync_protocol.wire.coach import CoachAnswer
from sync_protocol.wire.errors import ErrorResponse
from sync_protocol.wire.habits import CheckinOut, CompleteRequest, HabitCreate, HabitOut, HabitPage, HabitUpdate

router = APIRouter(prefix="/habits", tags=["habits"])
E: dict[str, Any] = {"model": ErrorResponse}
ERRORS: dict[int | str, dict[str, Any]] = {401: E, 404: E, 422: E}


# The check-in routes first: they are the busiest, and routes are matched in order (no other
# route's path has this shape).
@router.post("/{habit_id}/complete", response_model=HabitOut, responses=ERRORS)
async def complete(
    rt: RuntimeDep,
    caller: SignedCaller,
    habit_id: str,
    today: Today,
    body: Annotated[CompleteRequest | None, Body()] = None,
) -> Response:
    """Mark done (default today; ``value`` for measurable habits), or ``skip``."""
    return _json(await habits.complete(rt, caller, habit_id, body or CompleteRequest(), today))


_COMPLETE_BODY: TypeAdapter[CompleteRequest | None] = TypeAdapter(CompleteRequest | None)


@reads(complete)
async def _read_complete(request: Request) -> Response:
    raw = await read_json(request)
    rt, caller = runtime_of(request), await signed_caller(request)
    errors: Errors = []
    today = today_of(request, errors)
    body = body_value(_COMPLETE_BODY, raw, errors, required=False)
    raise_errors(errors)
    assert today is not None
    return await complete(rt=rt, caller=caller, habit_id=request.path_params["habit_id"], today=today, body=body)


@router.delete("/{habit_id}/complete", response_model=HabitOut, responses=ERRORS)
async def uncomplete(
    rt: RuntimeDep,
    caller: SignedCaller,
    habit_id: str,
    today: Today,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    """Clear the check-in of a day (default today)."""
    return _json(await habits.uncomplete(rt, caller, habit_id, day, today))


_DATE: TypeAdapter[date | None] = TypeAdapter(date | None)


@reads(uncomplete)
async def _read_uncomplete(request: Request) -> Response:
    rt, caller = runtime_of(request), await signed_caller(request)
    errors: Errors = []
    today = today_of(request, errors)
    day = query_value(request, "date", _DATE, errors)
    raise_errors(errors)
    assert today is not None
    return await uncomplete(rt=rt, caller=caller, habit_id=request.path_params["habit_id"], today=today, day=day)


def _json(habit: HabitOut) -> Response:
    """The answer of a check-in write, serialised once (the model is already valid; the busiest
    REST path does not pay for FastAPI's second validation of ``response_model``)."""
    return Response(habit.model_dump_json(), media_type="application/json")


@router.get("", response_model=HabitPage, responses={401: E, 422: E})
async def list_habits(
    *,
    rt: RuntimeDep,
    who: CurrentUser,
    request: Request,
    today: Today,
    skip: Annotated[int, Query(ge=0, le=10**6)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    include_archived: bool = False,
) -> Response:
    """Your habits with streaks and scores, ordered by position then name."""
    return await cached_json(
        rt,
        who,
        request,
        today,
        lambda: habits.list_habits(rt, who, skip=skip, limit=limit, include_archived=include_archived, today=today),
    )


@router.post("", status_code=201, response_model=HabitOut, responses={401: E, 409: E, 422: E})
async def create_habit(rt: RuntimeDep, who: CurrentUser, body: HabitCreate, today: Today) -> HabitOut:
    return await habits.create_habit(rt, who, body, today)


@router.get("/at-risk", response_model=list[HabitOut], responses={401: E, 422: E})
async def at_risk(
    rt: RuntimeDep,
    who: CurrentUser,
    request: Request,
    today: Today,
    days: Annotated[int | None, Query(ge=1, le=3650, description="Also: not done for this many days.")] = None,
) -> Response:
    """Habits whose streak breaks unless done this period, or not done for ``days`` days."""
    return await cached_json(rt, who, request, today, lambda: habits.at_risk(rt, who, days, today))


@router.get("/at-risk/ai-coach", response_model=CoachAnswer, responses={401: E, 404: E, 422: E})
async def ai_coach(
    rt: RuntimeDep,
    who: CurrentUser,
    today: Today,
    days: Annotated[int, Query(ge=1, le=365, description="Also: not done for this many days.")] = DEFAULT_RISK_DAYS,
    user_id: Annotated[str | None, Query(description="The original API's; only your own id (else 404).")] = None,
) -> Response:
    """The at-risk habits with advice: from the server's Ollama model (``OLLAMA_HOST``) or the built-in
    coach; ``source`` says which. The model is told habit facts only: no names, usernames or emails.
    Cached until your data changes."""
    if user_id is not None and user_id.strip().lower() != who.key:
        raise NotFound("user")
    body, hit = await coaching.ai_coach(rt, who, days, today)
    return Response(body, media_type="application/json", headers={"X-Cache": "hit" if hit else "miss"})


@router.get("/{habit_id}", response_model=HabitOut, responses=ERRORS)
async def get_habit(rt: RuntimeDep, who: CurrentUser, request: Request, habit_id: str, today: Today) -> Response:
    return await cached_json(rt, who, request, today, lambda: habits.get_habit(rt, who, habit_id, today))


@router.put("/{habit_id}", response_model=HabitOut, responses={**ERRORS, 409: E})
async def update_habit(rt: RuntimeDep, who: CurrentUser, habit_id: str, body: HabitUpdate, today: Today) -> HabitOut:
    return await habits.update_habit(rt, who, habit_id, body, today)


@router.delete("/{habit_id}", status_code=204, responses=ERRORS)
async def delete_habit(rt: RuntimeDep, who: CurrentUser, habit_id: str) -> Response:
    await habits.delete_habit(rt, who, habit_id)
    return Response(status_code=204)


@router.get("/{habit_id}/checkins", response_model=list[CheckinOut], responses=ERRORS)
async def checkins(rt: RuntimeDep, who: CurrentUser, habit_id: str) -> list[CheckinOut]:
    return await habits.checkins(rt, who, habit_id)
