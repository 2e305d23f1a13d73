"""User text from the command line and from imports: one rule, one clear error, printed literally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Runner, assert_clean_error

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}
BAD = {"bell": "a\x07b", "escape": "\x1b[31mred", "bidi override": "ab\u202ecd", "bom": "\ufeffx"}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize(
    "args",
    [
        lambda t: ["add", t],
        lambda t: ["add", "Stretch", "--description", t],
        lambda t: ["add", "Stretch", "--target", "3", "--unit", t],
        lambda t: ["add", "Stretch", "--tags", f"ok,{t}"],
        lambda t: ["done", "Read", "--note", t],
        lambda t: ["note", "Walk", t],
        lambda t: ["edit", "Read", "--name", t],
    ],
    ids=["name", "description", "unit", "tag", "done-note", "note", "rename"],
)
def test_bad_text_is_one_clean_error_and_changes_nothing(habit: Runner, args: object, text: str) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Walk", env=ENV).code == 0
    assert habit("done", "Walk", env=ENV).code == 0
    before = habit("export", env=ENV).json()["habits"]
    r = habit(*args(text), env=ENV)  # type: ignore[operator]
    assert_clean_error(r, 1)
    assert "control or invisible formatting characters" in r.err
    assert habit("export", env=ENV).json()["habits"] == before


def test_names_with_markup_or_odd_characters_are_printed_as_typed(habit: Runner) -> None:
    odd = ["[bold red]Loud[/]", "Café ☕ 👨\u200d👩\u200d👧", "ＦＵＬＬ width"]
    for name in odd:
        assert habit("add", name, "--tags", "[x]", env=ENV).code == 0
    habit("done", "[bold", env=ENV)
    listed = habit("list", env={**ENV, "FORCE_COLOR": "1"}).out
    assert "[bold red]Loud[/]" in listed
    assert "Café ☕ 👨\u200d👩\u200d👧" in listed
    assert "FULL width" in listed  # NFKC: the name is stored in its plain form
    shown = habit("show", "[bold red]Loud[/]", env=ENV).out
    assert "[bold red]Loud[/]" in shown and "tags: [x]" in shown


def test_an_import_with_bad_text_imports_nothing(habit: Runner, tmp_path: Path) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    doc = json.loads(habit("export", env=ENV).out)
    doc["habits"].append(
        {
            "name": "Walk",
            "schedule": "daily",
            "checkins": [{"date": "2026-11-20", "value": 1, "skipped": False, "note": "fine"}],
        }
    )
    doc["habits"].append(
        {
            "name": "Swim",
            "schedule": "daily",
            "checkins": [{"date": "2026-11-20", "value": 1, "skipped": False, "note": "bad\x1b[2J"}],
        }
    )
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = habit("export", env=ENV).json()["habits"]
    r = habit("import", str(path), env=ENV)
    assert_clean_error(r, 1)
    assert "habit #3, check-in #1" in r.err and "control" in r.err
    assert habit("export", env=ENV).json()["habits"] == before
