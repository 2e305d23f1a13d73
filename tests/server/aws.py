"""A real moto server on loopback (SQS, S3, SES) for the delivery tests, and helpers to read what it holds."""

from __future__ import annotations

import asyncio
import email
import json
import os
import secrets
import socket
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import boto3
import pytest

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
