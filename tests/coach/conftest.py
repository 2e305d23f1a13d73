"""A small HTTP server on loopback that speaks Ollama's API (``/api/chat``, ``/api/tags``).

Wire format as in Ollama's API docs: ``POST /api/chat`` streams NDJSON objects
``{"model", "created_at", "message": {"role": "assistant", "content": piece}, "done": false}``
and ends with ``"done": true, "done_reason": "stop"`` plus timing counters; with
``"stream": false`` it answers one JSON object holding the whole message. Errors are an HTTP
status with ``{"error": "..."}``, or an ``{"error": "..."}`` line inside a stream.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CREATED = "2025-11-24T09:00:00.000000Z"


@dataclass
class Reply:
    """What the fake server answers to the next chats."""

    chunks: list[str] = field(default_factory=list)
    status: int = 200
    error: str = ""
    delay: float = 0.0
    """Seconds before the first byte of the answer."""
    chunk_delay: float = 0.0
    raw: bytes | None = None
    """Sent as the body instead of well-formed JSON."""
    stream_error: str = ""
    """An ``{"error": ...}`` line after the chunks."""
    opened: threading.Event | None = None
    """When given, the answer starts only once it is set (the client is waiting until then)."""
    held: threading.Event | None = None
    """When given, the answer stops after its first ``hold_after`` chunks until it is set."""
    hold_after: int = 2


@dataclass
class FakeOllama:
    url: str
    reply: Reply = field(default_factory=Reply)
    models: list[str] = field(default_factory=lambda: ["llama3.2:latest", "qwen2.5:0.5b"])
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def chats(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"] == "/api/chat"]


def _handler(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send_json(self, status: int, payload: Any) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            fake.requests.append({"path": self.path, "body": None})
            if self.path != "/api/tags":
                self._send_json(404, {"error": "not found"})
                return
            models = [
                {"name": m, "model": m, "modified_at": "2025-11-01T10:00:00Z", "size": 2019393189, "digest": "a80c4f17"}
                for m in fake.models
            ]
            self._send_json(200, {"models": models})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append({"path": self.path, "body": body})
            reply = fake.reply
            try:
                if reply.delay:
                    time.sleep(reply.delay)
                if self.path != "/api/chat":
                    self._send_json(404, {"error": "not found"})
                elif reply.status != 200:
                    self._send_json(reply.status, {"error": reply.error or "internal error"})
                elif reply.raw is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.end_headers()
                    self.wfile.write(reply.raw)
                elif body.get("stream", True):
                    self._stream(body["model"], reply)
                else:
                    message = {"role": "assistant", "content": "".join(reply.chunks)}
                    self._send_json(200, {**self._final(body["model"], len(reply.chunks)), "message": message})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _final(self, model: str, count: int) -> dict[str, Any]:
            return {
                "model": model,
                "created_at": CREATED,
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "total_duration": 4353619900,
                "load_duration": 63915300,
                "prompt_eval_count": 120,
                "prompt_eval_duration": 246847000,
                "eval_count": count,
                "eval_duration": 4032296000,
            }

        def _stream(self, model: str, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            if reply.opened is not None:
                reply.opened.wait(30)
            for i, piece in enumerate(reply.chunks):
                if i == reply.hold_after and reply.held is not None:
                    reply.held.wait(30)
                line = {"model": model, "created_at": CREATED, "message": {"role": "assistant", "content": piece}}
                self.wfile.write(json.dumps({**line, "done": False}).encode() + b"\n")
                self.wfile.flush()
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
            if reply.stream_error:
                self.wfile.write(json.dumps({"error": reply.stream_error}).encode() + b"\n")
                return
            self.wfile.write(json.dumps(self._final(model, len(reply.chunks))).encode() + b"\n")

    return Handler


@pytest.fixture
def ollama_server() -> Iterator[FakeOllama]:
    fake = FakeOllama(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    server.block_on_close = False
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """An address on loopback where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
