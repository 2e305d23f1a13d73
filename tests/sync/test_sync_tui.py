"""The full-screen app syncs in the background: another device's check-in shows up on the open board."""

from __future__ import annotations

import asyncio
import time

import pytest

from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.habits import HabitDraft
from habit_tui.sync.account import Account, save_account
from habit_tui.tui.app import create_app
from habit_tui.tui.widgets.board_grid import BoardGrid
from habit_tui.tui.widgets.status_line import StatusLine
from tests.sync.conftest import TODAY, Device, Server, new_username


async def _until(check: object, limit_s: float = 10.0) -> float:
    """Seconds until ``check()`` is true (fails after ``limit_s``)."""
    start = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - start > limit_s:
            raise AssertionError("it never happened")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_check_in_on_another_device_appears_on_the_open_board(
    sync_server: Server, devices: list[Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, desktop, _ = devices
    monkeypatch.setenv("HABIT_HOME", str(desktop.home))  # the app's settings: the desktop's data directory
    user = new_username()
    with laptop.session() as s:
        read = svc.add_habit(s, HabitDraft("Read"), start_date=TODAY)
    laptop.register(sync_server.url, user)
    laptop.sync()
    desktop.login(sync_server.url, user)
    app = create_app(desktop.home / "habit.db", today=TODAY)
    async with app.run_test(size=(100, 20)) as pilot:
        status = app.board.query_one(StatusLine)
        await _until(lambda: status.sync.state == "synced")  # the first sync brought "Read"
        grid = app.board.query_one(BoardGrid)
        await _until(lambda: [r.habit.name for r in grid.rows] == ["Read"])
        with laptop.session() as s:
            checkins.check_in(s, read, TODAY)
        laptop.sync()
        waited = await _until(lambda: grid.rows[0].cells.get(TODAY) is not None)
        assert waited < 1.0  # through the server's stream, not the next poll
        assert grid.rows[0].stats.current_streak == 1
        await pilot.press("space")  # and a change made here reaches the laptop
        await _until(lambda: desktop.habit("sync", "--status", "--json").json()["outbox"] == 0)
    laptop.sync()
    with laptop.session() as s:
        assert s.store.checkin(read.id, TODAY) is None  # the desktop's space undid it


async def test_without_an_account_the_app_stays_local(devices: list[Device], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HABIT_HOME", str(devices[0].home))
    app = create_app(devices[0].home / "habit.db", today=TODAY)
    async with app.run_test(size=(100, 20)):
        assert app.syncer is None
        assert app.board.query_one(StatusLine).sync.state == "local"


async def test_offline_the_app_says_so_and_keeps_working(
    devices: list[Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    device = devices[0]
    monkeypatch.setenv("HABIT_HOME", str(device.home))
    with device.session() as s:
        svc.add_habit(s, HabitDraft("Read"), start_date=TODAY)
    save_account(device.home, Account("http://127.0.0.1:9", "ann", "u", "d", "refresh", "access", time.time() + 3600))
    app = create_app(device.home / "habit.db", today=TODAY)
    async with app.run_test(size=(100, 20)) as pilot:
        status = app.board.query_one(StatusLine)
        await _until(lambda: status.sync.state == "offline")
        grid = app.board.query_one(BoardGrid)
        await _until(lambda: bool(grid.rows))
        await pilot.press("space")  # the board does not wait for the network
        await _until(lambda: grid.rows[0].cells.get(TODAY) is not None)
    with device.session() as s:
        assert s.store.outbox_count() == 2  # kept for the next sync
