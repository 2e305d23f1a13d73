"""Pure ASGI middleware: the protocol version header and the request body bound."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, SUPPORTED_PROTOCOLS
from sync_protocol.wire.errors import ErrorCode

_HEADER = PROTOCOL_HEADER.lower().encode()
_VERSION = str(PROTOCOL_VERSION).encode()


async def send_error(send: Send, status: int, code: ErrorCode, message: str) -> None:
    body = json.dumps({"error": {"code": code.value, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (_HEADER, _VERSION),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ProtocolMiddleware:
    """Every response names the protocol; a client asking for another version gets 426."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == _HEADER:
                try:
                    wanted = int(value.decode("latin-1").strip())
                except ValueError:
                    wanted = -1
                if wanted not in SUPPORTED_PROTOCOLS:
                    await send_error(
                        send,
                        426,
                        ErrorCode.UNSUPPORTED_PROTOCOL,
                        f"this server speaks sync protocol {PROTOCOL_VERSION}; "
                        f"the client asked for {value.decode('latin-1')[:20]!r}: update the client or the server",
                    )
                    return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (_HEADER, _VERSION)]
            await send(message)

        await self.app(scope, receive, send_with_header)


class BodyLimitMiddleware:
    """Reads at most ``limit`` bytes of a request body; a larger one gets 413 and is never parsed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._too_large(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await send_error(send, 413, ErrorCode.BODY_TOO_LARGE, f"request bodies are limited to {self.limit} bytes")
