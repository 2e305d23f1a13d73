"""Coaching over the API: the at-risk habits with advice, from Ollama when configured, else the rules.

The facts and the advice come from :mod:`sync_protocol.coach` (the client's ``habit coach`` uses
the same): the model sees habit facts only, never a name, username or email. The answer is cached
per user under the head of the user's event log, so any write (a push, a REST change) makes the
next request compute it again. An answer in which the rules stood in for a failed or busy model is
not cached.

A slow model cannot hold the server: at most ``COACH_CONCURRENCY`` requests per worker talk to
Ollama at once (one worker thread each); a request that cannot get a slot within
``COACH_QUEUE_SECONDS`` is answered by the rules; each answer is bounded by ``OLLAMA_TIMEOUT``,
and habits still waiting after ``COACH_BUDGET_SECONDS`` get the rules' advice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date

import anyio.to_thread

from habit_server.runtime import Runtime
from habit_server.services.principal import Principal
from habit_server.services.user_data import habits_and_checkins
from habit_server.settings import Settings
from sync_protocol.coach.advice import Advice, rules_advice
from sync_protocol.coach.coach import Coach
from sync_protocol.coach.facts import HabitFacts, at_risk_facts
from sync_protocol.coach.settings import ModelSettings
from sync_protocol.wire.coach import CoachAdvice, CoachAnswer

log = logging.getLogger("habit_server.coaching")


BUSY = "the coach is busy with other requests"
OUT_OF_TIME = "the time for coaching ran out"


def model_settings(settings: Settings) -> ModelSettings | None:
    """The model to ask, or None when ``OLLAMA_HOST`` is not set (the rules answer)."""
    if not settings.ollama_host.strip():
        return None
    return ModelSettings(
        host=settings.ollama_host.strip(), model=settings.ollama_model.strip(), timeout=settings.ollama_timeout
    )


async def ai_coach(rt: Runtime, who: Principal, days: int, today: date) -> tuple[bytes, bool]:
    """The answer as JSON, and whether it came from the cache."""
    key = f"ai-coach?days={days}@{today.isoformat()}"
    body = await rt.cache.get(who.key, who.log_state, key)
    if body is not None:
        return body, True
    async with rt.db.connect() as conn:
        habits, checkins = await habits_and_checkins(conn, who.user_id, today)
    facts = await anyio.to_thread.run_sync(lambda: at_risk_facts(habits, checkins, today, risk_days=days))
    advice = await _advise(rt, facts)
    answer = CoachAnswer(
        source="ollama" if any(a.source == "ollama" for a in advice) else "rules",
        model=next((a.model for a in advice if a.source == "ollama"), None),
        days=days,
        items=[CoachAdvice.model_validate(a.to_json()) for a in advice],
    )
    body = answer.model_dump_json().encode()
    if not any(a.fallback_reason for a in advice):  # a model that failed or was busy is asked again next time
        await rt.cache.put(who.key, who.log_state, key, body)
    return body, False


async def _advise(rt: Runtime, facts: list[HabitFacts]) -> list[Advice]:
    chosen = model_settings(rt.settings)
    if chosen is None or not facts:
        return [rules_advice(f) for f in facts]
    slots = rt.coach_slots
    if not await _take(slots, rt.settings.coach_queue_seconds):
        log.info("coaching: every model slot was busy; the rules answered")
        return [rules_advice(f, BUSY) for f in facts]
    try:
        budget = rt.settings.coach_budget_seconds
        return await anyio.to_thread.run_sync(lambda: _ask_model(chosen, facts, budget))
    finally:
        slots.release()


async def _take(slots: asyncio.Semaphore, wait: float) -> bool:
    """A slot, waiting at most ``wait`` seconds for one (a free slot is taken at once, even with 0)."""
    if not slots.locked():
        await slots.acquire()  # does not wait: nothing can take the slot in between
        return True
    try:
        await asyncio.wait_for(slots.acquire(), timeout=wait)
    except TimeoutError:
        return False
    return True


def _ask_model(chosen: ModelSettings, facts: list[HabitFacts], budget: float) -> list[Advice]:
    """In a worker thread: the model's advice for each habit, the rules' once the budget is spent."""
    deadline = time.monotonic() + budget
    out: list[Advice] = []
    with Coach(chosen) as coach:
        for f in facts:
            if time.monotonic() > deadline:
                out.append(rules_advice(f, OUT_OF_TIME))
            else:
                out.append(coach.advise(f, stream=False))
    return out
