"""Report PDFs in S3. Every call blocks (boto3): callers run them in threads."""

from __future__ import annotations

from datetime import date
from typing import Any


def report_key(user_id: str, period: str, start: date) -> str:
    """``reports/<user_id>/<year>/<period>-<start>.pdf``."""
    return f"reports/{user_id}/{start.year}/{period}-{start.isoformat()}.pdf"


class ReportStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def check(self) -> None:
        self.s3.head_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="application/pdf")

    def get(self, key: str) -> bytes:
        data: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def link(self, key: str, seconds: int) -> str:
        url: str = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )
        return url
