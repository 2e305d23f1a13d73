"""Errors the user can cause; each becomes one line on stderr and exit code 1."""

from __future__ import annotations


class HabitError(Exception):
    """A failure with a message meant for the user."""

    exit_code = 1


class UsageError(HabitError):
    """The command was called wrongly (exit code 2, like a usage error from the parser)."""

    exit_code = 2


class NotFoundError(HabitError):
    pass


class ConflictError(HabitError):
    pass


class StoreError(HabitError):
    """The local database cannot be opened or written."""


class SyncError(HabitError):
    """Syncing failed; ``kind`` says why, for scripts and the app's status line.

    ``offline`` (the server cannot be reached), ``auth`` (not logged in, token revoked or expired,
    account disabled, wrong password), ``incompatible`` (another protocol, not a habit-server),
    ``rate_limited``, ``clock`` (this device's clock is too far ahead), ``server`` (a 5xx),
    ``malformed`` (an answer that is not the protocol), ``refused`` (the server refused the
    request), ``usage`` (a bad address).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = 2 if kind == "usage" else 1
