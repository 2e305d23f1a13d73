"""Every message on the wire between a client and the sync server, as pydantic models.

The server uses these as its request and response models. The protocol's constants and the
event codec are in :mod:`sync_protocol.protocol`, which the client uses without pydantic.
"""

from sync_protocol.protocol import (
    MAX_BODY_BYTES,
    MAX_PULL_LIMIT,
    MAX_PUSH_EVENTS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    STREAM_HINT_EVENT,
    SUPPORTED_PROTOCOLS,
)
from sync_protocol.wire.auth import (
    DeviceOut,
    RefreshRequest,
    RegisterRequest,
    Role,
    TokenResponse,
    UserPublic,
    UserUpdate,
)
from sync_protocol.wire.errors import ErrorBody, ErrorCode, ErrorResponse
from sync_protocol.wire.habits import CheckinOut, CompleteRequest, HabitCreate, HabitOut, HabitPage, HabitUpdate
from sync_protocol.wire.sync import (
    EventIn,
    EventOut,
    PullResponse,
    PushRequest,
    PushResponse,
    PushResult,
    StatusResponse,
    StreamHint,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_PULL_LIMIT",
    "MAX_PUSH_EVENTS",
    "PROTOCOL_HEADER",
    "PROTOCOL_VERSION",
    "STREAM_HINT_EVENT",
    "SUPPORTED_PROTOCOLS",
    "CheckinOut",
    "CompleteRequest",
    "DeviceOut",
    "ErrorBody",
    "ErrorCode",
    "ErrorResponse",
    "EventIn",
    "EventOut",
    "HabitCreate",
    "HabitOut",
    "HabitPage",
    "HabitUpdate",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "PushResult",
    "RefreshRequest",
    "RegisterRequest",
    "Role",
    "StatusResponse",
    "StreamHint",
    "TokenResponse",
    "UserPublic",
    "UserUpdate",
]
