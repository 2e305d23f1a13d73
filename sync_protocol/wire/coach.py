"""``GET /api/v1/habits/at-risk/ai-coach``: the at-risk habits with advice.

Each item has the keys ``habit coach --json`` prints (:meth:`sync_protocol.coach.advice.Advice.to_json`),
so a script reads the server's coaching and the client's alike.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Source = Literal["ollama", "rules"]


class CoachAdvice(BaseModel):
    """Advice for one at-risk habit, as ``habit coach --json`` prints it."""

    habit_id: str
    name: str
    source: Source = Field(description="Who wrote the advice: the Ollama model, or the built-in rules.")
    model: str | None = Field(description="The Ollama model that answered (null: the rules did).")
    advice: str
    fallback_reason: str | None = Field(description="Why the rules answered although a model is configured.")
    facts: dict[str, Any] = Field(description="Why the habit is at risk, as numbers (streaks, score, misses).")


class CoachAnswer(BaseModel):
    """The at-risk habits (most urgent first), each with advice."""

    source: Source = Field(description="'ollama' when the model wrote some of the advice, else 'rules'.")
    model: str | None = Field(description="The Ollama model asked, when one is configured and answered.")
    days: int = Field(description="Habits not done for this many days count as at risk too.")
    items: list[CoachAdvice]
