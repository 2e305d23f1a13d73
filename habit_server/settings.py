"""Server settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync_protocol.wire.version import MAX_BODY_BYTES

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
    model_config = SettingsConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    database_url: str = Field(default="", validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL", "redis_url"))
    redis_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("HABIT_REDIS_PREFIX", "redis_prefix"),
        description="Prefix of every Redis key and channel (channels are '{prefix}user:{id}').",
    )
    secret_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SECRET_KEY", "secret_key"))
    dev: bool = Field(default=False, validation_alias=AliasChoices(DEV_ENV, "dev"))

    access_token_minutes: int = Field(
        default=15, ge=1, validation_alias=AliasChoices("ACCESS_TOKEN_MINUTES", "access_token_minutes")
    )
    refresh_token_days: int = Field(
        default=30, ge=1, validation_alias=AliasChoices("REFRESH_TOKEN_DAYS", "refresh_token_days")
    )
    login_attempts_per_minute: int = Field(
        default=10, ge=0, validation_alias=AliasChoices("LOGIN_ATTEMPTS_PER_MINUTE", "login_attempts_per_minute")
    )
    pushes_per_minute: int = Field(
        default=6000, ge=0, validation_alias=AliasChoices("PUSHES_PER_MINUTE", "pushes_per_minute")
    )
    max_body_bytes: int = Field(
        default=MAX_BODY_BYTES, ge=1024, validation_alias=AliasChoices("MAX_BODY_BYTES", "max_body_bytes")
    )
    cache_ttl_seconds: int = Field(
        default=60, ge=0, validation_alias=AliasChoices("CACHE_TTL_SECONDS", "cache_ttl_seconds")
    )
    db_pool_size: int = Field(default=20, ge=1, validation_alias=AliasChoices("DB_POOL_SIZE", "db_pool_size"))
    db_pool_timeout_seconds: float = Field(
        default=30.0, gt=0, validation_alias=AliasChoices("DB_POOL_TIMEOUT_SECONDS", "db_pool_timeout_seconds")
    )
    argon2_time_cost: int = Field(
        default=3, ge=1, validation_alias=AliasChoices("ARGON2_TIME_COST", "argon2_time_cost")
    )
    argon2_memory_kib: int = Field(
        default=65536, ge=8, validation_alias=AliasChoices("ARGON2_MEMORY_KIB", "argon2_memory_kib")
    )
    stream_keepalive_seconds: float = Field(
        default=15.0, gt=0, validation_alias=AliasChoices("STREAM_KEEPALIVE_SECONDS", "stream_keepalive_seconds")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))

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
