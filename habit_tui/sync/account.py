"""The account this device syncs with: ``account.json`` in the data directory, readable only by you.

It holds the server's address, who you are on it, this device's id and its tokens; never the
password. The refresh token is as good as a password for this device, so the file is written
with mode 0600 and refused when anyone else can read it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from habit_tui.errors import HabitError, SyncError

ACCOUNT_FILE = "account.json"


class Account(NamedTuple):
    server: str
    username: str
    user_id: str
    device_id: str
    refresh_token: str
    access_token: str = ""
    access_expires: float = 0.0
    """When the access token expires (seconds since the epoch)."""


def account_path(home: Path) -> Path:
    return home / ACCOUNT_FILE


def load_account(home: Path) -> Account | None:
    """The saved account, or None when this device is not logged in."""
    path = account_path(home)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HabitError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SyncError(
                "auth",
                f"{path} holds this device's login and others can read it; "
                f"make it private with 'chmod 600 {path}', or log in again",
            )
        raw = f.read()
    try:
        data = json.loads(raw)
        return Account(**{field: data[field] for field in Account._fields if field in data})
    except (ValueError, TypeError, UnicodeDecodeError):
        raise SyncError("auth", f"{path} is damaged; log in again (habit login --server URL)") from None


def save_account(home: Path, account: Account) -> None:
    """Write the file next to its place with mode 0600 and move it in, so it is never half written."""
    path = account_path(home)
    home.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(account._asdict(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


@contextlib.contextmanager
def account_lock(home: Path) -> Iterator[None]:
    """This device's login, held by one process at a time (while it refreshes the tokens: each
    refresh token works once, and a second use logs the device out)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / ".account.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def forget_account(home: Path) -> bool:
    """Delete the saved account; False when there was none."""
    try:
        account_path(home).unlink()
    except FileNotFoundError:
        return False
    return True
