"""``habit register --invite CODE`` against a real server that takes sign-ups by invite only
(``REGISTRATION=invite``), with codes from the server's own ``habit-server invite``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.habit_cli import Result, assert_clean_error
from tests.server.test_server_processes import serving
from tests.sync.conftest import PASSWORD, Device, new_username, sync_server_env
from tests.sync.test_sync_faults import cli_register


class InviteServer:
    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.url = url
        self.env = env

    def invite(self) -> str:
        """A fresh single-use code, as the admin gets it: ``habit-server invite`` (its ``create_invite``)."""
        cmd = [sys.executable, "-c", "from habit_server.main import main; main()", "invite", "--days", "1"]
        done = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture
def invite_server(tmp_path: Path) -> Iterator[InviteServer]:
    env = sync_server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'server.db'}", REGISTRATION="invite")
    with serving(env) as (base, _):
        yield InviteServer(base, env)


def register(device: Device, server: str, user: str, *invite: str) -> Result:
    return cli_register(device, server, user, PASSWORD, *invite)


def logged_in(device: Device) -> bool:
    return (device.home / "account.json").exists()


def test_an_invite_only_server_signs_up_with_a_code_once(invite_server: InviteServer, tmp_path: Path) -> None:
    laptop, desktop = Device(tmp_path / "laptop"), Device(tmp_path / "desktop")
    user = new_username()

    r = register(laptop, invite_server.url, user)  # no code: told how to give one
    assert_clean_error(r)
    assert "invite only" in r.err and "--invite CODE" in r.err, r.err
    assert not logged_in(laptop)

    r = register(laptop, invite_server.url, user, "--invite", "not a code")
    assert_clean_error(r)
    assert "--invite" in r.err and "not an invite code" in r.err, r.err
    assert not logged_in(laptop)
    assert_clean_error(register(laptop, invite_server.url, user, "--invite", " "), 2)

    code = invite_server.invite()
    r = register(laptop, invite_server.url, user, "--invite", f" {code}\n")  # pasted with blanks around it
    assert r.code == 0, r.err
    assert f"Registered {user} on {invite_server.url}; this device is logged in" in r.out
    assert logged_in(laptop)
    assert laptop.habit("add", "Read").code == 0
    synced = laptop.habit("sync", "--json")
    assert synced.code == 0, synced.err
    assert synced.json()["pushed"] == 1

    r = register(desktop, invite_server.url, new_username(), "--invite", code)  # a used code is refused
    assert_clean_error(r)
    assert "used" in r.err and "--invite CODE" in r.err, r.err
    assert not logged_in(desktop)

    r = desktop.habit(  # the account it made is a normal one: another machine logs in
        "login", "--server", invite_server.url, "--username", user, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert r.code == 0, r.err
