"""Protocol version and the limits every sync client and server agree on."""

from __future__ import annotations

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
