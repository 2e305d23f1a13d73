"""HTTP/1.1 to the sync server with the standard library: one kept-alive connection, and SSE.

``http.client`` costs ~11 ms to import where httpx costs ~50 ms, and ``habit sync`` should be
about as quick as the network allows. Every failure becomes a :class:`SyncError` with a message
for the user: the network, the server's error body, or a reply that is not the protocol.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from habit_tui.errors import SyncError
from sync_protocol.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

USER_AGENT = "habit-sync"


class Reply(NamedTuple):
    status: int
    headers: Mapping[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise SyncError("malformed", "the server's answer is not JSON (is this a habit-server?)") from None

    @property
    def error_code(self) -> str:
        """The ``error.code`` of an error body ('' when there is none)."""
        error = _error_of(self.body)
        return str(error.get("code", "")) if error else ""

    @property
    def error_message(self) -> str:
        error = _error_of(self.body)
        message = error.get("message") if error else None
        return str(message) if isinstance(message, str) and message else f"HTTP {self.status}"

    @property
    def error_fields(self) -> tuple[str, ...]:
        """The request fields a validation error's ``error.details`` names (``invite`` for ``["body", "invite"]``)."""
        error = _error_of(self.body)
        details = error.get("details") if error else None
        if not isinstance(details, list):
            return ()
        locs = (d.get("loc") for d in details if isinstance(d, dict))
        return tuple(str(loc[-1]) for loc in locs if isinstance(loc, list) and loc)


def _error_of(body: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = doc.get("error") if isinstance(doc, dict) else None
    return error if isinstance(error, dict) else None


def normalise_url(url: str) -> str:
    """``http://host:port[/prefix]`` without a trailing slash; SyncError when it is not an http(s) URL."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError("usage", f"'{url}' is not a server address; use http://HOST:PORT or https://HOST")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise SyncError("usage", f"'{url}' has a bad port number") from None
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Connection:
    """Requests to one server over a connection that is kept alive between them."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = normalise_url(base_url)
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _open(self, timeout: float | None) -> http.client.HTTPConnection:
        if self._https:
            import ssl

            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _headers(self, token: str | None, content_type: str | None) -> dict[str, str]:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        token: str | None = None,
        query: Mapping[str, int | str] | None = None,
    ) -> Reply:
        body: bytes | None = None
        content_type = None
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode()
            content_type = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            content_type = "application/x-www-form-urlencoded"
        url = self._prefix + path + (f"?{urlencode(query)}" if query else "")
        headers = self._headers(token, content_type)
        for attempt in (1, 2):
            fresh = self._conn is None
            if self._conn is None:
                self._conn = self._open(self.timeout)
            try:
                self._conn.request(method, url, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if attempt == 1 and not fresh:
                    continue  # the server closed a kept-alive connection: once more on a new one
                raise self._offline(exc) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._offline(exc) from None
            if response.will_close:
                self.close()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        raise AssertionError("unreachable")

    def events(self, path: str, token: str, *, read_timeout: float) -> Iterator[tuple[str, str] | None]:
        """Server-Sent Events on a connection of their own: ``(event, data)`` pairs, and None each
        time ``read_timeout`` passes without one (so the caller can do other work). A reply that is
        not a stream raises SyncError like any other request's.

        A thread reads the stream (a socket read that times out would leave ``http.client``'s reader
        unusable); closing the generator closes the connection, which ends the thread.
        """
        conn = self._open(self.timeout)
        try:
            headers = {**self._headers(token, None), "Accept": "text/event-stream"}
            conn.request("GET", self._prefix + path, headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                raise reply_error(Reply(response.status, {}, response.read()), self.base_url)
            if conn.sock is not None:
                conn.sock.settimeout(None)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise self._offline(exc) from None
        lines: queue.Queue[bytes | BaseException] = queue.Queue()

        def read() -> None:
            try:
                while raw := response.readline():
                    lines.put(raw)
                lines.put(b"")
            except Exception as exc:  # also http.client's own errors when the stream is closed under it
                lines.put(exc)

        threading.Thread(target=read, name="habit-sync-stream", daemon=True).start()
        try:
            event, data = "message", list[str]()
            while True:
                try:
                    item = lines.get(timeout=read_timeout)
                except queue.Empty:
                    yield None
                    continue
                if isinstance(item, BaseException):
                    raise self._offline(item)
                if not item:
                    raise SyncError("offline", f"the server {self.base_url} closed the stream")
                line = item.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    if data:
                        yield event, "\n".join(data)
                    event, data = "message", list[str]()
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
        finally:
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _offline(self, exc: BaseException) -> SyncError:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if isinstance(exc, TimeoutError | socket.timeout):
            reason = "no answer in time"
        return SyncError("offline", f"cannot reach the server {self.base_url}: {reason}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def path_of(template: str, **values: str) -> str:
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})


def reply_error(reply: Reply, server: str) -> SyncError:
    """The SyncError a failed request means, with the server's own message when it sent one."""
    code, message, status = reply.error_code, reply.error_message, reply.status
    if code == "unsupported_protocol":
        return SyncError("incompatible", f"the server cannot sync with this version of habit: {message}")
    if code in ("token_revoked", "invalid_token", "token_expired", "not_authenticated"):
        told = message if message.endswith("log in again") else f"{message}; log in again"
        return SyncError("auth", f"{told}: habit login --server {server}")
    if code == "account_disabled":
        return SyncError("auth", "this account is disabled on the server")
    if code == "invalid_credentials":
        return SyncError("auth", message)
    if status == 429:
        return SyncError("rate_limited", f"the server is busy ({message}); try again in a minute")
    if status >= 500:
        return SyncError("server", f"the server had a problem ({message}); try again later")
    if status == 404 and not code:
        return SyncError("incompatible", f"{server} does not answer like a habit-server (404)")
    return SyncError("refused", message)
