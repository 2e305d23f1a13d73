"""The sync server's API, as this device calls it: accounts, devices, and the sync endpoints.

Requests that need a login carry the access token, refreshed (and the new refresh token saved)
when it is about to expire or the server says it has. 429 and 5xx answers are retried with
exponential backoff and jitter, honouring ``Retry-After``, for a bounded time.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from habit_tui.errors import SyncError
from habit_tui.sync.account import Account
from habit_tui.sync.http import Connection, Reply, path_of, reply_error
from sync_protocol.domain.events import Event
from sync_protocol.protocol import (
    DEVICE_PATH,
    DEVICES_PATH,
    LOGOUT_PATH,
    NOTIFICATIONS_PATH,
    PROTOCOL_VERSION,
    REFRESH_PATH,
    REGISTER_PATH,
    REPORTS_PATH,
    STREAM_HINT_EVENT,
    SYNC_EVENTS_PATH,
    SYNC_STATUS_PATH,
    SYNC_STREAM_PATH,
    TOKEN_PATH,
    ProtocolError,
    event_json,
    pulled_event,
)

REFRESH_MARGIN_S = 60.0
"""Refresh the access token when it has less than this left."""
RETRY_BUDGET_S = 30.0
"""How long a request keeps retrying 429 and 5xx answers before giving up."""
RETRY_BASE_S = 0.5
INVITE_REQUIRED = "invite_required"
"""The server's error code for a sign-up without a valid invite code (``REGISTRATION=invite``)."""


class Status(NamedTuple):
    store_id: str
    head: int


class PushResult(NamedTuple):
    event_id: str
    status: str
    server_seq: int | None
    code: str
    message: str


class Page(NamedTuple):
    events: list[tuple[Event, int]]
    next: int
    has_more: bool


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SyncError("malformed", f"the server's {what} is not a number")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SyncError("malformed", f"the server's {what} is missing")
    return value


def _object(reply: Reply) -> dict[str, Any]:
    doc = reply.json()
    if not isinstance(doc, dict):
        raise SyncError("malformed", "the server's answer is not a JSON object")
    return doc


class Api:
    """Calls to one server, as one account (or none yet: register and log in)."""

    def __init__(
        self,
        server: str,
        account: Account | None = None,
        *,
        on_account: Callable[[Account], None] | None = None,
        saved: Callable[[], Account | None] | None = None,
        lock: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.conn = Connection(server, timeout=timeout)
        self.server = self.conn.base_url
        self.account = account
        self._on_account = on_account
        self._saved = saved
        """The account as saved now: another process of this device may have refreshed its tokens."""
        self._lock = lock
        """Held while refreshing, so the processes of one device refresh one at a time."""
        self._sleep = sleep

    def close(self) -> None:
        self.conn.close()

    # ----- plumbing --------------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> Reply:
        """A request, retried on 429 and 5xx within :data:`RETRY_BUDGET_S`."""
        deadline = time.monotonic() + RETRY_BUDGET_S
        attempt = 0
        while True:
            reply = self.conn.request(method, path, **kwargs)
            if reply.status != 429 and reply.status < 500:
                return reply
            wait = _retry_after(reply.headers) or RETRY_BASE_S * 2**attempt * random.uniform(0.5, 1.5)
            attempt += 1
            if time.monotonic() + wait > deadline:
                return reply
            self._sleep(wait)

    def _ok(self, reply: Reply, *expected: int) -> Reply:
        if reply.status not in (expected or (200,)):
            raise reply_error(reply, self.server)
        served = reply.headers.get("x-habit-protocol")
        if served is not None and served != str(PROTOCOL_VERSION):
            raise SyncError(
                "incompatible", f"the server speaks sync protocol {served}; this habit speaks {PROTOCOL_VERSION}"
            )
        return reply

    def _token(self) -> str:
        account = self._logged_in()
        if not account.access_token or account.access_expires - time.time() < REFRESH_MARGIN_S:
            account = self.refresh()
        return account.access_token

    def _logged_in(self) -> Account:
        if self.account is None:
            raise SyncError("auth", "this device is not logged in: habit login --server URL (or habit register)")
        return self.account

    def _authed(self, method: str, path: str, *expected: int, **kwargs: Any) -> Reply:
        reply = self._send(method, path, token=self._token(), **kwargs)
        if reply.status == 401 and reply.error_code == "token_expired":
            self.refresh()
            reply = self._send(method, path, token=self._token(), **kwargs)
        return self._ok(reply, *expected)

    def _tokens(self, doc: dict[str, Any], username: str) -> Account:
        account = Account(
            server=self.server,
            username=username,
            user_id=_str(doc.get("user_id"), "user id"),
            device_id=_str(doc.get("device_id"), "device id"),
            refresh_token=_str(doc.get("refresh_token"), "refresh token"),
            access_token=_str(doc.get("access_token"), "access token"),
            access_expires=time.time() + _int(doc.get("expires_in"), "token lifetime"),
        )
        self.account = account
        if self._on_account is not None:
            self._on_account(account)
        return account

    # ----- accounts --------------------------------------------------------------------------------
    def register(self, username: str, password: str, email: str = "", invite: str | None = None) -> None:
        """Sign up; ``invite`` is the admin's single-use code, for a server that takes sign-ups by invite."""
        body = {"username": username, "password": password, "email": email}
        if invite is not None:
            body["invite"] = invite
        reply = self._send("POST", REGISTER_PATH, json_body=body)
        if reply.status == 403 and reply.error_code == INVITE_REQUIRED:
            if invite is None:
                raise SyncError(
                    "refused",
                    f"{self.server} takes sign-ups by invite only: ask its admin for a code, then --invite CODE",
                )
            raise SyncError("refused", f"{reply.error_message}: ask the server's admin for a new one (--invite CODE)")
        if reply.status == 422 and "invite" in reply.error_fields:
            raise SyncError(
                "refused", "--invite: this is not an invite code; copy the whole code habit-server invite printed"
            )
        self._ok(reply, 201)

    def login(self, username: str, password: str, device_name: str) -> Account:
        form = {"username": username, "password": password, "device_name": device_name, "grant_type": "password"}
        return self._tokens(_object(self._ok(self._send("POST", TOKEN_PATH, form=form))), username)

    def refresh(self) -> Account:
        with self._lock():
            account = self._logged_in()
            saved = self._saved() if self._saved is not None else None
            if saved and saved.device_id == account.device_id and saved.refresh_token != account.refresh_token:
                # Another process (the app, a watch, a sync) refreshed since: ours was used, and using it
                # again would log this device out. Take the saved tokens; refresh those if they are old too.
                self.account = account = saved
                if saved.access_token and saved.access_expires - time.time() >= REFRESH_MARGIN_S:
                    return saved
            reply = self._ok(self._send("POST", REFRESH_PATH, json_body={"refresh_token": account.refresh_token}))
            return self._tokens(_object(reply), account.username)

    def logout(self) -> None:
        self._authed("POST", LOGOUT_PATH, 204)

    def devices(self) -> list[dict[str, Any]]:
        doc = self._authed("GET", DEVICES_PATH).json()
        if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
            raise SyncError("malformed", "the server's device list is not a list")
        return doc

    def revoke(self, device_id: str) -> None:
        self._authed("DELETE", path_of(DEVICE_PATH, device_id=device_id), 204)

    # ----- server-side emails ------------------------------------------------------------------------
    def notifications(self) -> dict[str, Any]:
        """The account's reminder and weekly-report settings."""
        return _object(self._authed("GET", NOTIFICATIONS_PATH))

    def set_notifications(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return _object(self._authed("PUT", NOTIFICATIONS_PATH, json_body=dict(settings)))

    def request_report(self, period: str, day: str) -> dict[str, Any]:
        """Ask the server to make (and, with delivery configured, email) a report: its state (202)."""
        return _object(self._authed("POST", REPORTS_PATH, 202, json_body={"period": period, "date": day}))

    # ----- sync ------------------------------------------------------------------------------------
    def status(self) -> Status:
        doc = _object(self._authed("GET", SYNC_STATUS_PATH))
        protocol = doc.get("protocol", PROTOCOL_VERSION)
        if protocol != PROTOCOL_VERSION:
            raise SyncError(
                "incompatible", f"the server speaks sync protocol {protocol}; this habit speaks {PROTOCOL_VERSION}"
            )
        return Status(_str(doc.get("store_id"), "store id"), _int(doc.get("head_seq"), "head"))

    def push(self, events: Sequence[Event]) -> tuple[list[PushResult], int] | None:
        """Push events; their results in order and the new head, or None when the body was too large (413)."""
        body = {"events": [event_json(e) for e in events]}
        reply = self._send("POST", SYNC_EVENTS_PATH, token=self._token(), json_body=body)
        if reply.status == 413:
            return None
        if reply.status == 401 and reply.error_code == "token_expired":
            self.refresh()
            reply = self._send("POST", SYNC_EVENTS_PATH, token=self._token(), json_body=body)
        doc = _object(self._ok(reply))
        results = doc.get("results")
        if not isinstance(results, list) or len(results) != len(events):
            raise SyncError("malformed", "the server's push answer does not match the events sent")
        return [_push_result(r) for r in results], _int(doc.get("head_seq"), "head")

    def pull(self, after: int, limit: int) -> Page:
        doc = _object(self._authed("GET", SYNC_EVENTS_PATH, query={"after": after, "limit": limit}))
        raw = doc.get("events")
        if not isinstance(raw, list) or not isinstance(doc.get("has_more"), bool):
            raise SyncError("malformed", "the server's page of events is malformed")
        try:
            events = [pulled_event(e) for e in raw]
        except ProtocolError as exc:
            raise SyncError("malformed", f"the server sent an event that is not the protocol: {exc}") from None
        return Page(events, _int(doc.get("next"), "cursor"), bool(doc["has_more"]))

    def hints(self, *, idle: float = 1.0) -> Iterator[int | None]:
        """The server's stream: the head after each change (the first one at once), or None when
        ``idle`` seconds passed without one."""
        for item in self.conn.events(SYNC_STREAM_PATH, self._token(), read_timeout=idle):
            if item is None:
                yield None
                continue
            event, data = item
            if event != STREAM_HINT_EVENT:
                continue
            try:
                head = json.loads(data).get("head_seq")
            except (ValueError, AttributeError):
                raise SyncError("malformed", "the server's stream sent a hint that is not JSON") from None
            yield _int(head, "head")


def _push_result(raw: Any) -> PushResult:
    if not isinstance(raw, dict):
        raise SyncError("malformed", "a push result is not an object")
    found = raw.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    seq = raw.get("server_seq")
    return PushResult(
        _str(raw.get("event_id"), "event id"),
        _str(raw.get("status"), "push status"),
        seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        str(error.get("code", "")),
        str(error.get("message", "")),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers["retry-after"]))
    except (KeyError, ValueError):
        return None
