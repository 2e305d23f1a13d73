"""The messages sent to a language model: habit facts only.

The habit's name, its notes, tags and anything else a person typed stay on the device; the
model sees the kind of habit, its schedule and goal, and numbers. A unit is passed on only
when it looks like a unit (a short word), so an e-mail address or a name typed there does
not leak.
"""

from __future__ import annotations

import re

from sync_protocol.coach.facts import HabitFacts
from sync_protocol.domain.habit import HabitKind, format_number
from sync_protocol.domain.words import more_times

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_UNIT = re.compile(r"^[^\W\d_]{1,12}( [^\W\d_]{1,12})?$")

SYSTEM = (
    "You are a practical, warm habit coach inside a habit-tracking app. You are given facts about "
    "one habit that is at risk. Reply with two to four short sentences of plain text addressed to "
    "the user as 'you': say briefly why the habit is slipping, then give one or two concrete, "
    "specific actions for today and for the weak days. If the facts say the current period can no "
    "longer be met, say so plainly and help with the next one instead; never suggest what can no "
    "longer help. Use only the facts given; do not invent details about the person. No lists, no "
    "headings, no markdown, no greeting."
)


def build_messages(facts: HabitFacts) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": facts_text(facts)}]


def facts_text(f: HabitFacts) -> str:
    """The habit facts as short lines of English."""
    lines = [
        f"Habit type: {_kind_text(f)}.",
        f"Schedule: {f.schedule_text}.",
        f"Tracked for {(f.today - f.start).days} days.",
    ]
    if f.current_streak:
        lines.append(
            f"Current streak: {f.streak_unit.text(f.current_streak)} (best ever: {f.streak_unit.text(f.best_streak)})."
        )
    else:
        lines.append(f"No current streak (best ever: {f.streak_unit.text(f.best_streak)}).")
    if f.period_lost:
        lines.append(_lost_text(f))
    elif "streak_ends" in f.reasons:
        when = "by the end of today" if f.days_left == 1 else f"within the next {f.days_left} days"
        lines.append(f"The streak breaks unless it is done {more_times(f.needed_this_period)} {when}.")
    elif f.needed_this_period:
        lines.append(
            f"Still needed in this {f.period_word}: {more_times(f.needed_this_period)}, {f.days_left} days left."
        )
    if f.last_done is None:
        lines.append(f"Never completed since it started {(f.today - f.start).days} days ago.")
    else:
        lines.append(f"Days since last completed: {f.days_since_done}.")
    if f.total_misses:
        counts = ", ".join(f"{WEEKDAYS[d][:3]} {n}" for d, n in enumerate(f.misses_by_weekday))
        lines.append(f"Missed days in the last {f.pattern_days} days by weekday: {counts}.")
        weak = f.weak_weekdays
        if weak:
            lines.append(f"Misses cluster on: {' and '.join(WEEKDAYS[d] for d in weak)}.")
    else:
        lines.append(f"No missed days in the last {f.pattern_days} days.")
    scores = " -> ".join(f"{round(s * 100)}%" for s in f.weekly_scores)
    lines.append(f"Habit strength score, weekly over the last 4 weeks: {scores} ({f.trend}).")
    if f.recent_rate is not None:
        lines.append(f"Share of due days done in the last 4 weeks: {round(f.recent_rate * 100)}%.")
    lines.append("What should I do?")
    return "\n".join(lines)


def _lost_text(f: HabitFacts) -> str:
    ends = " The current streak ends with it." if f.current_streak else ""
    if f.quit_habit and f.period_word == "day":
        amount = "" if f.today_value is None else f" ({format_number(f.today_value)} logged)"
        return f"Today is already over the limit{amount}: today can no longer be met, whatever happens now.{ends}"
    days = "no days" if f.days_open <= 0 else f"only {f.days_open} day{'s' if f.days_open != 1 else ''}"
    return (
        f"This {f.period_word} can no longer be met: it still needs {more_times(f.needed_this_period)} and {days} "
        f"can still count.{ends} Each time done still raises the habit strength score."
    )


def safe_unit(unit: str) -> str:
    """The unit if it looks like one (``glasses``, ``km``, ``мин``), else ``''``."""
    clean = unit.strip()
    return clean if _UNIT.match(clean) else ""


def _kind_text(f: HabitFacts) -> str:
    if f.kind is HabitKind.YES_NO:
        return "yes/no (done or not done each time)"
    unit = safe_unit(f.unit)
    amount = f"{format_number(f.target)} {unit}".strip()
    if f.quit_habit:
        return f"a habit to cut down or quit: at most {amount} per day"
    return f"measurable: at least {amount} per day"
