"""Advice for one habit, saying which coach wrote it, and the check that an answer reads as advice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sync_protocol.coach.facts import HabitFacts
from sync_protocol.coach.rules import rule_advice

Source = Literal["ollama", "rules"]


@dataclass(frozen=True, slots=True)
class Advice:
    facts: HabitFacts
    text: str
    source: Source
    model: str = ""
    fallback_reason: str = ""
    """Why the model's answer was not used, when one was asked for and the rules answered."""

    def to_json(self) -> dict[str, Any]:
        return {
            "habit_id": self.facts.habit_id,
            "name": self.facts.name,
            "source": self.source,
            "model": self.model or None,
            "advice": self.text,
            "fallback_reason": self.fallback_reason or None,
            "facts": self.facts.to_json(),
        }


def rules_advice(facts: HabitFacts, reason: str = "") -> Advice:
    return Advice(facts=facts, text=rule_advice(facts), source="rules", fallback_reason=reason)


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]{2,}")


def visible_text(raw: str) -> str:
    """What of a model's answer a person should see: reasoning blocks removed, leading space trimmed.

    Grows only at its end as ``raw`` grows, so it can be streamed piece by piece.
    """
    text = _THINK.sub("", raw)
    start = text.find("<think>")
    if start >= 0:
        text = text[:start]
    else:
        for n in range(min(6, len(text)), 0, -1):  # a tag cut in half at the end of a chunk
            if "<think>".startswith(text[-n:]):
                text = text[:-n]
                break
    return text.lstrip()


def nonsense(text: str, *, complete: bool = True) -> str:
    """Why ``text`` is not usable advice (``''`` when it is). ``complete=False`` checks a beginning only."""
    body = text.strip()
    if complete and not body:
        return "the model gave an empty answer"
    if body[:1] in ("{", "[", "<") or body.startswith("```"):
        return "the model answered with data, not advice"
    visible = [c for c in body if not c.isspace()]
    if visible:
        letters = sum(1 for c in visible if c.isalpha())
        if letters / len(visible) < 0.6 or body.count("\ufffd") > 2:
            return "the model's answer was not readable text"
    if not complete:
        return ""
    words = _WORD.findall(body.lower())
    if len(body) < 25 or len(words) < 5:
        return "the model's answer was too short to be advice"
    if len(words) >= 12 and len(set(words)) / len(words) < 0.3:
        return "the model's answer repeated itself"
    return ""
