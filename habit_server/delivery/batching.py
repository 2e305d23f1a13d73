"""Many small SQS calls made at the same time, as a few batch calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

BATCH = 10
"""SQS's largest batch."""


class BatchFailed(Exception):
    """SQS refused an item of a batch, or could not be reached; the message is one line."""


@dataclass
class Batches(Generic[T]):
    """Calls ``call`` (a blocking batch call, run in a thread) with up to :data:`BATCH` items at a time:
    the items that arrive while a call is on its way go in the next one, ``parallel`` calls at once.
    ``call`` answers one error per item (``""``: done)."""

    call: Callable[[list[T]], list[str]]
    parallel: int = 4
    _waiting: list[tuple[T, asyncio.Future[None]]] = field(default_factory=list, init=False)
    _calls: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    async def put(self, item: T) -> None:
        """Returns once ``item``'s call is done; :class:`BatchFailed` when it failed."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if len(self._calls) < self.parallel:
            call = asyncio.create_task(self._call_waiting())  # ends when nothing waits; errors go to the futures
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)
        await done

    async def _call_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                errors = await asyncio.to_thread(self.call, [item for item, _ in batch])
            except Exception as exc:
                errors = [f"{type(exc).__name__}: {exc}"] * len(batch)
            for (_, done), error in zip(batch, errors, strict=True):
                if done.done():  # its caller was cancelled
                    continue
                if error:
                    done.set_exception(BatchFailed(error))
                else:
                    done.set_result(None)
