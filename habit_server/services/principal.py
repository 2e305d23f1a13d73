"""Who is making a request, once their access token has been checked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    device_id: uuid.UUID
    username: str
    role: str
    log_state: str = ""
    """Where the user's log stood when the request was checked (its identity and head): every write
    changes it, so the response cache keys on it."""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def key(self) -> str:
        """The user id as text: cache keys, channels, logs."""
        return str(self.user_id)
