"""The calendar stretch a report covers: an ISO week (Monday to Sunday) or a calendar month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sync_protocol.domain.errors import DomainError

PeriodKind = Literal["week", "month"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("week", "month")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def parse_period_kind(text: str) -> PeriodKind:
    clean = text.strip().lower()
    if clean not in PERIOD_KINDS:
        raise DomainError(f"bad period '{text}': use 'week' or 'month'")
    return clean


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    kind: PeriodKind
    start: date
    end: date

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> ReportPeriod:
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls(kind, start, start + timedelta(days=6))
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return cls(kind, start, following - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportPeriod:
        return ReportPeriod.containing(self.kind, self.start - timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def title(self) -> str:
        """``Week 47, 2025`` or ``November 2025``."""
        if self.kind == "month":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        year, week, _ = self.start.isocalendar()
        return f"Week {week}, {year}"

    @property
    def label(self) -> str:
        """``Week 47, 2025 · 17–23 November`` or ``November 2025``."""
        if self.kind == "month":
            return self.title
        return f"{self.title} · {span_text(self.start, self.end)}"

    @property
    def short_label(self) -> str:
        """``week 47`` / ``November``: how the text refers to it next to the previous one."""
        if self.kind == "month":
            return MONTHS[self.start.month - 1]
        return f"week {self.start.isocalendar()[1]}"


def span_text(first: date, last: date) -> str:
    """``17–23 November``, ``28 April – 4 May``, ``29 December 2025 – 4 January 2026``."""
    if first.year != last.year:
        return f"{day_text(first)} {first.year} – {day_text(last)} {last.year}"
    if first.month != last.month:
        return f"{day_text(first)} – {day_text(last)}"
    return f"{first.day}–{last.day} {MONTHS[first.month - 1]}"


def day_text(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"
