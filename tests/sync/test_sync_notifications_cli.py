"""``habit notifications`` and ``habit report --email`` against a real server on loopback."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from habit_tui.services.account import SERVER_DEFAULT_ZONE
from tests.sync.conftest import Device, Server, new_username


def test_notifications_are_set_and_read_back_through_the_server(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    desktop.login(sync_server.url, user)

    off = laptop.habit("notifications", "--json")
    assert off.code == 0, off.err
    assert off.json()["reminders"] is False

    r = laptop.habit(
        "notifications", "--reminders", "--time", "07:30", "--timezone", "Europe/Paris", "--weekly", "--weekday", "sun"
    )
    assert r.code == 0, r.err
    assert "Reminders: on, at 07:30 (Europe/Paris)" in r.out
    assert "Weekly report: on, sun at 07:30" in r.out
    seen = desktop.habit("notifications", "--json").json()  # the other device reads the server's copy
    assert seen == {"reminders": True, "time": "07:30", "timezone": "Europe/Paris", "weekly_report": True, "weekday": 6}

    bad = laptop.habit("notifications", "--timezone", "Mars/Olympus_Mons")
    assert bad.code == 1
    assert "time zone" in bad.err
    assert desktop.habit("notifications", "--json").json()["timezone"] == "Europe/Paris"

    assert laptop.habit("notifications", "--no-reminders").code == 0
    assert desktop.habit("notifications", "--json").json()["reminders"] is False


def test_report_email_asks_the_server(sync_server: Server, devices: list[Device]) -> None:
    laptop = devices[0]
    laptop.register(sync_server.url, new_username())
    r = laptop.habit("report", "--email", "--period", "month", "--json")
    assert r.code == 0, r.err
    made = r.json()
    assert made["period"] == "month"
    assert made["status"] in ("queued", "ready")


def test_notifications_need_a_login(devices: list[Device]) -> None:
    r = devices[0].habit("notifications")
    assert r.code == 1
    assert "not logged in" in r.err


def test_the_time_zone_defaults_to_this_machines(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    desktop.login(sync_server.url, user)

    def zone() -> str:
        found: str = desktop.habit("notifications", "--json").json()["timezone"]
        return found

    # A machine on UTC (a server reached over SSH) leaves the account on UTC, for a machine with a zone.
    r = laptop.habit("notifications", "--weekly", env={"TZ": "Etc/UTC"})
    assert r.code == 0, r.err
    assert "Time zone: UTC, this machine's" in r.out
    assert zone() == "UTC"

    r = laptop.habit("notifications", "--reminders", "--time", "07:30", env={"TZ": "Europe/Paris"})
    assert (r.code, r.err) == (0, "")
    assert "Reminders: on, at 07:30 (Europe/Paris)" in r.out
    assert "Time zone: Europe/Paris, this machine's (--timezone to choose another)" in r.out
    assert zone() == "Europe/Paris"

    # Once chosen, the zone is kept: another machine's (or a traveller's) changes do not move it.
    r = laptop.habit("notifications", "--time", "08:00", env={"TZ": "America/New_York"})
    assert r.code == 0, r.err
    assert "Time zone:" not in r.out
    assert zone() == "Europe/Paris"
    assert laptop.habit("notifications", "--timezone", "Asia/Tokyo", env={"TZ": "Europe/Paris"}).code == 0
    assert zone() == "Asia/Tokyo"


def test_a_tz_that_is_no_zone_falls_back_to_the_systems_without_an_error(
    sync_server: Server, devices: list[Device]
) -> None:
    laptop = devices[0]
    laptop.register(sync_server.url, new_username())
    r = laptop.habit("notifications", "--reminders", "--json", env={"TZ": "Mars/Olympus_Mons"})
    assert (r.code, r.err) == (0, "")
    chosen = r.json()["timezone"]  # /etc/localtime's zone, or UTC where the system has none
    assert chosen != "Mars/Olympus_Mons"
    ZoneInfo(chosen)


def test_the_default_zone_is_the_servers() -> None:
    from sync_protocol.wire.notifications import NotificationSettings

    assert NotificationSettings().timezone == SERVER_DEFAULT_ZONE
