"""Messages of accounts, tokens and devices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.text import TextRule, valid_unicode
from sync_protocol.wire.rules import domain_rule, text_limits

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$"
MIN_PASSWORD = 8
INVITE_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
MAX_PASSWORD = 256
NICKNAME = TextRule("a nickname", 80, "NFKC", collapse=True)
EMAIL = TextRule("an email address", 254)
DEVICE_NAME = TextRule("a device name", 80, "NFKC", collapse=True)


def _password(value: str) -> str:
    if not valid_unicode(value):
        raise DomainError("a password must be valid Unicode text")
    return value


Nickname = Annotated[str, domain_rule(NICKNAME.clean), Field(json_schema_extra=text_limits(NICKNAME))]
Email = Annotated[str, domain_rule(EMAIL.clean), Field(json_schema_extra=text_limits(EMAIL))]
DeviceName = Annotated[str, domain_rule(DEVICE_NAME.clean), Field(json_schema_extra=text_limits(DEVICE_NAME))]
Password = Annotated[str, domain_rule(_password), Field(max_length=MAX_PASSWORD)]


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class RegisterRequest(BaseModel):
    """``POST /api/v1/users``."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN, description="3-40 letters, digits, '_', '.', '-'.")
    email: Email = ""
    nickname: Nickname = ""
    password: Password = Field(description=f"At least {MIN_PASSWORD} characters.")
    invite: str | None = Field(
        default=None,
        pattern=INVITE_PATTERN,
        description="An invite code from an admin (`habit-server invite`): needed when sign-up is by invite.",
    )


class UserUpdate(BaseModel):
    """``PUT /api/v1/users/me``. There is no ``role`` here: nobody changes their own role."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    nickname: Nickname | None = None
    password: Password | None = Field(default=None, description=f"At least {MIN_PASSWORD} characters.")
    current_password: Password | None = Field(default=None, description="Needed to set password.")


class ProfileUpdate(BaseModel):
    """``PUT /api/v1/users/{user_id}`` (the original API), for your own id: nickname and email only.

    A ``role`` is accepted as the original API documents it, and changes nothing.
    """

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    nickname: Nickname | None = None
    role: Role | None = Field(default=None, description="Ignored: nobody changes their own role.")


class PasswordCheck(BaseModel):
    """``DELETE /api/v1/users/me``: the account's password, so a stolen access token cannot delete it."""

    model_config = ConfigDict(extra="forbid")

    password: Password


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
