"""Numbers and dates as a report writes them (shared by the PDF and the terminal)."""

from __future__ import annotations

from datetime import date

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def points(change: float | None) -> str:
    """A change of rate in percentage points: ``▲ 5 pts``, ``▼ 12 pts``, ``no change``."""
    if change is None:
        return ""
    pts = round(change * 100)
    if pts == 0:
        return "no change"
    arrow = "▲" if pts > 0 else "▼"
    return f"{arrow} {abs(pts)} pt{'s' if abs(pts) != 1 else ''}"


def signed(number: int) -> str:
    """``+3``, ``−2``, ``±0`` (a true minus sign)."""
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"−{-number}"
    return "±0"


def short_date(day: date) -> str:
    """``Mon 17 Nov``."""
    return f"{WEEKDAY_SHORT[day.weekday()]} {day.day} {MONTH_SHORT[day.month - 1]}"
