"""User text in the app: printed as typed on every screen, dialog, notification and in the palette;
text stored before the text rule is shown escaped; new text is checked in the dialog, which stays open."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.app import HabitApp
from habit_tui.tui.screens.board import BoardScreen
from habit_tui.tui.screens.confirm import ConfirmScreen
from habit_tui.tui.screens.detail import DetailScreen
from habit_tui.tui.screens.editor import EditorScreen
from habit_tui.tui.screens.prompt import PromptScreen
from habit_tui.tui.widgets.error_line import ErrorLine
from tests.tui.conftest import TODAY, press, running, settle

NAME = "Plan [/b]"
UNIT = "[u]"
DESCRIPTION = "desc [/i] [red]x[/]"
TAG = "[t]"
NOTE = "[x] note [/b]"


def screen_text(app: HabitApp) -> str:
    """Every character the app would put on the terminal now, without its styles (as a screenshot
    is taken: the screen's update, printed on a console)."""
    console = Console(
        width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True, record=True
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def notified(app: HabitApp) -> str:
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


async def _palette_pick(pilot: Pilot[None], query: str) -> str:
    """Open the command palette, type ``query``: what it lists."""
    await pilot.press("ctrl+p", *query)
    await pilot.pause(0.4)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandPalette)
    return screen_text(pilot.app)  # type: ignore[arg-type]


def _seed_brackets(s: Session) -> None:
    start = TODAY - timedelta(days=10)
    plan = svc.add_habit(s, HabitDraft(NAME, target=2, unit=UNIT, description=DESCRIPTION, tags=TAG), start_date=start)
    for back in range(1, 4):
        checkins.check_in(s, plan, TODAY - timedelta(days=back), value=2, note=NOTE if back == 1 else None)
    svc.add_habit(s, HabitDraft("Todo [x] list"), start_date=start)


async def test_brackets_show_as_typed_on_every_screen(db: Path, store_session: Session) -> None:
    _seed_brackets(store_session)
    async with running(db, (110, 40)) as (app, pilot):
        assert NAME in screen_text(app) and "Todo [x] list" in screen_text(app)
        await press(pilot, "space")  # a measurable habit: the value dialog, titled with its name
        assert isinstance(app.screen, PromptScreen)
        shown = screen_text(app)
        assert f"{NAME} on" in shown and f"at least 2 {UNIT}" in shown
        await press(pilot, "3", "enter")
        await press(pilot, "j", "space", "k")  # the other habit's first check-in: a milestone, named as typed
        assert "First check-in for Todo [x] list" in notified(app)
        await press(pilot, "n")
        assert isinstance(app.screen, PromptScreen) and f"Note for {NAME}" in screen_text(app)
        await press(pilot, "escape", "i")
        assert isinstance(app.screen, DetailScreen)
        shown = screen_text(app)
        for piece in (NAME, DESCRIPTION, f"#{TAG}", NOTE, f"2 {UNIT}"):
            assert piece in shown, piece
        await press(pilot, "e")
        assert isinstance(app.screen, EditorScreen) and f"Edit {NAME}" in screen_text(app)
        assert app.screen.query_one("#unit", Input).value == UNIT
        await press(pilot, "escape", "escape", "A")
        assert isinstance(app.screen, ConfirmScreen) and f"Archive {NAME}?" in screen_text(app)
        await press(pilot, "y")
        assert f"Archived '{NAME}'" in notified(app)
        await press(pilot, "z", "D")  # the cursor stayed on the other habit
        assert isinstance(app.screen, ConfirmScreen) and "Delete Todo [x] list and" in screen_text(app)
        await press(pilot, "n")
        listed = await _palette_pick(pilot, "open todo")
        assert "Open Todo [x] list" in listed
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.habit.name == "Todo [x] list"
        assert app.is_running


RAW = "x\x1b[2J\x1b[31mboom\x1b]0;TITLE\x07 end"
SHOWN = "x\\x1b[2J\\x1b[31mboom\\x1b]0;TITLE\\x07 end"
RAW_NAME = "Water\x1b[5m\u202e"
SHOWN_NAME = "Water\\x1b[5m\\u202e"


def _store_raw_text(db: Path) -> None:
    """Text the rule refuses, written straight into the database as an older version could have stored it."""
    conn = sqlite3.connect(db)
    conn.execute("UPDATE checkins SET note = ?", (RAW,))
    conn.execute(
        "UPDATE habits SET name = ?, description = ?, unit = ?, tags = ?",
        (RAW_NAME, "d" + RAW, "gl\x07", json.dumps(["t\x1b[1m"])),
    )
    conn.execute("DELETE FROM stats_cache")
    conn.commit()
    conn.close()


def _clean(text: str) -> None:
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in text, (bad, text)


async def test_text_stored_before_the_rule_is_shown_escaped(db: Path, store_session: Session) -> None:
    water = svc.add_habit(store_session, HabitDraft("Water", target=8, unit="glasses", tags="t"))
    for back in range(1, 4):
        checkins.check_in(store_session, water, TODAY - timedelta(days=back), value=8, note="n")
    checkins.check_in(store_session, water, TODAY, value=2, note="n")
    _store_raw_text(db)
    seen: list[str] = []
    async with running(db, (120, 45)) as (app, pilot):

        def look() -> str:
            text = screen_text(app)
            seen.append(text)
            _clean(text)
            _clean(notified(app))
            return text

        assert SHOWN_NAME in look()
        await press(pilot, "space")  # the value dialog: title and hint
        assert isinstance(app.screen, PromptScreen)
        assert SHOWN_NAME in look() and "gl\\x07" in look()
        await press(pilot, "escape", "n")  # the note dialog shows the stored note escaped
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == SHOWN
        look()
        await press(pilot, "escape", "i")
        assert isinstance(app.screen, DetailScreen)
        shown = look()
        assert SHOWN in shown and "t\\x1b[1m" in shown and "gl\\x07" in shown
        await press(pilot, "e")
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#name", Input).value == SHOWN_NAME
        assert app.screen.query_one("#description", Input).value == "d" + SHOWN
        look()
        # Saving another field leaves the stored text as it was (only what is edited is written).
        app.screen.query_one("#schedule", Input).value = "3/week"
        await press(pilot, "ctrl+s")
        assert not isinstance(app.screen, EditorScreen), notified(app)
        [stored] = store_session.store.habits()
        assert (stored.name, stored.description, str(stored.schedule)) == (RAW_NAME, "d" + RAW, "3/week")
        await _palette_pick(pilot, "open water")
        assert f"Open {SHOWN_NAME}" in look()
        await press(pilot, "escape", "escape", "A")
        assert isinstance(app.screen, ConfirmScreen)
        assert SHOWN_NAME in look()
        await press(pilot, "y")
        assert SHOWN_NAME in notified(app)
        look()
    assert len(seen) >= 8


async def test_new_text_breaking_the_rule_is_refused_in_the_dialogs(db: Path, store_session: Session) -> None:
    read = svc.add_habit(store_session, HabitDraft("Read"))
    checkins.check_in(store_session, read, TODAY)
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "n")
        app.screen.query_one(Input).value = "bad\x1b[2J"
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        assert "control or invisible formatting characters" in app.screen.query_one(ErrorLine).message
        await press(pilot, "escape", "e")
        app.screen.query_one("#name", Input).value = "Read\x1b[31m"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
        assert "control or invisible formatting characters" in app.screen.query_one("#name-error", ErrorLine).message
        app.screen.query_one("#name", Input).value = "Re\u200bad"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
    [stored] = store_session.store.habits()
    assert stored.name == "Read"
    assert store_session.store.checkin(read.id, TODAY).note == ""  # type: ignore[union-attr]


async def test_a_look_alike_name_is_refused_in_the_editor(db: Path, store_session: Session) -> None:
    svc.add_habit(store_session, HabitDraft("Read"))
    async with running(db, (100, 30)) as (app, pilot):
        await press(pilot, "a", *"ＲＥＡＤ", "ctrl+s")
        assert isinstance(app.screen, EditorScreen)
        assert "already exists" in app.screen.query_one("#name-error", ErrorLine).message
    assert [h.name for h in store_session.store.habits()] == ["Read"]


# ----- item 14: the dialogs keep what was typed on every error --------------------------------------------------


async def test_value_and_note_errors_keep_the_dialog_open(db: Path, store_session: Session) -> None:
    water = svc.add_habit(store_session, HabitDraft("Water", target=8, unit="glasses"))
    checkins.check_in(store_session, water, TODAY, value=3, note="kept")
    async with running(db, (100, 30)) as (app, pilot):
        for typed, message in (("1e308", "too large"), ("nan", "0 or more"), ("-5", "0 or more"), ("1e9x", "number")):
            await pilot.press("space")
            await settle(pilot)
            field = app.screen.query_one(Input)
            field.value = typed
            await press(pilot, "enter")
            assert isinstance(app.screen, PromptScreen), typed
            assert message in app.screen.query_one(ErrorLine).message, typed
            assert field.value == typed  # what was typed is still there to fix
            await press(pilot, "escape")
        await press(pilot, "n")
        long_note = "word " * 201
        app.screen.query_one(Input).value = long_note
        await press(pilot, "enter")
        assert isinstance(app.screen, PromptScreen)
        assert "at most 1000 characters" in app.screen.query_one(ErrorLine).message
        assert app.screen.query_one(Input).value == long_note
        await press(pilot, "escape")
        assert isinstance(app.screen, BoardScreen)
        assert not [n for n in app._notifications if n.severity == "error"]
    got = store_session.store.checkin(water.id, TODAY)
    assert got is not None and (got.value, got.note) == (3, "kept")
