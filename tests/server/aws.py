"""A real moto server on loopback (SQS, S3, SES) for the delivery tests, and helpers to read what it holds."""

from __future__ import annotations

import asyncio
import email
import http.client
import json
import os
import secrets
import socket
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest

from tests.server.support import Api

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session", name="moto_url")
def moto_url_fixture() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Aws:
    url: str
    queue_url: str
    dlq_url: str
    bucket: str
    sender: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "sqs_queue_url": self.queue_url,
            "sqs_dlq_url": self.dlq_url,
            "s3_bucket": self.bucket,
            "ses_sender": self.sender,
            "aws_endpoint_url": self.url,
            "aws_region": REGION,
            **extra,
        }

    def emails_to(self, address: str) -> list[Message]:
        """The raw emails moto's SES recorded for ``address``."""
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json") as answer:
            data = json.load(answer)
        raw = data.get("ses", {}).get("RawMessage", [])
        return [email.message_from_string(m["raw_data"]) for m in raw if address in m["destinations"]]

    def object(self, key: str) -> bytes:
        data: bytes = self.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def take(self, url: str) -> list[str]:
        """The bodies of every message now visible in the queue at ``url``, deleted from it."""
        got = self.messages(url)
        sqs = self.client("sqs")
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return sorted(m["Body"] for m in got)

    def messages(self, url: str) -> list[dict[str, Any]]:
        """Every message now visible in the queue at ``url`` (received and left to come back)."""
        sqs = self.client("sqs")
        out: list[dict[str, Any]] = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return out
            out += got


@pytest.fixture(name="aws")
def aws_fixture(moto_url: str) -> Aws:
    """A fresh queue (visibility timeout 1 s), dead-letter queue, bucket and verified sender on moto."""
    tag = secrets.token_hex(4)
    sqs = boto3.client("sqs", endpoint_url=moto_url, region_name=REGION)
    queue = sqs.create_queue(QueueName=f"reports-{tag}", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    dlq = sqs.create_queue(QueueName=f"reports-dlq-{tag}")["QueueUrl"]
    bucket = f"reports-{tag}"
    boto3.client("s3", endpoint_url=moto_url, region_name=REGION).create_bucket(Bucket=bucket)
    sender = f"reports-{tag}@example.com"
    boto3.client("ses", endpoint_url=moto_url, region_name=REGION).verify_email_identity(EmailAddress=sender)
    return Aws(moto_url, queue, dlq, bucket, sender)


async def open_aws_api(pg_url: str, redis_url: str, redis_prefix: str, aws: Aws, **extra: Any) -> AsyncIterator[Api]:
    """The API on PostgreSQL and Redis, delivering through ``aws`` (``extra``: more settings)."""
    from tests.server.conftest import make_settings, open_api  # conftest registers this module's fixtures

    settings = make_settings(
        database_url=pg_url, redis_url=redis_url, redis_prefix=redis_prefix, **aws.settings(**extra)
    )
    async for api in open_api(settings, "postgres"):
        yield api


async def until(check: Callable[[], Awaitable[bool]], limit: float = 60.0) -> None:
    """Wait until ``check()`` is true (a bound for a broken build, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)


def pdf_attachments(message: Message) -> list[bytes]:
    out: list[bytes] = []
    for part in message.walk():
        if part.get_content_type() == "application/pdf":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out.append(payload)
    return out


SEND_EMAIL_PATH = "/v2/email/outbound-emails"
"""SES v2 ``SendEmail``, what :class:`habit_server.delivery.mail.Mailer` calls."""


class SesGate:
    """An HTTP proxy on loopback in front of moto that passes every request through, except that,
    while it holds, an SES ``SendEmail`` call is kept waiting and then dropped unanswered (SES never
    sees it): a process can be killed in the middle of sending an email, deterministically."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.holding = False
        self.held = threading.Event()
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hold(self) -> None:
        self.holding, self.held, self.released = True, threading.Event(), threading.Event()

    def drop(self) -> None:
        """Drop the held call (its connection closes unanswered) and pass everything from now on."""
        self.holding = False
        self.released.set()

    def close(self) -> None:
        self.drop()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gate = self

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if gate.holding and self.command == "POST" and self.path.startswith(SEND_EMAIL_PATH):
                    gate.held.set()
                    gate.released.wait(120)
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
                upstream = http.client.HTTPConnection(*gate.target, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        return Forward


@pytest.fixture(name="ses_gate")
def ses_gate_fixture(moto_url: str) -> Iterator[SesGate]:
    gate = SesGate(moto_url)
    try:
        yield gate
    finally:
        gate.close()
