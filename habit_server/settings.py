"""Server settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync_protocol.protocol import MAX_BODY_BYTES

log = logging.getLogger("habit_server")

DEV_ENV = "HABIT_SERVER_DEV"
FILE_SETTINGS = ("secret_key", "database_url", "redis_url")
"""Settings that may also be read from a file named by ``{NAME}_FILE`` (Docker secrets)."""


def default_database_url() -> str:
    """A SQLite file in the platform data directory: the embedded default for a one-family server."""
    base = Path(platformdirs.user_data_dir("habit-server", appauthor=False))
    return f"sqlite+aiosqlite:///{base / 'habit-server.db'}"


def normalise_database_url(url: str) -> str:
    """Pick the async driver for plain ``postgresql://`` and ``sqlite://`` URLs."""
    for plain in ("postgresql://", "postgres://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``TRUSTED_PROXIES``: comma-separated addresses or networks (``10.0.0.0/8, 127.0.0.1``)."""
    try:
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip())
    except ValueError as exc:
        raise ValueError(f"TRUSTED_PROXIES: {exc}") from None


class Settings(BaseSettings):
    # Fields are read from the environment by their upper-case names (DATABASE_URL, DB_POOL_SIZE, ...).
    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("HABIT_REDIS_PREFIX", "redis_prefix"),
        description="Prefix of every Redis key and channel (channels are '{prefix}user:{id}').",
    )
    secret_key: SecretStr | None = None
    dev: bool = Field(default=False, validation_alias=AliasChoices(DEV_ENV, "dev"))

    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    login_attempts_per_minute: int = Field(default=10, ge=0)
    pushes_per_minute: int = Field(default=6000, ge=0)
    max_events_per_user: int = Field(default=100_000, ge=0, description="Events one user's log may hold (0: no limit).")
    pull_page_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024, description="Pull pages end after this size.")
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    cache_ttl_seconds: int = Field(default=60, ge=0)
    db_pool_size: int = Field(default=20, ge=1)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    stream_keepalive_seconds: float = Field(default=15.0, gt=0)
    registration: Literal["open", "invite", "closed"] = "open"
    signups_per_hour: int = Field(default=10, ge=0, description="Sign-ups per client address per hour (0: no limit).")
    argon2_concurrency: int = Field(default=2, ge=1, description="Password hashes running at once per worker.")
    trusted_proxies: str = Field(
        default="", description="Comma-separated addresses or networks whose X-Forwarded-For/Forwarded is believed."
    )
    docs: bool = Field(default=True, description="Serve /docs and /redoc (their scripts come from a public CDN).")
    metrics: bool = Field(default=False, description="Serve Prometheus metrics at /metrics (unauthenticated).")
    ollama_host: str = Field(
        default="", description="Ollama's address for /habits/at-risk/ai-coach; empty: the built-in coach answers."
    )
    ollama_model: str = Field(default="", description="The coach's model; empty: the first one Ollama has.")
    ollama_timeout: float = Field(default=20.0, gt=0, le=600, description="Seconds for one answer of the model.")
    coach_concurrency: int = Field(default=2, ge=1, description="Model requests running at once per worker.")
    coach_queue_seconds: float = Field(
        default=2.0, ge=0, description="How long a request waits for a free model slot before the rules answer."
    )
    coach_budget_seconds: float = Field(
        default=30.0, gt=0, description="After this long, the habits not yet advised get the built-in coach."
    )
    log_level: str = "INFO"
    # Report delivery (habit_server.delivery): all of SQS_QUEUE_URL, S3_BUCKET and SES_SENDER, or none.
    sqs_queue_url: str = Field(default="", description="The report jobs' queue; unset: reports render in-process.")
    sqs_dlq_url: str = Field(default="", description="Where a job goes after SQS_MAX_RECEIVES failed receives.")
    sqs_max_receives: int = Field(default=5, ge=1, le=1000)
    sqs_wait_seconds: int = Field(default=20, ge=0, le=20, description="SQS long-poll wait.")
    s3_bucket: str = ""
    ses_sender: str = ""
    aws_endpoint_url: str = Field(default="", validation_alias=AliasChoices("AWS_ENDPOINT_URL", "aws_endpoint_url"))
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION", "aws_region")
    )
    report_attach_max_bytes: int = Field(default=5_000_000, ge=0, description="Larger PDFs are linked, not attached.")
    report_link_seconds: int = Field(default=7 * 86400, ge=60, le=7 * 86400, description="Presigned URLs' lifetime.")
    report_concurrency: int = Field(
        default=4, ge=1, le=64, description="Jobs a worker holds per render process (in-process: renders at once)."
    )
    report_processes: int = Field(
        default=0, ge=0, le=64, description="Render processes of `habit-server worker` (0: one per CPU)."
    )
    worker_grace_seconds: float = Field(
        default=30.0, ge=0, le=3600, description="On SIGTERM, how long the jobs in hand may finish before release."
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="The server's address as users reach it: the unsubscribe links in emails start with it.",
    )
    scheduler_interval_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="How often `habit-server scheduler` looks for emails to send."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_files(cls, data: Any) -> Any:
        """``SECRET_KEY_FILE=/run/secrets/key`` (the Docker convention): the setting is the file's content."""
        if not isinstance(data, dict):
            return data
        for name in FILE_SETTINGS:
            path = os.environ.get(f"{name.upper()}_FILE")
            if not path:
                continue
            if data.get(name) or os.environ.get(name.upper()):
                raise ValueError(f"set {name.upper()} or {name.upper()}_FILE, not both")
            try:
                data[name] = Path(path).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"{name.upper()}_FILE: cannot read {path}: {exc}") from None
        return data

    @model_validator(mode="after")
    def _finish(self) -> Settings:
        parse_networks(self.trusted_proxies)  # refuse a malformed TRUSTED_PROXIES at start
        self._check_delivery()
        self.database_url = normalise_database_url(self.database_url or default_database_url())
        if not self.redis_url:
            self.redis_url = None
        if self.secret_key is None or not self.secret_key.get_secret_value():
            if not self.dev:
                raise ValueError(f"SECRET_KEY is required (or set {DEV_ENV}=1 for a development server)")
            log.warning("development mode: using a random SECRET_KEY; tokens stop working when the server restarts")
            self.secret_key = SecretStr(secrets.token_urlsafe(32))
        elif len(self.secret_key.get_secret_value()) < 16 and not self.dev:
            raise ValueError("SECRET_KEY must be at least 16 characters")
        return self

    def _check_delivery(self) -> None:
        named = {"SQS_QUEUE_URL": self.sqs_queue_url, "S3_BUCKET": self.s3_bucket, "SES_SENDER": self.ses_sender}
        missing = [k for k, v in named.items() if not v]
        if missing and len(missing) < len(named):
            raise ValueError(
                f"report delivery needs SQS_QUEUE_URL, S3_BUCKET and SES_SENDER; missing {', '.join(missing)}"
            )
        for name, url in (("SQS_QUEUE_URL", self.sqs_queue_url), ("SQS_DLQ_URL", self.sqs_dlq_url)):
            if url and not url.startswith(("https://", "http://")):
                raise ValueError(f"{name} must be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)")
        if self.aws_endpoint_url and not self.aws_endpoint_url.startswith(("https://", "http://")):
            raise ValueError("AWS_ENDPOINT_URL must be an http:// or https:// URL")
        if not self.public_url.startswith(("https://", "http://")):
            raise ValueError("PUBLIC_URL must start with http:// or https://")
        if self.ses_sender and "@" not in self.ses_sender:
            raise ValueError("SES_SENDER must be an email address (a verified SES identity)")

    @property
    def delivery(self) -> bool:
        """Whether reports go through SQS, S3 and SES (else they render in-process and stay in the database)."""
        return bool(self.sqs_queue_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def key(self) -> str:
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()
