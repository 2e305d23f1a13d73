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
