"""Counts in words, agreeing in number: one place for every output that says how many."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 check-in``, ``7 check-ins``, ``2 habits``: a count and its noun."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def more_times(n: int) -> str:
    """``once more``, ``3 more times``: what a period still needs."""
    return "once more" if n == 1 else f"{n} more times"
