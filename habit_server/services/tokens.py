"""Access tokens (short-lived JWTs keyed by the immutable user id) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from habit_server.services.errors import Unauthorized
from sync_protocol.wire.errors import ErrorCode

ALGORITHM = "HS256"
ISSUER = "habit-server"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    device_id: uuid.UUID
    jti: str
    exp: int = 0
    """When the token expires (Unix seconds): a hint stream of the token closes then."""


def make_access(key: str, user_id: uuid.UUID, device_id: uuid.UUID, minutes: int) -> str:
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "did": str(device_id),
        "iat": now,
        "exp": now + minutes * 60,
        "jti": uuid.uuid4().hex,
        "iss": ISSUER,
        "typ": "access",
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


_CHECKED: dict[tuple[str, str], tuple[AccessClaims, int]] = {}
"""Tokens whose signature and claims were checked: (key, token) -> (claims, exp). A device sends the
same token with every request until it refreshes, and checking an HS256 JWT costs more than a
whole sync push's database work. Bounded; cleared when full."""
MAX_CHECKED = 10_000


def read_access(key: str, token: str) -> AccessClaims:
    """The claims of a well-signed, unexpired access token (the device and account are not read)."""
    checked = _CHECKED.get((key, token))
    if checked is not None:
        if checked[1] > time.time():
            return checked[0]
        del _CHECKED[(key, token)]
    claims, exp = _decode_access(key, token)
    if len(_CHECKED) >= MAX_CHECKED:
        _CHECKED.clear()
    _CHECKED[(key, token)] = (claims, exp)
    return claims


def _decode_access(key: str, token: str) -> tuple[AccessClaims, int]:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "did", "iat", "exp", "jti", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(ErrorCode.TOKEN_EXPIRED, "the access token has expired; refresh it") from None
    except jwt.InvalidTokenError:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the access token is not valid") from None
    try:
        if claims.get("typ") != "access":
            raise ValueError
        exp = int(claims["exp"])
        access = AccessClaims(uuid.UUID(str(claims["sub"])), uuid.UUID(str(claims["did"])), str(claims["jti"]), exp)
        return access, exp
    except ValueError:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the access token is not valid") from None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_refresh(device_id: uuid.UUID) -> tuple[str, str]:
    """A refresh token ``{device_id}.{secret}`` and the digest of its secret (all the server keeps)."""
    secret = secrets.token_urlsafe(32)
    return f"{device_id}.{secret}", digest(secret)


def read_refresh(token: str) -> tuple[uuid.UUID, str]:
    device, _, secret = token.partition(".")
    try:
        device_id = uuid.UUID(device)
    except ValueError:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the refresh token is not valid") from None
    if not secret:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the refresh token is not valid")
    return device_id, digest(secret)
