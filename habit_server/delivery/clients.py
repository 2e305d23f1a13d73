"""boto3 clients from the server's settings (credentials come from boto3's usual chain)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from habit_server.settings import Settings

_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    max_pool_connections=50,  # calls run in threads (anyio's 40 at most): each keeps its connection
)


def client(settings: Settings, service: str) -> Any:
    """A client for ``service``; ``AWS_ENDPOINT_URL`` points every service at one endpoint (moto, LocalStack)."""
    return boto3.client(
        service,
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url or None,
        config=_CONFIG,
    )


class DeliveryError(Exception):
    """A delivery setting is wrong or an AWS service cannot be reached; the message is one line."""


def describe(exc: Exception) -> str:
    """One line for a boto3/botocore error (no traceback, no credentials)."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"
