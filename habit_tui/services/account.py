"""This device's account on a sync server: register, log in and out, list and revoke devices, and the
emails the server sends (reminders, reports)."""

from __future__ import annotations

import socket
import stat
from typing import Any, Literal, NamedTuple

from habit_tui.errors import SyncError, UsageError
from habit_tui.services.context import Session
from habit_tui.services.syncing import forget_sync
from habit_tui.sync.account import Account, account_lock, account_path, forget_account, load_account, save_account
from habit_tui.sync.api import Api


def server_of(s: Session, given: str | None) -> str:
    """The server to talk to: ``--server``, else ``server_url`` from config.toml."""
    server = (given or s.settings.server_url).strip()
    if not server:
        raise UsageError("which server? give --server URL (or set server_url in config.toml)")
    return server


def account(s: Session) -> Account | None:
    return load_account(s.settings.home)


def open_api(s: Session) -> Api:
    """The API of the server this device is logged in to (tokens saved as they are refreshed)."""
    found = account(s)
    if found is None:
        raise SyncError("auth", "this device is not logged in: habit login --server URL (or habit register)")
    home = s.settings.home
    return Api(
        found.server,
        found,
        on_account=lambda a: save_account(home, a),
        saved=lambda: load_account(home),
        lock=lambda: account_lock(home),
    )


def device_name() -> str:
    return socket.gethostname()[:80] or "device"


def login(s: Session, server: str, username: str, password: str, name: str | None = None) -> Account:
    """Log this device in (a new device on the server); the next sync joins this device's data with the account's."""
    api = Api(server)
    try:
        found = api.login(username, password, name or device_name())
    finally:
        api.close()
    previous = account(s) if _readable(s) else None
    save_account(s.settings.home, found)
    if previous is None or (previous.server, previous.user_id) != (found.server, found.user_id):
        forget_sync(s)
    return found


def register(
    s: Session, server: str, username: str, password: str, email: str = "", invite: str | None = None
) -> Account:
    """Create an account on the server (with the admin's ``invite`` code, when it takes sign-ups by
    invite) and log this device in to it."""
    api = Api(server)
    try:
        api.register(username, password, email, invite)
    finally:
        api.close()
    return login(s, server, username, password)


def logout(s: Session) -> tuple[Account | None, str]:
    """Log this device out: on the server (its tokens stop working) and here. Returns the account
    and, when the server could not be told, why (the device is logged out here anyway)."""
    found = account(s) if _readable(s) or _exposed(s) else None  # others can read it: refused, as everywhere
    problem = ""
    if found is not None:
        api = open_api(s)
        try:
            api.logout()
        except SyncError as exc:
            problem = str(exc)
        finally:
            api.close()
    forget_account(s.settings.home)
    forget_sync(s)
    return found, problem


def devices(s: Session) -> list[dict[str, Any]]:
    api = open_api(s)
    try:
        return api.devices()
    finally:
        api.close()


def revoke(s: Session, device_id: str) -> None:
    api = open_api(s)
    try:
        api.revoke(device_id)
    finally:
        api.close()


SERVER_DEFAULT_ZONE = "UTC"
"""The time zone of an account that never chose one (the server's default: ``NotificationSettings``)."""

ZoneChoice = Literal["", "machine", "unknown"]


class Notifications(NamedTuple):
    settings: dict[str, Any]
    """The server's reminder settings of this account."""
    zone: ZoneChoice = ""
    """Whether the time zone was left to this machine: ``machine`` (its zone was taken), ``unknown``
    (it has none known, so the account stays on UTC), or '' (given, or already chosen: kept)."""


def notifications(s: Session, changes: dict[str, Any] | None = None) -> Notifications:
    """The server's reminder settings of this account, after applying ``changes`` (if any).

    Changes that leave the time zone out, to an account still on the server's default (UTC), set
    this machine's zone (``TZ``, else the system's; UTC when unknown); a zone already chosen is kept."""
    api = open_api(s)
    try:
        current = api.notifications()
        if not changes:
            return Notifications(current)
        zone: ZoneChoice = ""
        if "timezone" not in changes and current.get("timezone") == SERVER_DEFAULT_ZONE:
            local = s.settings.local_timezone()
            zone = "machine" if local else "unknown"
            if local and not _utc_all_year(local):
                changes = {**changes, "timezone": local}
        return Notifications(api.set_notifications({**current, **changes}), zone)
    finally:
        api.close()


def _utc_all_year(zone: str) -> bool:
    """Whether ``zone`` keeps UTC's time in January and July (``Etc/UTC``, ``Africa/Abidjan``): then the
    account stays on UTC, which the next machine with a zone of its own may still change."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    year = datetime.now().year
    return all(datetime(year, month, 1, tzinfo=tz).utcoffset() == timedelta(0) for month in (1, 7))


def email_report(s: Session, period: str, day: str) -> dict[str, Any]:
    """Ask the server to deliver the report of the ``period`` holding ``day`` (YYYY-MM-DD) by email."""
    api = open_api(s)
    try:
        return api.request_report(period, day)
    finally:
        api.close()


def _exposed(s: Session) -> bool:
    """Whether others can read the saved account (a damaged file of your own is just removed on logout)."""
    try:
        return bool(account_path(s.settings.home).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def _readable(s: Session) -> bool:
    """Whether the saved account can be read (a file others can read is replaced, not trusted)."""
    try:
        account(s)
    except SyncError:
        return False
    return True
