"""The report jobs' SQS queue. Every call blocks (boto3): callers run them in threads, the batch calls
through :class:`habit_server.delivery.batching.Batches`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    receipt: str
    body: dict[str, Any]
    receives: int
    """SQS's ``ApproximateReceiveCount``: 1 on the first delivery."""
    raw: str


class JobQueue:
    def __init__(self, sqs: Any, url: str, dead_letter_url: str = "") -> None:
        self.sqs = sqs
        self.url = url
        self.dead_letter_url = dead_letter_url

    def check(self) -> None:
        """Raise (botocore's error) unless the queue (and the dead-letter queue) can be reached."""
        for url in filter(None, (self.url, self.dead_letter_url)):
            self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])

    def send_batch(self, bodies: list[dict[str, Any]]) -> list[str]:
        """Send up to 10 jobs in one call; the error of each one SQS refused (``""``: sent)."""
        entries = [{"Id": str(n), "MessageBody": _text(b)} for n, b in enumerate(bodies)]
        return _errors(len(bodies), self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries))

    def receive(self, count: int, wait_seconds: int) -> list[Message]:
        answer = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(count, 10)),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        out = []
        for m in answer.get("Messages", []):
            try:
                body = json.loads(m["Body"])
            except ValueError:
                body = None
            out.append(
                Message(
                    receipt=m["ReceiptHandle"],
                    body=body if isinstance(body, dict) else {},
                    receives=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                    raw=m["Body"],
                )
            )
        return out

    def delete(self, message: Message) -> None:
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt)

    def delete_batch(self, messages: list[Message]) -> list[str]:
        """Delete up to 10 messages in one call; the error of each one SQS refused (``""``: deleted)."""
        entries = [{"Id": str(n), "ReceiptHandle": m.receipt} for n, m in enumerate(messages)]
        return _errors(len(messages), self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries))

    def visibility_timeout(self) -> int:
        answer = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["VisibilityTimeout"])
        return int(answer["Attributes"]["VisibilityTimeout"])

    def extend(self, message: Message, seconds: int) -> None:
        """Keep a job in hand hidden for ``seconds`` more (a job longer than the visibility timeout)."""
        self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message.receipt, VisibilityTimeout=seconds)

    def release(self, message: Message) -> None:
        """Make a message visible again now (a job not finished at shut-down)."""
        self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message.receipt, VisibilityTimeout=0)

    def dead_letter(self, message: Message) -> bool:
        """Move a message to the dead-letter queue (if there is one); it leaves this queue either way."""
        moved = bool(self.dead_letter_url)
        if moved:
            self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=message.raw)
        self.delete(message)
        return moved


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def _errors(count: int, answer: dict[str, Any]) -> list[str]:
    """A batch call's answer as one error per entry (``""``: done)."""
    errors = [""] * count
    for failed in answer.get("Failed", []):
        errors[int(failed["Id"])] = f"{failed.get('Code', 'error')}: {failed.get('Message', '')}"
    return errors
