"""Why a habit is at risk, and the built-in coach's advice from those facts."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.coach.advice import nonsense, visible_text
from sync_protocol.coach.facts import at_risk_facts, habit_facts
from sync_protocol.coach.prompt import build_messages, safe_unit
from sync_protocol.coach.rules import rule_advice
from sync_protocol.coach.settings import DEFAULT_HOST, model_settings
from sync_protocol.domain.checkin import CheckIn
from tests.coach.history import NOTE, TODAY, saturday_slipper, slipper_facts, stalled, stalled_facts
from tests.report.sample import make_habit, span


def test_streak_that_ends_tonight_with_a_saturday_pattern() -> None:
    f = slipper_facts()
    assert f.at_risk
    assert f.reasons == ("streak_ends",)
    assert (f.current_streak, f.days_left, f.needed_this_period, f.days_since_done) == (22, 1, 1, 1)
    # Five Saturdays and one Tuesday missed in the eight weeks before today.
    assert f.misses_by_weekday == (0, 1, 0, 0, 0, 5, 0)
    assert f.weak_weekdays == (5,)
    assert f.trend == "rising"
    assert f.score > f.score_before


def test_stalled_habit_is_inactive_and_falling() -> None:
    f = stalled_facts()
    assert f.at_risk
    assert "inactive" in f.reasons
    assert f.current_streak == 0
    assert f.days_since_done == 11
    assert f.trend == "falling"
    assert f.weekly_scores[0] > f.weekly_scores[-1]
    assert f.misses_by_weekday == (1, 1, 1, 1, 2, 2, 2)  # ten misses spread over the week: no pattern
    assert f.weak_weekdays == ()


def test_at_risk_lists_the_most_urgent_first_and_skips_healthy_habits() -> None:
    slipper, slipper_checkins = saturday_slipper()
    guitar, guitar_checkins = stalled()
    fine = make_habit("Read", position=2)
    fine_checkins = [CheckIn(d, 1.0) for d in span(date(2025, 11, 1), TODAY)]
    checkins = {slipper.id: slipper_checkins, guitar.id: guitar_checkins, fine.id: fine_checkins}
    facts = at_risk_facts([guitar, fine, slipper], checkins, TODAY)
    assert [f.name for f in facts] == ["Call mom", "Guitar practice"]


def test_weekly_habit_needing_more_than_the_days_left() -> None:
    gym = make_habit("Gym", "3/week", start=date(2025, 10, 1))
    weeks = [d for d in span(gym.start_date, date(2025, 11, 23)) if d.weekday() in (0, 2, 4)]
    checkins = [CheckIn(d, 1.0) for d in [*weeks, date(2025, 11, 24)]]
    # Done on Monday; Thursday to Sunday left (4 days) for 2 more, and three days off is normal
    # for a 3/week habit: not at risk yet.
    assert not habit_facts(gym, checkins, date(2025, 11, 27)).at_risk
    f = habit_facts(gym, checkins, date(2025, 11, 29))
    assert "streak_ends" in f.reasons
    assert (f.current_streak, f.needed_this_period, f.days_left) == (7, 2, 2)
    advice = rule_advice(f)
    assert advice.startswith("To keep your 7-week streak you need to do it 2 more times by Sunday.")
    assert "Put 2 short sessions in your calendar now for the 2 days left" in advice


def test_rule_advice_is_specific() -> None:
    advice = rule_advice(slipper_facts())
    assert advice.startswith("Your 22-day streak ends tonight unless you do it today.")
    assert "Saturdays" in advice
    assert "5 of your 6 misses" in advice
    assert "weekend slot" in advice

    stalled_advice = rule_advice(stalled_facts())
    assert "11 days since you last completed it" in stalled_advice
    assert "best streak was 74 days" in stalled_advice
    assert "dropped from" in stalled_advice
    assert "Restart with a two-minute version" in stalled_advice


def test_rule_advice_for_a_quit_habit_and_a_measurable_one() -> None:
    smoke = make_habit("Smoking", at_most=True, unit="cigarettes", start=date(2025, 11, 1))
    # A day with nothing logged counts as 0 (Loop's rule): nothing to lose by not logging today.
    kept = [CheckIn(d, 0.0) for d in span(date(2025, 11, 1), TODAY - timedelta(days=1))]
    assert not habit_facts(smoke, kept, TODAY).at_risk
    # Over the limit every day for four days: inactive, and the advice speaks of the limit.
    slipping = [*kept[:-4], *(CheckIn(c.date, 3.0) for c in kept[-4:])]
    f = habit_facts(smoke, slipping, TODAY)
    assert f.reasons == ("inactive",)
    advice = rule_advice(f)
    assert "5 days since you last stayed at or under 0 cigarettes" in advice  # last met 5 days ago
    assert "put it off by ten minutes" in advice

    water = make_habit("Water", target=8, unit="glasses", start=date(2025, 11, 1))
    f = habit_facts(water, [CheckIn(d, 8.0) for d in span(date(2025, 11, 1), TODAY - timedelta(days=1))], TODAY)
    advice = rule_advice(f)
    assert "reach 8 glasses today" in advice
    assert "even 4 glasses today" in advice


def test_prompt_has_habit_facts_and_no_personal_data() -> None:
    messages = build_messages(slipper_facts())
    assert [m["role"] for m in messages] == ["system", "user"]
    text = messages[1]["content"]
    assert "Current streak: 22 days" in text
    assert "breaks unless it is done once more by the end of today" in text
    assert "Misses cluster on: Saturday" in text
    assert "Sat 5" in text
    whole = "\n".join(m["content"] for m in messages)
    for private in ("Call mom", "mom", "Mary", "example.com", NOTE):
        assert private not in whole
    assert safe_unit("glasses") == "glasses"
    assert safe_unit("мин") == "мин"
    assert safe_unit("bob@example.com") == ""


def test_model_settings_environment_wins() -> None:
    assert model_settings().host == DEFAULT_HOST
    chosen = model_settings("http://box:11434", "llama3.2", 5, environ={"OLLAMA_MODEL": "qwen2.5"})
    assert (chosen.host, chosen.model, chosen.timeout) == ("http://box:11434", "qwen2.5", 5)
    env = {"OLLAMA_HOST": "127.0.0.1:9999", "OLLAMA_MODEL": ""}
    assert model_settings("http://box:11434", "llama3.2", environ=env).host == "127.0.0.1:9999"


def test_what_counts_as_nonsense() -> None:
    good = "Plan a fixed time on Saturday morning and keep the session short so the streak survives."
    assert nonsense(good) == ""
    assert "empty" in nonsense("   ")
    assert "data" in nonsense('{"advice": "x"}')
    assert "too short" in nonsense("OK, sure.")
    assert "readable" in nonsense("#### ---- 1234 5678 //// ???? !!!! 0000")
    assert "repeated" in nonsense("go " * 40)
    assert visible_text("<think>the user wants</think>\n\nDo it now.") == "Do it now."
    assert visible_text("Do it <think>hmm") == "Do it "
    assert visible_text("Do it <thi") == "Do it "
