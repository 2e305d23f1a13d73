"""Report delivery through AWS: the SQS job queue, the S3 store of PDFs, SES email, and the worker's loop.

Nothing here reads the database: :mod:`habit_server.services.reports` does the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from habit_server.delivery.batching import Batches
from habit_server.delivery.clients import DeliveryError, client, describe
from habit_server.delivery.mail import Mailer
from habit_server.delivery.queue import JobQueue
from habit_server.delivery.storage import ReportStore
from habit_server.settings import Settings


@dataclass(frozen=True)
class Delivery:
    queue: JobQueue
    store: ReportStore
    mailer: Mailer
    sender: Batches[dict[str, Any]]
    """Sends the jobs the API server makes, those of concurrent requests together."""

    @classmethod
    def create(cls, settings: Settings) -> Delivery:
        queue = JobQueue(client(settings, "sqs"), settings.sqs_queue_url, settings.sqs_dlq_url)
        return cls(
            queue=queue,
            store=ReportStore(client(settings, "s3"), settings.s3_bucket),
            mailer=Mailer(client(settings, "sesv2"), settings.ses_sender),
            sender=Batches(queue.send_batch),
        )

    def check(self) -> None:
        """Reach the queues and the bucket once (blocking), or raise :class:`DeliveryError` in one line."""
        from botocore.exceptions import BotoCoreError, ClientError

        for what, probe in (("SQS_QUEUE_URL/SQS_DLQ_URL", self.queue.check), ("S3_BUCKET", self.store.check)):
            try:
                probe()
            except (BotoCoreError, ClientError) as exc:
                raise DeliveryError(f"{what}: {describe(exc)}") from None


__all__ = ["Delivery", "DeliveryError"]
