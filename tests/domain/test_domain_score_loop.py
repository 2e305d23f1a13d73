"""The score equals Loop Habit Tracker's (``ScoreList.recompute`` in iSoron/uhabits) to 1e-6.

Every expected number below is worked out by hand from Loop's rule, and the derivation is
written next to it. Where Loop's own ScoreListTest has the same history, its number is quoted.

Loop's rule: a schedule is a frequency ``N/M`` (``daily`` 1/1, ``3/week`` 3/7, ``10/month``
10/30, ``every 3 days`` 1/3, ``2 in 3 days`` 2/3); ``f = N/M``, ``m = 0.5 ** (sqrt(f) / 13)``.
Each day that is not skipped does ``S = m*S + (1-m)*p`` with ``p`` from the sum over the last M
days: yes/no habits count done days, and when ``f < 1`` need 2N of the last 2M days,
``p = min(1, sum / N)``; measurable habits sum their amounts (no doubling), at least
``min(1, sum / target)``, at most ``clamp(1 - (sum - target) / target, 0, 1)`` starting from
S = 1. The values of m used below (rounded):

    f = 1    m = 0.948078   1-m = 0.051922
    f = 6/7  m = 0.951835   1-m = 0.048165
    f = 2/3  m = 0.957399   1-m = 0.042601
    f = 1/2  m = 0.962999   1-m = 0.037001
    f = 1/3  m = 0.969685   1-m = 0.030315
    f = 1/7  m = 0.980049   1-m = 0.019951

Loop counts today as soon as the day begins; ours waits for today's check-in (a day that is
over, or today once entered, scores exactly as Loop). So every history here is entered today,
except the one that checks the days before today through the score series.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import pytest

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import analyze

TODAY = date(2024, 6, 30)
SKIP = "skip"
LOOP = 1e-6
"""Loop's own tests compare scores to this tolerance."""


class Case(NamedTuple):
    schedule: str
    history: dict[int, float | str]
    """Days ago -> amount (yes/no: 1) or SKIP."""
    expected: float
    target: float | None = None
    """None: a yes/no habit."""
    at_most: bool = False


def make_habit(case: Case) -> Habit:
    first = TODAY - timedelta(days=max(case.history, default=0))
    return Habit(
        id="0190a0b0-0000-7000-8000-00000000000a",
        name="habit",
        schedule=Schedule.parse(case.schedule),
        start_date=first,
        kind=HabitKind.YES_NO if case.target is None else HabitKind.MEASURABLE,
        target=1.0 if case.target is None else case.target,
        target_type=TargetType.AT_MOST if case.at_most else TargetType.AT_LEAST,
    )


def checkins(history: dict[int, float | str]) -> list[CheckIn]:
    out = []
    for ago, entry in history.items():
        day = TODAY - timedelta(days=ago)
        out.append(CheckIn(day, None, skipped=True) if entry == SKIP else CheckIn(day, float(entry)))
    return out


def every_day(days: int, value: float = 1.0) -> dict[int, float | str]:
    return dict.fromkeys(range(days), value)


CASES = {
    # Loop's ScoreListTest: one perfect day from nothing gives 1-m.
    "daily, one day": Case("daily", {0: 1}, 0.051922),
    # Loop's YesNoScoreListTest.test_recompute with Frequency(1, 2): f = 1/2 < 1, so 2 of the last
    # 4 days are needed. Yesterday: 1 done, p = 1/2, S = 0.037001 * 0.5 = 0.018500.
    # Today: 2 done, p = 1, S = 0.962999 * 0.018500 + 0.037001 = 0.054816.
    "every 2 days": Case("every 2 days", {1: 1, 0: 1}, 0.054816),
    # f = 1/3: 2 of the last 6 days. Done 6 days ago, 3 days ago and today:
    # day -6: 1 in the window, p = .5, S = 0.015157; -5 and -4: p = .5, S = 0.029855, 0.044108;
    # -3: 2 done, p = 1, S = 0.969685 * 0.044108 + 0.030315 = 0.073085; -2, -1: 0.101184, 0.128432;
    # today: the window (-5..0) holds -3 and 0, p = 1, S = 0.969685 * 0.128432 + 0.030315 = 0.154853.
    "every 3 days": Case("every 3 days", {6: 1, 3: 1, 0: 1}, 0.154853),
    # "2 in 3 days" is Loop's 2/3: f < 1, so 4 of the last 6 days. Done 5, 4, 2, 1 days ago and today:
    # sums 1, 2, 2, 3, 4, 5 give p = .25, .5, .5, .75, 1, 1 and S = 0.010650, 0.031497, 0.051455,
    # 0.081214, 0.120355, then 0.957399 * 0.120355 + 0.042601 = 0.157829.
    "2 in 3 days": Case("2 in 3 days", {5: 1, 4: 1, 2: 1, 1: 1, 0: 1}, 0.157829),
    # "10/month" is Loop's 10/30 = 1/3: 20 of the last 60 days. Done the last 10 days: on the j-th
    # p = j/20, so S = sum over j of 0.030315 * 0.969685**(10-j) * j/20; day by day 0.001516,
    # 0.004501, 0.008912, 0.014705, 0.021838, 0.030270, 0.039963, 0.050877, 0.062976, 0.076225.
    "10/month": Case("10/month", every_day(10), 0.076225),
    # "6/week" is 6/7: 12 of the last 14 days. Done for 18 days, with the 10th to 12th days ago
    # skipped (S unchanged on them, and not counted). The sums from 17 days ago to today are
    # 1 2 3 4 5 - - - 6 7 8 9 10 11 11 11 11 11 (p = sum / 12), which take S through 0.004014,
    # 0.011848, 0.023319, 0.038251, 0.056477 (kept over the skips), 0.077839, 0.102187, 0.129375,
    # 0.159268, 0.191734, 0.226651, 0.259885, 0.291519, 0.321630 to 0.350290.
    "6/week with skips": Case("6/week", {**every_day(18), 10: SKIP, 11: SKIP, 12: SKIP}, 0.350290),
    # Loop's test_imperfectNonDaily: twice a week (today and yesterday, then every 7 days) for
    # 100 weeks. Every 14-day window holds 4 done days: 3/week needs 6, p = 2/3 every day, and S
    # has reached 2/3 (the start is forgotten: m**700 is below 1e-10).
    "3/week done twice a week": Case("3/week", {7 * k + d: 1 for k in range(100) for d in (0, 1)}, 2 / 3),
    # The same history at 4/week needs 8 of 14: p = 1/2, S = 0.5 (Loop's test says so too).
    "4/week done twice a week": Case("4/week", {7 * k + d: 1 for k in range(100) for d in (0, 1)}, 0.5),
    # Loop's NumericalAtLeastScoreListTest.test_recompute: at least 2, Frequency(1, 2) (measurable,
    # so not doubled): 2 yesterday and today, sums 2 and 4, p = 1 both days, S = 1 - 0.962999**2
    # = 0.072632 (Loop's table: 0.072631).
    "at least 2 every 2 days": Case("every 2 days", {1: 2, 0: 2}, 0.072632, target=2),
    # Loop's measurable "8 per week" is 1/7 with a target of 8 for the week. 3 two days ago, 5 today:
    # sums 3, 3, 8, p = .375, .375, 1: S = 0.007482, 0.014814, 0.980049 * 0.014814 + 0.019951 = 0.034469.
    "at least 8 a week": Case("1/week", {2: 3, 0: 5}, 0.034469, target=8),
    # Loop's shouldAchieveComparableScoreToProgress: half the target every day for 500 days: p = 0.5.
    "at least 2, always 1": Case("daily", every_day(500, 1.0), 0.5, target=2),
    # Loop's NumericalAtMostScoreListTest.test_recompute: at most 2, 5 yesterday and today:
    # p = clamp(1 - 3/2) = 0 both days, S starts at 1: S = 0.948078**2 = 0.898851 (Loop: 0.898850).
    "at most 2, over twice": Case("daily", {1: 5, 0: 5}, 0.898851, target=2, at_most=True),
    # The same with Frequency(1, 2): sums 5 and 10, p = 0: S = 0.962999**2 = 0.927368 (Loop: 0.927369).
    "at most 2 every 2 days": Case("every 2 days", {1: 5, 0: 5}, 0.927368, target=2, at_most=True),
    # Loop: 3 a day against at most 2 for 500 days: p = 1 - 1/2 = 0.5, S = 0.5.
    "at most 2, always 3": Case("daily", every_day(500, 3.0), 0.5, target=2, at_most=True),
    # A quit habit that kept to its limit: S starts at 1 and every day has p = 1 (days with
    # nothing logged count as 0): still 1.
    "at most 0, kept": Case("daily", {9: 0, 0: 0}, 1.0, target=0, at_most=True),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_score_is_loops(case: Case) -> None:
    stats = analyze(make_habit(case), checkins(case.history), TODAY)
    assert stats.score == pytest.approx(case.expected, abs=LOOP)


def test_days_before_today_through_the_score_series() -> None:
    """Loop's YesNoScoreListTest.test_getValueWithSkip2: done 5 days ago, skipped 4 days ago.

    Day -5: 0.051922; the skip keeps it; -3, -2, -1 (missed, p = 0) multiply by 0.948078:
    0.049227, 0.046671, 0.044247. Loop's today is 0.041949 (it counts the empty day at once);
    ours waits for today's check-in, so today still shows yesterday's 0.044247.
    """
    case = Case("daily", {5: 1, 4: SKIP}, 0.0)
    series: list[tuple[date, float]] = []
    stats = analyze(make_habit(case), checkins(case.history), TODAY, series=series)
    expected = [0.051922, 0.051922, 0.049227, 0.046671, 0.044247, 0.044247]
    assert [s for _, s in series] == pytest.approx(expected, abs=LOOP)
    assert stats.score == pytest.approx(0.044247, abs=LOOP)


def test_a_skipped_measurable_day_adds_nothing_and_keeps_the_score() -> None:
    """Loop's NumericalAtLeastScoreListWithSkipTest: at least 2, 2 a day for 20 days but the 10th
    and 15th days ago skipped: 18 counted days of p = 1 give 1 - 0.948078**18 = 0.617008."""
    history: dict[int, float | str] = {**every_day(20, 2.0), 10: SKIP, 15: SKIP}
    case = Case("daily", history, 0.617008, target=2)
    assert analyze(make_habit(case), checkins(history), TODAY).score == pytest.approx(0.617008, abs=LOOP)


def test_weekdays_are_scored_as_so_many_times_a_week() -> None:
    """Loop has no weekday schedules; ``mon,wed,fri`` is scored as ``3/week`` (documented choice)."""
    history: dict[int, float | str] = dict.fromkeys(range(0, 60, 2), 1)
    weekdays = analyze(make_habit(Case("mon,wed,fri", history, 0)), checkins(history), TODAY)
    per_week = analyze(make_habit(Case("3/week", history, 0)), checkins(history), TODAY)
    assert weekdays.score == per_week.score > 0
