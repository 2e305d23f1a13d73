"""Identifiers and clocks: UUIDv7 and the hybrid logical clock."""

from __future__ import annotations

import os
import re
import time
import uuid

_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def uuid7(now_ms: int | None = None) -> str:
    """A UUIDv7 (RFC 9562) as text: time-ordered, so ids sort by creation."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=value))


def is_uuid(text: str) -> bool:
    """Whether ``text`` is a UUID written in the 8-4-4-4-12 hex form (``uuid.UUID`` alone also takes
    ``urn:``-prefixed, braced, undashed or oddly dashed spellings, which would make one id two keys)."""
    return _UUID_TEXT.fullmatch(text) is not None


COUNTER_BITS = 16


def hlc_from_ms(ms: int) -> int:
    return ms << COUNTER_BITS


def hlc_wall_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def hlc_tick(last: int, now_ms: int) -> int:
    """The stamp for a new local event: later than every stamp seen, and at least the wall clock."""
    return max(last + 1, hlc_from_ms(now_ms))


def hlc_observe(last: int, seen: int) -> int:
    """Advance the clock past a stamp seen on another device's event."""
    return max(last, seen) + 1


def now_ms() -> int:
    return int(time.time() * 1000)
