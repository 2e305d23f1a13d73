"""SQLAlchemy 2 models. They never leave habit_server: services hand out plain values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from sync_protocol.domain.fields import HABIT_FIELD_TABLE, HabitField, Storage

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(40))
    username_key: Mapped[str] = mapped_column(String(40), unique=True, comment="lower-cased username")
    email: Mapped[str] = mapped_column(String(254), default="")
    nickname: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="user")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, comment="identity of this user's log")
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0, comment="newest server_seq; row-locked on write")
    clock: Mapped[int] = mapped_column(BigInteger, default=0, comment="the server's HLC for this user")


class Device(Base):
    """A logged-in device: it holds one refresh token, rotated on every refresh."""

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    refresh_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_seq: Mapped[int] = mapped_column(BigInteger, default=0, comment="device_seq of REST-made events")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Invite(Base):
    """A single-use sign-up code (``REGISTRATION=invite``); only the digest of the code is kept."""

    __tablename__ = "invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StoredEvent(Base):
    """The per-user append-only log. ``server_seq`` is gapless per user."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("user_id", "event_id", name="uq_events_user_event"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    server_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(64))
    device_seq: Mapped[int] = mapped_column(BigInteger)
    hlc: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    schema: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text, comment="the payload as compact JSON")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


_STORAGE_TYPES: dict[Storage, type[TypeEngine[Any]]] = {
    "real": Float,
    "integer": BigInteger,
    "boolean": Boolean,
    "json": Text,
}


def field_column(field: HabitField) -> Column[Any]:
    """The column of a synced habit field, as the domain's field table describes it."""
    if field.storage == "text":
        kind: TypeEngine[Any] = String(field.size) if field.size is not None else Text()
    else:
        kind = _STORAGE_TYPES[field.storage]()
    return Column(field.name, kind, nullable=False, default=field.column_default)


class HabitRow(Base):
    """A habit as materialised from the log, with the stamp of each field's winning event.

    One column per row of the domain's field table (``sync_protocol.domain.fields``), in its order.
    """

    __table__ = Table(
        "habits",
        Base.metadata,
        Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column("id", String(36), primary_key=True),
        *(field_column(f) for f in HABIT_FIELD_TABLE),
        Column("created", Boolean, nullable=False, default=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("stamps", Text, nullable=False, default="{}", comment="field -> [hlc, device_id, event_id]"),
    )


class CheckinRow(Base):
    """One slot per (habit, date), with the stamp of the event that wrote it."""

    __tablename__ = "checkins"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    habit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    date: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    hlc: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(36))


class ReportRow(Base):
    """A PDF report asked for over the API: its state, and where the PDF is (S3, or ``pdf`` here)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_user_id", "user_id", "created_at"),
        Index(
            "ix_reports_unsent",
            "created_at",
            postgresql_where=text("job_sent_at IS NULL AND status = 'queued'"),
            sqlite_where=text("job_sent_at IS NULL AND status = 'queued'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(5), comment="week or month")
    start: Mapped[str] = mapped_column(String(10), comment="the period's first day, YYYY-MM-DD")
    status: Mapped[str] = mapped_column(String(12), comment="queued, ready, sending, sent, no_email, failed")
    error: Mapped[str] = mapped_column(Text, default="")
    s3_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, comment="the PDF when there is no S3")
    size: Mapped[int] = mapped_column(Integer, default=0)
    delivery_key: Mapped[str] = mapped_column(String(120), unique=True, comment="one report per key (idempotency)")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, comment="when a worker claimed (or renewed) the email: its lease"
    )
    job_sent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, comment="when SQS acknowledged the report's job (none: not yet)"
    )


class NotificationRow(Base):
    """A user's opt-in to reminder emails and the weekly report, at a local time of day."""

    __tablename__ = "notification_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    time: Mapped[str] = mapped_column(String(5), comment="local time of day, HH:MM")
    timezone: Mapped[str] = mapped_column(String(64), comment="IANA name, e.g. Europe/Paris")
    weekly_report: Mapped[bool] = mapped_column(Boolean, default=False)
    weekday: Mapped[int] = mapped_column(Integer, default=0, comment="the weekly report's day, 0 = Monday")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SentRow(Base):
    """One scheduled email per (user, kind, local date): the scheduler inserts it in a transaction it
    commits once SES has accepted the email (see :mod:`habit_server.services.scheduler`)."""

    __tablename__ = "sent"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True, comment="reminder or weekly")
    local_date: Mapped[str] = mapped_column(String(10), primary_key=True, comment="the user's date, YYYY-MM-DD")
    status: Mapped[str] = mapped_column(String(12), comment="sending, sent, nothing_due, no_email, failed")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Core handles on the tables, for the services' SQL expressions.
USERS = cast(Table, User.__table__)
DEVICES = cast(Table, Device.__table__)
EVENTS = cast(Table, StoredEvent.__table__)
HABITS = HabitRow.__table__
CHECKINS = cast(Table, CheckinRow.__table__)
INVITES = cast(Table, Invite.__table__)
REPORTS = cast(Table, ReportRow.__table__)
NOTIFICATIONS = cast(Table, NotificationRow.__table__)
SENT = cast(Table, SentRow.__table__)

# An event's columns as it goes out on the wire (pull, GDPR export), in order.
EVENT_WIRE_COLUMNS = (
    EVENTS.c.server_seq,
    EVENTS.c.event_id,
    EVENTS.c.device_id,
    EVENTS.c.device_seq,
    EVENTS.c.hlc,
    EVENTS.c.kind,
    EVENTS.c.schema,
    EVENTS.c.payload,
)
