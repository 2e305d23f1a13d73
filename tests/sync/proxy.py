"""A fault-injecting HTTP proxy on loopback, in front of a real ``habit-server``.

Every request is forwarded to the server unless a :class:`Rule` matches it; a rule answers in the
server's place (a status, a body, headers), drops the connection, delays the request, or forwards
it and changes the answer's headers. Rules count the requests they match, so "the second pull
page gets a 500" is ``Rule(SYNC_EVENTS_PATH, method="GET", nth=2, status=500)``. Every request is
logged in :attr:`Proxy.seen` (with its body) so a test can tell what the client really sent.

Standard library only: ``http.server`` (HTTP/1.1, kept-alive connections) in a thread, and
``http.client`` to the server.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"})


@dataclass
class Rule:
    """What to do with requests to ``path`` (the path without the query; a prefix when it ends
    with ``*``). It matches the ``nth`` such request (1-based) and the ``times - 1`` after it
    (``times=None``: every one from the ``nth`` on)."""

    path: str = "*"
    method: str | None = None
    nth: int = 1
    times: int | None = 1
    min_body: int = 0
    """Only requests whose body is larger than this many bytes."""
    status: int | None = None
    """Answer with this status instead of the server (None: forward to the server)."""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    """Headers of the answer (set on the server's answer when forwarding)."""
    request_headers: dict[str, str] = field(default_factory=dict)
    """Headers replaced in the request before it is forwarded."""
    drop: bool = False
    """Close the connection without answering."""
    delay: float = 0.0
    """Seconds to wait before doing the rest."""
    matched: int = 0
    fired: int = 0

    def matches(self, method: str, path: str, size: int) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.path != "*" and not (path.startswith(self.path[:-1]) if self.path.endswith("*") else path == self.path):
            return False
        if size <= self.min_body and self.min_body:
            return False
        self.matched += 1
        if self.matched < self.nth:
            return False
        if self.times is not None and self.matched >= self.nth + self.times:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    body: bytes
    status: int
    """What the client got (0: the connection was dropped)."""
    by_rule: bool


class Proxy:
    """``url`` forwards to ``upstream``; ``rules`` are tried in order, the first that matches acts."""

    def __init__(self, upstream: str, port: int = 0) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        )
        self._thread.start()

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def requests(self, path: str, method: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path and (method is None or s.method == method)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # ----- one request -------------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        size = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(size) if size else b""
        parts = urlsplit(h.path)
        with self._lock:
            rule = next((r for r in self.rules if r.matches(h.command, parts.path, len(body))), None)
        if rule is not None and rule.delay:
            time.sleep(rule.delay)
        if rule is not None and rule.drop:
            self._log(h, parts, body, 0, by_rule=True)
            h.close_connection = True
            return
        if rule is not None and rule.status is not None:
            self._answer(h, rule.status, {"Content-Type": "application/json", **rule.headers}, rule.body)
            self._log(h, parts, body, rule.status, by_rule=True)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
        if rule is not None:
            headers.update(rule.request_headers)
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            conn.request(h.command, h.path, body=body or None, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            out = {k: v for k, v in reply.getheaders() if k.lower() not in HOP_BY_HOP}
        except OSError:
            self._log(h, parts, body, 0, by_rule=False)
            h.close_connection = True
            return
        finally:
            conn.close()
        if rule is not None:
            out = {k: v for k, v in out.items() if k.lower() not in {n.lower() for n in rule.headers}}
            out.update(rule.headers)
        self._answer(h, reply.status, out, data)
        self._log(h, parts, body, reply.status, by_rule=rule is not None)

    @staticmethod
    def _answer(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _log(self, h: BaseHTTPRequestHandler, parts: Any, body: bytes, status: int, *, by_rule: bool) -> None:
        with self._lock:
            self.seen.append(Seen(h.command, parts.path, parts.query, body, status, by_rule))


@contextmanager
def proxy_to(upstream: str, port: int = 0) -> Iterator[Proxy]:
    proxy = Proxy(upstream, port)
    try:
        yield proxy
    finally:
        proxy.close()
