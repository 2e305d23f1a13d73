"""A new user's walk through sync with the real ``habit`` command: two machines, one account."""

from __future__ import annotations

import json
import os
import stat

from tests.sync.conftest import PASSWORD, Device, Server, new_username


def test_register_on_one_machine_log_in_on_another_and_converge(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    assert laptop.habit("add", "Read").code == 0
    assert laptop.habit("done", "Read").code == 0
    r = laptop.habit(
        "register",
        "--server",
        sync_server.url,
        "--username",
        user,
        "--email",
        "",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert r.code == 0, r.err
    account = laptop.home / "account.json"
    assert stat.S_IMODE(os.stat(account).st_mode) == 0o600
    assert PASSWORD not in account.read_text()
    first = laptop.habit("sync", "--json")
    assert first.code == 0, first.err
    assert first.json()["pushed"] == 2
    assert desktop.habit("add", "Water", "--target", "8", "--unit", "glasses").code == 0
    r = desktop.habit(
        "login", "--server", sync_server.url, "--username", user, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert r.code == 0, r.err
    r = desktop.habit("sync")
    assert r.code == 0, r.err
    assert "pulled 2 (Read)" in r.out
    assert laptop.habit("sync").code == 0
    assert laptop.list_json() == desktop.list_json()
    assert {h["name"] for h in laptop.list_json()} == {"Read", "Water"}
    status = desktop.habit("sync", "--status", "--json").json()
    assert status["outbox"] == 0 and status["server"] == sync_server.url
    assert json.loads(account.read_text())["username"] == user


def test_two_habits_named_alike_offline_stay_apart_by_name(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    assert laptop.habit("add", "Read").code == 0  # made first: it keeps the name
    assert desktop.habit("add", "read ").code == 0
    assert desktop.habit("done", "read").code == 0
    laptop.register(sync_server.url, user)
    desktop.login(sync_server.url, user)
    assert laptop.habit("sync").code == 0
    r = desktop.habit("sync")
    assert r.code == 0, r.err
    assert "Two habits were named 'read': one is now 'read (2)'." in r.out
    assert laptop.habit("sync").code == 0
    for device in (laptop, desktop):
        shown = {h["name"]: h for h in device.list_json()}
        assert set(shown) == {"Read", "read (2)"}
        assert shown["read (2)"]["done_today"] and not shown["Read"]["done_today"]
    r = laptop.habit("done", "Read")  # a name picks out one habit again
    assert r.code == 0, r.err
