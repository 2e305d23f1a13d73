"""The built-in coach: specific advice from the facts alone, instantly and offline."""

from __future__ import annotations

from datetime import timedelta

from sync_protocol.coach.facts import HabitFacts
from sync_protocol.domain.habit import HabitKind, format_number
from sync_protocol.domain.words import counted, more_times

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKEND = frozenset({5, 6})


def rule_advice(f: HabitFacts) -> str:
    """Two to four sentences: why it is at risk, the pattern, the trend, and what to do.

    A habit whose current period can no longer be met gets the plain truth instead: no advice
    to do what no longer helps ("stay under 5 today" with 7 logged, "5 more times" in 2 days).
    """
    if f.period_lost:
        return _lost(f)
    parts = [_why(f)]
    pattern = _pattern(f)
    if pattern:
        parts.append(pattern)
    trend = _trend(f)
    if trend:
        parts.append(trend)
    parts.append(_action(f, has_pattern=bool(pattern)))
    return " ".join(parts)


def _why(f: HabitFacts) -> str:
    streak = f.streak_unit.phrase(f.current_streak)
    if "streak_ends" in f.reasons:
        if f.days_left == 1 and f.needed_this_period == 1:
            return f"Your {streak} ends tonight unless you {_do(f)} today."
        by = "today" if f.days_left == 1 else f"by {WEEKDAYS[f.period_end.weekday()]}"
        return f"To keep your {streak} you need to {_do(f)} {more_times(f.needed_this_period)} {by}."
    if f.last_done is None:
        return f"You have not completed this since you started it {_ago((f.today - f.start).days)}."
    best = f" (your best streak was {f.streak_unit.text(f.best_streak)})" if f.best_streak >= 3 else ""
    done = f"stayed at or under {_amount(f)}" if f.quit_habit else "completed it"
    return f"It has been {f.days_since_done} days since you last {done}{best}."


def _lost(f: HabitFacts) -> str:
    """What a period that can no longer be met means, and what is worth doing now."""
    ends = f", and your {f.streak_unit.phrase(f.current_streak)} ends with it" if f.current_streak else ""
    if f.quit_habit and f.period_word == "day":
        logged = f"{format_number(f.today_value)} {f.unit}".strip() if f.today_value is not None else "more"
        return (
            f"Today is already over your limit ({logged} logged, at most {_amount(f)}), so today cannot be met "
            f"any more{ends}. Log the rest of the day honestly and aim to stay at or under {_amount(f)} tomorrow: "
            "one day over does not undo the days before it."
        )
    left = (
        "no day is left"
        if f.days_open <= 0
        else f"only {counted(f.days_open, 'day')} {'is' if f.days_open == 1 else 'are'} left"
    )
    return (
        f"This {f.period_word} can no longer be met: "
        f"it still needs {more_times(f.needed_this_period)} and {left}{ends}. "
        f"Do not try to cram it in; plan the next {f.period_word} now, from {_next_start(f)}, and keep going this "
        f"{f.period_word} anyway: every time still counts towards the score."
    )


def _pattern(f: HabitFacts) -> str:
    weak = f.weak_weekdays
    if not weak:
        return ""
    count = sum(f.misses_by_weekday[d] for d in weak)
    names = " and ".join(f"{WEEKDAYS[d]}s" for d in weak)
    weeks = max(1, round(f.pattern_days / 7))
    share = f"{count} of your {f.total_misses} misses in the last {weeks} weeks"
    if set(weak) <= WEEKEND:
        return f"Weekends are where it slips: {share} fell on {names}."
    return f"{share[0].upper()}{share[1:]} fell on {names}."


def _trend(f: HabitFacts) -> str:
    if (f.today - f.start).days < 28:
        return ""  # a young habit's strength can only have grown from nothing
    before, now = round(f.score_before * 100), round(f.score * 100)
    if f.trend == "falling":
        return f"Its strength has dropped from {before}% to {now}% in four weeks, so one small win today counts."
    if f.trend == "rising" and "streak_ends" in f.reasons:
        return f"Its strength has grown from {before}% to {now}% in four weeks: worth protecting."
    return ""


def _action(f: HabitFacts, *, has_pattern: bool) -> str:
    if f.quit_habit:
        return (
            f"When the urge comes, put it off by ten minutes and log the day honestly: a day at or under "
            f"{_amount(f)} keeps the streak."
        )
    if f.last_done is None or f.days_since_done >= 7:
        return "Restart with a two-minute version today and check it in: restarting the chain matters more than size."
    if has_pattern:
        weak = f.weak_weekdays
        if set(weak) <= WEEKEND:
            return "Give it a fixed weekend slot, such as straight after breakfast, and set a reminder for it."
        names = " and ".join(WEEKDAYS[d] for d in weak)
        return f"Plan {names} the evening before: pick the time and tie it to something you always do that day."
    if f.kind is HabitKind.MEASURABLE:
        half = format_number(max(1.0, round(f.target / 2)))
        return f"Partial progress counts towards the score, so even {half} {f.unit} today beats skipping it.".replace(
            "  ", " "
        )
    if "streak_ends" in f.reasons and f.needed_this_period >= 2:
        return (
            f"Put {f.needed_this_period} short sessions in your calendar now for the {f.days_left} days left, "
            "the first one today."
        )
    if "streak_ends" in f.reasons and f.current_streak >= 7:
        return (
            "Set a reminder for a fixed time today; if today truly cannot happen (illness, travel), record a skip, "
            "which keeps the streak without extending it."
        )
    return "Pick a specific time for it today, set a reminder, and do the smallest version that still counts."


def _do(f: HabitFacts) -> str:
    if f.kind is HabitKind.YES_NO:
        return "do it"
    if f.quit_habit:
        return f"stay at or under {_amount(f)}"
    return f"reach {_amount(f)}"


def _amount(f: HabitFacts) -> str:
    return f"{format_number(f.target)} {f.unit}".strip()


def _next_start(f: HabitFacts) -> str:
    first = f.period_end + timedelta(days=1)
    gap = (first - f.today).days
    if gap == 1:
        return "tomorrow"
    if gap < 7:
        return WEEKDAYS[first.weekday()]
    return f"{WEEKDAYS[first.weekday()]} {first.day} {first:%B}"


def _ago(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
