"""Issue 11, item 22: the keys of every ``--json`` output that DESIGN.md (section 4) and the README name.

Scripts depend on these keys; a key may be added, never lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Runner
from tests.habit_cli import run_habit

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}

DESIGN_LIST_KEYS = {
    "id",
    "name",
    "schedule",
    "kind",
    "archived",
    "done_today",
    "current_streak",
    "best_streak",
    "score",
}
HABIT_FIELDS = {
    "name",
    "description",
    "kind",
    "unit",
    "target",
    "target_type",
    "schedule",
    "tags",
    "color",
    "position",
    "archived",
    "start_date",
}
HABIT_KEYS = (
    DESIGN_LIST_KEYS
    | HABIT_FIELDS
    | {
        "frequency",
        "done_today",
        "skipped_today",
        "due_today",
        "at_risk",
        "today_value",
        "streak_unit",
        "completion_rate",
        "total_done",
        "last_done",
        "days_since_done",
    }
)
"""A habit in list, show, stats, add, edit, archive, unarchive, done, skip, undo and note JSON (README)."""
CHECKIN_KEYS = {"date", "value", "skipped", "note"}
TODAY_KEYS = {
    "id",
    "name",
    "kind",
    "schedule",
    "due",
    "done",
    "skipped",
    "value",
    "target",
    "unit",
    "needed_this_period",
    "current_streak",
    "at_risk",
}
STATS_SUMMARY_KEYS = {
    "date",
    "habits",
    "archived",
    "due_today",
    "done_today",
    "at_risk",
    "total_checkins",
    "average_score",
    "average_completion_rate",
    "longest_current_streak",
}
DELETE_KEYS = {"id", "name", "deleted"}
IMPORT_KEYS = {"format", "created", "merged", "checkins", "warnings"}
COACH_KEYS = {"habit_id", "name", "source", "model", "advice", "fallback_reason", "facts"}
REPORT_KEYS = {"period", "label", "start", "end", "as_of", "summary", "previous", "habits", "days", "calendar", "notes"}
SYNC_KEYS = {"server", "pushed", "pulled", "habits", "head", "joined", "renamed", "refused"}
STATUS_KEYS = {"server", "username", "device_id", "last_sync", "outbox", "cursor"}
DEVICE_KEYS = {"id", "name", "current", "revoked", "created_at", "last_seen_at"}


def _has(data: dict[str, Any], keys: set[str], what: str) -> None:
    missing = keys - set(data)
    assert not missing, f"{what} lost {sorted(missing)}"


@pytest.fixture
def seeded(habit: Runner) -> Runner:
    assert habit("add", "Read", "--tags", "mind", env=ENV).code == 0
    assert habit("add", "Water", "--target", "8", "--unit", "glasses", env=ENV).code == 0
    for back in ("-3", "-2", "-1"):
        assert habit("done", "Water", "--date", back, "--note", "ok", env=ENV).code == 0
    return habit


def _json(habit: Runner, *args: str) -> Any:
    r = habit(*args, "--json", env=ENV)
    assert r.code == 0, (args, r.err)
    return r.json()


def test_habit_commands_keep_their_documented_keys(seeded: Runner) -> None:
    listed = _json(seeded, "list")
    assert [h["name"] for h in listed] == ["Read", "Water"]
    for h in listed:
        _has(h, HABIT_KEYS, "list --json")
    _has(_json(seeded, "list", "--all")[0], HABIT_KEYS, "list --all --json")
    shown = _json(seeded, "show", "Water")
    _has(shown, HABIT_KEYS | {"checkins"}, "show --json")
    assert shown["checkins"]
    for c in shown["checkins"]:
        _has(c, CHECKIN_KEYS, "show --json checkins")
    for row in _json(seeded, "today"):
        _has(row, TODAY_KEYS, "today --json")
    stats = _json(seeded, "stats")
    _has(stats, {"summary", "habits"}, "stats --json")
    _has(stats["summary"], STATS_SUMMARY_KEYS, "stats --json summary")
    for h in stats["habits"]:
        _has(h, HABIT_KEYS, "stats --json habits")
    done = _json(seeded, "done", "Read")
    _has(done, HABIT_KEYS | {"milestone"}, "done --json (a first check-in is a milestone)")
    for args in (
        ["note", "Read", "a note"],
        ["skip", "Water"],
        ["undo", "Water"],
        ["add", "Walk"],
        ["edit", "Walk", "--schedule", "3/week"],
        ["archive", "Walk"],
        ["unarchive", "Walk"],
    ):
        _has(_json(seeded, *args), HABIT_KEYS, " ".join(args) + " --json")
    _has(_json(seeded, "delete", "Walk", "--yes"), DELETE_KEYS, "delete --json")


def test_report_coach_and_import_keep_their_documented_keys(seeded: Runner, tmp_path: Path) -> None:
    report = _json(seeded, "report")
    _has(report, REPORT_KEYS, "report --json")
    advice = _json(seeded, "coach", "--rules")
    assert [a["name"] for a in advice] == ["Water"]  # its 3-day streak ends tonight
    _has(advice[0], COACH_KEYS, "coach --json")
    exported = seeded("export", env=ENV).out
    other = run_habit(tmp_path / "other", "import", "-", "--json", env=ENV, stdin=exported)
    assert other.code == 0, other.err
    _has(other.json(), IMPORT_KEYS, "import --json")


def test_sync_status_without_an_account(habit: Runner) -> None:
    data = _json(habit, "sync", "--status")
    _has(data, {"server", "outbox"}, "sync --status --json (not logged in)")
    assert data["server"] is None


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.server.test_server_processes import server_env, serving

    database = tmp_path_factory.mktemp("contract-server") / "server.db"
    env = server_env(DATABASE_URL=f"sqlite:///{database}", LOGIN_ATTEMPTS_PER_MINUTE="100000")
    with serving(env) as (base, _):
        yield base


def test_sync_commands_keep_their_documented_keys(seeded: Runner, server_url: str) -> None:
    r = seeded(
        "register", "--server", server_url, "--username", "contract", "--email", "", "--password-stdin",
        env=ENV,
        stdin="correct horse battery\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    _has(_json(seeded, "sync"), SYNC_KEYS, "sync --json")
    _has(_json(seeded, "sync", "--status"), STATUS_KEYS, "sync --status --json")
    _has(_json(seeded, "status"), STATUS_KEYS, "status --json")
    devices = _json(seeded, "devices")
    assert len(devices) == 1
    _has(devices[0], DEVICE_KEYS, "devices --json")
