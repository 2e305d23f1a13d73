"""Password hashing (argon2id through pwdlib), off the event loop, and the password policy."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from habit_server.services.errors import Invalid
from sync_protocol.wire.auth import MAX_PASSWORD, MIN_PASSWORD
from sync_protocol.wire.errors import ErrorCode

T = TypeVar("T")

_COMMON = frozenset(
    {"password", "12345678", "123456789", "1234567890", "qwertyui", "qwerty123", "password1", "iloveyou", "abcdefgh"}
)


class Passwords:
    """Every argon2 hash and verification of a worker passes one semaphore of ``concurrency`` slots:
    each takes ``memory_kib`` of memory, so 40 parallel sign-ups wait their turn instead of taking
    the worker to gigabytes. ``active`` and ``peak`` count the hashes running now and at most."""

    def __init__(self, time_cost: int, memory_kib: int, concurrency: int = 2) -> None:
        self._hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1),))
        self._dummy: str | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self.active = 0
        self.peak = 0

    async def _run(self, work: Callable[[], T]) -> T:
        async with self._slots:
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                return await anyio.to_thread.run_sync(work)
            finally:
                self.active -= 1

    async def hash(self, password: str) -> str:
        return await self._run(functools.partial(self._hasher.hash, password))

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Check a password; with no hash (unknown user) spend the same time and say no."""
        if hashed is None:
            if self._dummy is None:
                self._dummy = await self.hash("not a real password, only for timing")
            await self._run(functools.partial(self._hasher.verify, password, self._dummy))
            return False
        return await self._run(functools.partial(self._hasher.verify, password, hashed))


def check_policy(password: str, username: str) -> None:
    """At least 8 characters, not the username, not one of the most common passwords."""
    if len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise Invalid(ErrorCode.WEAK_PASSWORD, f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    lowered = password.lower()
    if lowered == username.lower() or lowered in _COMMON or len(set(password)) < 4:
        raise Invalid(ErrorCode.WEAK_PASSWORD, "this password is too easy to guess; choose another")
