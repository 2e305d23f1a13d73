"""The sync protocol's constants, limits and paths, and an event as JSON, without pydantic.

The client imports this module on every ``habit sync`` (pydantic would cost ~70 ms); the server's
request and response models (``sync_protocol.wire``) use the same constants and the same event
codec.
"""

from __future__ import annotations

from typing import Any

from sync_protocol.domain.events import Event

PROTOCOL_VERSION = 1
"""The sync protocol this code speaks. A change that old peers cannot read bumps it."""

SUPPORTED_PROTOCOLS: frozenset[int] = frozenset({PROTOCOL_VERSION})
"""Versions a server accepts in :data:`PROTOCOL_HEADER` (absent header means "current")."""

PROTOCOL_HEADER = "X-Habit-Protocol"
"""Sent by clients on every request (optional) and by the server on every response."""

MAX_PUSH_EVENTS = 500
"""Most events in one ``POST /api/v1/sync/events``."""

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body the server reads (1 MiB)."""

MAX_PAYLOAD_BYTES = 64 * 1024
"""Largest payload of one event, as compact UTF-8 JSON (64 KiB); a larger one is that event's ``payload_too_large``."""

DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 1000
"""Page size bounds of ``GET /api/v1/sync/events?limit=``."""

MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000
"""Events whose HLC wall time is further than this ahead of the server clock are rejected."""

API_PREFIX = "/api/v1"
SYNC_STATUS_PATH = f"{API_PREFIX}/sync/status"
SYNC_EVENTS_PATH = f"{API_PREFIX}/sync/events"
SYNC_STREAM_PATH = f"{API_PREFIX}/sync/stream"
TOKEN_PATH = f"{API_PREFIX}/security/token"
REFRESH_PATH = f"{API_PREFIX}/security/refresh"
LOGOUT_PATH = f"{API_PREFIX}/security/logout"
REGISTER_PATH = f"{API_PREFIX}/users"
DEVICES_PATH = f"{API_PREFIX}/devices"
DEVICE_PATH = f"{API_PREFIX}/devices/{{device_id}}"
NOTIFICATIONS_PATH = f"{API_PREFIX}/users/me/notifications"
REPORTS_PATH = f"{API_PREFIX}/reports"
STREAM_HINT_EVENT = "hint"
"""SSE event name of a hint; the stream opens with one for the current head."""

EVENT_KEYS = ("event_id", "device_id", "device_seq", "hlc", "kind", "schema", "payload")
"""An event's keys on the wire, in order; a pulled event also has ``server_seq``."""


class ProtocolError(ValueError):
    """A message that does not follow the protocol."""


def event_json(event: Event) -> dict[str, Any]:
    """An event as a push sends it."""
    return dict(zip(EVENT_KEYS, (getattr(event, key) for key in EVENT_KEYS), strict=True))


def pulled_event(obj: Any) -> tuple[Event, int]:
    """An event of a pull page and its ``server_seq``; ProtocolError when it is not one."""
    if not isinstance(obj, dict):
        raise ProtocolError("an event is not an object")
    try:
        values = [obj[key] for key in EVENT_KEYS]
        seq = obj["server_seq"]
    except KeyError as exc:
        raise ProtocolError(f"an event has no {exc.args[0]}") from None
    event_id, device_id, device_seq, hlc, kind, schema, payload = values
    texts_ok = all(isinstance(v, str) and v for v in (event_id, device_id, kind))
    numbers_ok = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (device_seq, hlc, schema, seq))
    if not (texts_ok and numbers_ok and isinstance(payload, dict)):
        raise ProtocolError(f"event {event_id!r} has a field of the wrong type")
    return Event(event_id, device_id, device_seq, hlc, kind, payload, schema), seq
