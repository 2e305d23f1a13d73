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


# ----- item 1: every piece of user text prints exactly as typed ---------------------------------------------------

BRACKETS = {
    "name": "Plan [/b]",
    "other": "Todo [x] list",
    "description": "desc [/i] [red]x[/]",
    "tag": "[t]",
    "unit": "[u]",
    "note": "note [/b] [x]",
}


def _seed_brackets(habit: Runner) -> None:
    b = BRACKETS
    assert habit("add", b["name"], "--description", b["description"], "--tags", f"{b['tag']},a", env=ENV).code == 0
    assert habit("add", b["other"], "--target", "2", "--unit", b["unit"], env=ENV).code == 0
    for back in ("-3", "-2", "-1"):  # a streak that is at stake today: the coach talks about it
        assert habit("done", b["other"], "--date", back, env=ENV).code == 0


@pytest.mark.parametrize("color", ["", "1"], ids=["plain", "force-color"])
def test_brackets_print_as_typed_in_every_command(habit: Runner, color: str) -> None:
    _seed_brackets(habit)
    env = {**ENV, "FORCE_COLOR": color} if color else ENV
    b = BRACKETS
    expect: list[tuple[list[str], list[str]]] = [
        (["done", b["name"], "--note", b["note"]], [f"✓ {b['name']}: done"]),
        (["note", b["name"], b["note"] + "!"], [f"Noted on {b['name']}"]),
        (["list"], [b["name"], b["other"]]),
        (["today"], [b["name"], b["other"]]),
        (["stats"], [b["name"], b["other"]]),
        (["show", b["name"]], [b["name"], b["description"], f"tags: {b['tag']}, a", b["note"] + "!"]),
        (["show", b["other"]], [b["other"], f"at least 2 {b['unit']}"]),
        (["coach", "--rules"], [b["other"]]),
        (["done", b["other"], "--value", "1"], [f"✓ {b['other']}: 1 {b['unit']}"]),
        (["today"], [f"1/2 {b['unit']}"]),
        (["skip", b["name"], "--date", "-1"], [f"↷ {b['name']}: skipped"]),
        (["undo", b["name"], "--date", "-1"], [f"✗ {b['name']}: removed"]),
        (["edit", b["name"], "--description", "new [/i]"], [f"Updated '{b['name']}'"]),
        (["archive", b["name"]], [f"Archived '{b['name']}'."]),
        (["list", "--all"], [f"{b['name']} (archived)"]),
        (["unarchive", b["name"]], [f"Restored '{b['name']}'."]),
        (["delete", b["other"], "--yes"], [f"Deleted '{b['other']}'."]),
    ]
    for args, wanted in expect:
        r = habit(*args, env=env)
        assert r.code == 0, (args, r.err)
        assert "MarkupError" not in r.err
        plain = _strip_sgr(r.out)
        for piece in wanted:
            assert piece in plain, (args, piece, r.out)
    r = habit("done", "Plan [/b] x", env=env)
    assert_clean_error(r, 1)
    assert "no habit named 'Plan [/b] x'" in r.err


def _strip_sgr(text: str) -> str:
    """The text without the colour codes FORCE_COLOR adds (only SGR sequences: ESC [ ... m)."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# ----- item 2: text stored before the rule is shown escaped, never sent raw to the terminal ------------------------

RAW = "x\x1b[2J\x1b[31mboom\x1b]0;TITLE\x07 end"
SHOWN = "x\\x1b[2J\\x1b[31mboom\\x1b]0;TITLE\\x07 end"


def _store_raw_text(home: Path) -> None:
    """Write text the rule refuses straight into the database, as an older version could have stored it."""
    import sqlite3

    conn = sqlite3.connect(home / "habit.db")
    conn.execute("UPDATE checkins SET note = ?", (RAW,))
    conn.execute(
        "UPDATE habits SET name = ?, description = ?, unit = ?, tags = ? WHERE name = 'Water'",
        ("Water\x1b[5m\u202e", "d" + RAW, "gl\x07", json.dumps(["t\x1b[1m"])),
    )
    conn.execute("UPDATE habits SET name = ?, description = ? WHERE name = 'Read'", ("Read\x1b]0;T\x07", RAW))
    conn.execute("DELETE FROM stats_cache")
    conn.commit()
    conn.close()


def _no_raw_controls(r: object) -> None:
    for stream in (r.out, r.err):  # type: ignore[attr-defined]
        visible = _strip_sgr(stream)
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in visible, (bad, stream)


@pytest.mark.parametrize("color", ["", "1"], ids=["plain", "force-color"])
def test_text_stored_before_the_rule_is_shown_escaped_everywhere(habit: Runner, home: Path, color: str) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Water", "--target", "8", "--unit", "glasses", "--tags", "t", env=ENV).code == 0
    for back in ("-3", "-2", "-1"):
        assert habit("done", "Water", "--date", back, "--note", "n", env=ENV).code == 0
        assert habit("done", "Read", "--date", back, "--note", "n", env=ENV).code == 0
    _store_raw_text(home)
    env = {**ENV, "FORCE_COLOR": color} if color else ENV
    outputs = {}
    for args in (
        ["list"],
        ["today"],
        ["stats"],
        ["show", "Read"],
        ["show", "Water"],
        ["coach", "--rules"],
        ["done", "Water", "--value", "3"],
        ["done", "Read"],
        ["undo", "Read"],
        ["skip", "Read"],
        ["note", "Read", "fine"],
        ["edit", "Read", "--schedule", "daily"],
        ["archive", "Read"],
        ["list", "--all"],
        ["done", "Read"],  # archived: the error names it
        ["unarchive", "Read"],
        ["delete", "Read"],  # without --yes: the usage error names it
    ):
        r = habit(*args, env=env)
        assert r.code in (0, 1, 2), (args, r.err)
        assert "Traceback" not in r.err
        _no_raw_controls(r)
        outputs[" ".join(args)] = _strip_sgr(r.out + r.err)
    assert SHOWN in outputs["show Read"]  # the note and the description, visibly escaped
    assert "Read\\x1b]0;T\\x07" in outputs["list"]
    assert "Water\\x1b[5m\\u202e" in outputs["list"]
    assert "gl\\x07" in outputs["show Water"] and "t\\x1b[1m" in outputs["show Water"]
    assert "Read\\x1b]0;T\\x07" in outputs["done Read"]
    # The data itself is kept as it was (an export is data, not display).
    exported = habit("export", env=ENV).json()["habits"]
    assert any(c["note"] == RAW for h in exported for c in h["checkins"])


# ----- item 3: names that look the same are one name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Re\u200bad", "control or invisible formatting characters"),  # zero-width space
        ("\u202edaeR", "control or invisible formatting characters"),  # right-to-left override
        ("Re\u2060ad", "control or invisible formatting characters"),  # word joiner
        ("ＲＥＡＤ", "already exists"),  # fullwidth letters: NFKC makes them READ
        ("read", "already exists"),
        ("  Read  ", "already exists"),
        ("Ｒｅａｄ", "already exists"),
    ],
    ids=["zero-width-space", "rtl-override", "word-joiner", "fullwidth", "case", "spaces", "fullwidth-mixed"],
)
def test_names_that_look_the_same_are_one_name(habit: Runner, typed: str, message: str) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Walk", env=ENV).code == 0
    for args in (["add", typed], ["edit", "Walk", "--name", typed]):
        r = habit(*args, env=ENV)
        assert_clean_error(r, 1)
        assert message in r.err
    assert sorted(h["name"] for h in habit("list", "--json", env=ENV).json()) == ["Read", "Walk"]


def test_a_name_stored_before_normalising_still_blocks_its_look_alike(habit: Runner, home: Path) -> None:
    """An older version stored 'ＲＥＡＤ' as typed: 'read' is the same name, and finds it."""
    import sqlite3

    assert habit("add", "Read", env=ENV).code == 0
    conn = sqlite3.connect(home / "habit.db")
    conn.execute("UPDATE habits SET name = 'ＲＥＡＤ'")
    conn.commit()
    conn.close()
    r = habit("add", "read", env=ENV)
    assert_clean_error(r, 1)
    assert "already exists" in r.err
    assert habit("done", "read", env=ENV).code == 0
    assert habit("done", "ｒｅａｄ", "--date", "-1", env=ENV).code == 0
    assert [h["total_done"] for h in habit("list", "--json", env=ENV).json()] == [2]


def test_names_are_stored_normalised(habit: Runner) -> None:
    r = habit("add", "ＦＵＬＬ   width\u3000name", "--json", env=ENV)
    assert r.code == 0
    assert r.json()["name"] == "FULL width name"
