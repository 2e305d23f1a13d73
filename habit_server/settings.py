"""Server settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync_protocol.protocol import MAX_BODY_BYTES

log = logging.getLogger("habit_server")

DEV_ENV = "HABIT_SERVER_DEV"


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
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    cache_ttl_seconds: int = Field(default=60, ge=0)
    db_pool_size: int = Field(default=20, ge=1)
    db_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    stream_keepalive_seconds: float = Field(default=15.0, gt=0)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _finish(self) -> Settings:
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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def key(self) -> str:
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()
