"""Reading the log: its status (identity and head) and pages of events after a cursor."""

from __future__ import annotations

import json
import uuid

from habit_server.runtime import Runtime
from habit_server.services.errors import Unauthorized
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.sync import StatusResponse


async def status(rt: Runtime, user_id: uuid.UUID) -> StatusResponse:
    found = await rt.log.status(user_id)
    if found is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    return StatusResponse(store_id=found.store_id, head_seq=found.head)


async def head(rt: Runtime, user_id: uuid.UUID) -> int:
    return (await status(rt, user_id)).head_seq


async def pull_json(rt: Runtime, user_id: uuid.UUID, after: int, limit: int) -> bytes:
    """A ``PullResponse`` as JSON bytes, built straight from the stored rows (payloads are stored as JSON).

    A page ends early, with ``has_more``, once it holds ``PULL_PAGE_BYTES`` (it always holds one event).
    """
    rows = await rt.log.page(user_id, after, limit + 1)
    has_more = len(rows) > limit
    budget = rt.settings.pull_page_bytes
    parts: list[str] = []
    for seq, eid, dev, dseq, hlc, kind, schema, payload in rows[:limit]:
        part = (
            f'{{"event_id":{json.dumps(eid)},"device_id":{json.dumps(dev)},"device_seq":{dseq},"hlc":{hlc},'
            f'"kind":{json.dumps(kind)},"schema":{schema},"payload":{payload},"server_seq":{seq}}}'
        )
        budget -= len(part.encode())
        if parts and budget < 0:
            has_more = True
            break
        parts.append(part)
    rows = rows[: len(parts)]
    nxt = int(rows[-1][0]) if rows else after
    body = f'{{"events":[{",".join(parts)}],"next":{nxt},"has_more":{"true" if has_more else "false"}}}'
    return body.encode()
