"""Habits: yes/no or measurable, with a schedule and display attributes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.schedule import Schedule

MAX_NAME = 80
MAX_DESCRIPTION = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COLOR = re.compile(r"^(#[0-9a-fA-F]{6}|[a-z_]{3,20})$")


class HabitKind(StrEnum):
    YES_NO = "yes_no"
    MEASURABLE = "measurable"


class TargetType(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class Habit:
    id: str
    name: str
    schedule: Schedule
    start_date: date
    kind: HabitKind = HabitKind.YES_NO
    description: str = ""
    unit: str = ""
    target: float = 1.0
    target_type: TargetType = TargetType.AT_LEAST
    tags: tuple[str, ...] = field(default_factory=tuple)
    color: str = ""
    position: int = 0
    archived: bool = False

    @property
    def is_measurable(self) -> bool:
        return self.kind is HabitKind.MEASURABLE

    def goal_text(self) -> str:
        """``at least 8 glasses`` / ``at most 0 cigarettes`` / ``yes/no``."""
        if not self.is_measurable:
            return "yes/no"
        words = "at least" if self.target_type is TargetType.AT_LEAST else "at most"
        return f"{words} {format_number(self.target)} {self.unit}".rstrip()


def format_number(value: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.5: numbers as a person writes them."""
    if value == int(value):
        return str(int(value))
    return f"{value:g}"


def validate_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise DomainError("a habit name cannot be empty")
    if len(clean) > MAX_NAME:
        raise DomainError(f"a habit name can have at most {MAX_NAME} characters")
    if _CONTROL.search(clean):
        raise DomainError("a habit name cannot contain control characters")
    return clean


def validate_description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(f"a description can have at most {MAX_DESCRIPTION} characters")
    return text.strip()


def validate_target(target: float) -> float:
    if not math.isfinite(target) or target < 0:
        raise DomainError("the target must be a number of 0 or more")
    if target > 1e9:
        raise DomainError("the target is too large")
    return float(target)


def validate_unit(unit: str) -> str:
    clean = unit.strip()
    if len(clean) > 20 or _CONTROL.search(clean):
        raise DomainError("a unit is at most 20 printable characters")
    return clean


def parse_tags(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for raw in items:
        tag = raw.strip().lower()
        if not tag:
            continue
        if len(tag) > 30 or _CONTROL.search(tag) or "," in tag:
            raise DomainError(f"bad tag '{raw.strip()}': tags are at most 30 characters, no commas")
        if tag not in out:
            out.append(tag)
    return tuple(out)


def validate_color(color: str) -> str:
    clean = color.strip()
    if clean and not _COLOR.match(clean):
        raise DomainError(f"bad colour '{color}': use #rrggbb or a colour name like 'green'")
    return clean
