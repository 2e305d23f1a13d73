"""Password hashing (argon2id through pwdlib), off the event loop, and the password policy."""

from __future__ import annotations

import functools

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from habit_server.services.errors import Invalid
from sync_protocol.wire.auth import MAX_PASSWORD, MIN_PASSWORD
from sync_protocol.wire.errors import ErrorCode

_COMMON = frozenset(
    {"password", "12345678", "123456789", "1234567890", "qwertyui", "qwerty123", "password1", "iloveyou", "abcdefgh"}
)


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1),))
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check a password; with no hash (unknown user) spend the same time and say no."""
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self.hash("not a real password, only for timing")
            await anyio.to_thread.run_sync(self._hasher.verify, password, self._dummy)
            return False
        return await anyio.to_thread.run_sync(functools.partial(self._hasher.verify, password, hashed))


def check_policy(password: str, username: str) -> None:
    """At least 8 characters, not the username, not one of the most common passwords."""
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise Invalid(ErrorCode.WEAK_PASSWORD, f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    lowered = password.lower()
    if lowered == username.lower() or lowered in _COMMON or len(set(password)) < 4:
        raise Invalid(ErrorCode.WEAK_PASSWORD, "this password is too easy to guess; choose another")
