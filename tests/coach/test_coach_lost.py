"""The coach never gives advice that can no longer help: a period already lost is said to be lost."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.coach.facts import at_risk_facts, habit_facts
from sync_protocol.coach.prompt import facts_text
from sync_protocol.coach.rules import rule_advice
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from tests.report.sample import make_habit, span

SATURDAY = date(2025, 11, 29)


def five_a_week() -> tuple[Habit, list[CheckIn]]:
    """5/week, kept for three weeks, nothing yet this week (Monday 24th to Sunday 30th)."""
    habit = make_habit("Run", "5/week", start=date(2025, 11, 3))
    days = [d for d in span(date(2025, 11, 3), date(2025, 11, 23)) if d.weekday() < 5]
    return habit, [CheckIn(d, 1.0) for d in days]


def test_five_more_times_with_two_days_left_is_lost_not_at_risk() -> None:
    habit, checkins = five_a_week()
    f = habit_facts(habit, checkins, SATURDAY)
    assert f.period_lost and not f.at_risk and f.reasons == ()
    assert (f.current_streak, f.needed_this_period, f.days_open) == (3, 5, 2)
    assert at_risk_facts([habit], {habit.id: checkins}, SATURDAY) == []
    advice = rule_advice(f)
    assert "more times by" not in advice and "To keep your" not in advice
    assert advice.startswith(
        "This week can no longer be met: it still needs 5 more times and only 2 days are left, "
        "and your 3-week streak ends with it."
    )
    assert "plan the next week now, from Monday" in advice
    text = facts_text(f)
    assert "This week can no longer be met: it still needs 5 more times and only 2 days can still count." in text
    assert "breaks unless" not in text


def test_a_quit_habit_already_over_its_limit_today() -> None:
    coffee = make_habit("Coffee", target=5, unit="cups", at_most=True, start=date(2025, 11, 1))
    today = date(2025, 11, 24)
    checkins = [CheckIn(d, 2.0) for d in span(date(2025, 11, 1), today - timedelta(days=1))]
    checkins.append(CheckIn(today, 7.0))
    f = habit_facts(coffee, checkins, today)
    assert f.period_lost and not f.at_risk
    advice = rule_advice(f)
    assert "stay at or under 5 cups today" not in advice
    assert advice.startswith("Today is already over your limit (7 cups logged, at most 5 cups)")
    assert "tomorrow" in advice
    assert "Today is already over the limit (7 logged): today can no longer be met" in facts_text(f)
