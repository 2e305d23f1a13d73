"""Messages of accounts, tokens and devices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$"
MIN_PASSWORD = 8
MAX_PASSWORD = 256


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class RegisterRequest(BaseModel):
    """``POST /api/v1/users``."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN, description="3-40 letters, digits, '_', '.', '-'.")
    email: str = Field(default="", max_length=254)
    nickname: str = Field(default="", max_length=80)
    password: str = Field(max_length=MAX_PASSWORD, description=f"At least {MIN_PASSWORD} characters.")


class UserUpdate(BaseModel):
    """``PUT /api/v1/users/me``. There is no ``role`` here: nobody changes their own role."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    nickname: str | None = Field(default=None, max_length=80)
    password: str | None = Field(
        default=None, max_length=MAX_PASSWORD, description=f"At least {MIN_PASSWORD} characters."
    )
    current_password: str | None = Field(default=None, max_length=MAX_PASSWORD, description="Needed to set password.")


class UserPublic(BaseModel):
    id: str
    username: str
    email: str
    nickname: str
    role: Role
    disabled: bool
    created_at: datetime


class TokenResponse(BaseModel):
    """``POST /api/v1/security/token`` and ``/security/refresh``.

    ``access_token`` is a short-lived JWT for ``Authorization: Bearer``. ``refresh_token`` is
    bound to ``device_id``; each refresh returns a new one and the old one stops working.
    """

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str
    device_id: str
    user_id: str


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class DeviceOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked: bool
    current: bool = Field(default=False, description="The device of the token making this request.")
