"""Issue 11, item 20: one behaviour for the same thing in every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Runner, assert_clean_error

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}  # a Tuesday


@pytest.fixture
def seeded(habit: Runner) -> Runner:
    assert habit("add", "Reading", env=ENV).code == 0
    assert habit("add", "Water", "--target", "8", "--unit", "glasses", env=ENV).code == 0
    assert habit("done", "Reading", env=ENV).code == 0
    return habit


USAGE = [
    (["export", "--format", "xml"], "unknown format 'xml'"),
    (["add", ""], "a habit name cannot be empty"),
    (["add", "   "], "a habit name cannot be empty"),
    (["add", "Stretch", "--schedule", ""], "--schedule cannot be empty"),
    (["edit", "Reading", "--schedule", " "], "--schedule cannot be empty"),
    (["edit", "Reading", "--name", ""], "a habit name cannot be empty"),
    (["edit", "Reading", "--kind", "sometimes"], "--kind"),
]


@pytest.mark.parametrize(("args", "message"), USAGE, ids=[" ".join(a) or "empty" for a, _ in USAGE])
def test_usage_errors_exit_2_with_one_line(seeded: Runner, args: list[str], message: str) -> None:
    before = seeded("export", env=ENV).json()["habits"]
    r = seeded(*args, env=ENV)
    assert_clean_error(r, 2)
    assert message in r.err
    assert seeded("export", env=ENV).json()["habits"] == before


def test_version(habit: Runner) -> None:
    from importlib.metadata import version

    r = habit("--version")
    assert (r.code, r.out, r.err) == (0, f"habit {version('habit-tracker')}\n", "")


def test_import_dash_reads_stdin(seeded: Runner, habit: Runner, tmp_path: Path) -> None:
    exported = seeded("export", env=ENV).out
    other = tmp_path / "other"
    from tests.habit_cli import run_habit

    r = run_habit(other, "import", "-", "--json", env=ENV, stdin=exported)
    assert r.code == 0, r.err
    assert r.json() == {"format": "json", "created": 2, "merged": 0, "checkins": 1, "warnings": []}
    names = [h["name"] for h in run_habit(other, "list", "--json", env=ENV).json()]
    assert names == ["Reading", "Water"]
    r = run_habit(other, "import", "-", env=ENV, stdin="")
    assert_clean_error(r, 1)
    assert "empty" in r.err


def test_unknown_config_key_is_a_warning_that_names_it(seeded: Runner, home: Path) -> None:
    (home / "config.toml").write_text('day_start = "04:00"\ntheme = "textual-dark"\n[sync]\nurl = "x"\n')
    r = seeded("list", "--json", env=ENV)
    assert r.code == 0
    assert [h["name"] for h in r.json()] == ["Reading", "Water"]
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("habit: warning: ")
    assert "'day_start'" in lines[0] and "'sync'" in lines[0] and "config.toml" in lines[0]
    assert "'theme'" not in lines[0]


def test_target_on_a_yes_no_habit_needs_kind_measurable(seeded: Runner) -> None:
    before = seeded("export", env=ENV).json()["habits"]
    for args in (["--target", "5"], ["--unit", "pages"], ["--at-most"]):
        r = seeded("edit", "Reading", *args, env=ENV)
        assert_clean_error(r, 1)
        assert "--kind measurable" in r.err
    assert seeded("export", env=ENV).json()["habits"] == before
    r = seeded("edit", "Reading", "--kind", "measurable", "--target", "5", "--unit", "pages", "--json", env=ENV)
    assert r.code == 0, r.err
    got = r.json()
    assert (got["kind"], got["target"], got["unit"]) == ("measurable", 5, "pages")
    r = seeded("edit", "Water", "--kind", "yes_no", env=ENV)
    assert_clean_error(r, 1)
    assert "cannot become a yes/no habit" in r.err
    assert seeded("edit", "Water", "--kind", "measurable", "--target", "6", env=ENV).code == 0


_ABBREVIATED = re.compile(r"\b\d+(?:d|w|mo)\b|\b\d+ (?:d|wk|mo|×)(?=\s|$)")
_WORDED = re.compile(r"\b\d+ (day|days|week|weeks|time|times)\b")


def test_streaks_are_worded_one_way_in_every_output(habit: Runner) -> None:
    """Streaks read '3 days', '1 week', '2 times' everywhere: never '3d', '1w', '2' or '1 wk'."""
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Call", "--schedule", "1/week", env=ENV).code == 0
    assert habit("add", "Gym", "--schedule", "mon,fri", env=ENV).code == 0
    for back in ("-2", "-1"):
        assert habit("done", "Read", "--date", back, env=ENV).code == 0
    for back in ("-8", "-4", "-1"):
        assert habit("done", "Call" if back == "-8" else "Gym", "--date", back, env=ENV).code == 0
    done = habit("done", "Read", env=ENV).out
    assert "streak 3 days (best 3 days)" in done
    said = [done] + [
        habit(*args, env=ENV).out for args in (["list"], ["today"], ["stats"], ["show", "Read"], ["show", "Call"])
    ]
    found: set[str] = set()
    for out in said:
        assert not _ABBREVIATED.findall(out), out
        found |= set(_WORDED.findall(out))
    assert {"days", "week", "times"} <= found, found


def test_a_dash_means_skipped_and_nothing_else(habit: Runner) -> None:
    """'–' marks a skipped day; no value, no rate and not due read differently."""
    assert habit("add", "Call", "--schedule", "1/week", env=ENV).code == 0
    assert habit("done", "Call", "--date", "-1", env=ENV).code == 0  # done this week: not due today
    assert habit("add", "Fresh", env=ENV).code == 0  # no rate yet
    outputs = [habit(*args, env=ENV).out for args in (["list"], ["today"], ["stats"], ["show", "Fresh"])]
    for out in outputs:
        assert "–" not in out.replace("– skipped", ""), out  # the heatmap's key: the one meaning
    assert "not due" in outputs[0] and "not due" in outputs[1]
    assert "n/a" in outputs[2] and "Completion      n/a" in outputs[3]
