"""notifications: reminder and weekly-report opt-ins, and the scheduled emails already sent

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=False, comment="local time of day, HH:MM"),
        sa.Column("timezone", sa.String(length=64), nullable=False, comment="IANA name, e.g. Europe/Paris"),
        sa.Column("weekly_report", sa.Boolean(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False, comment="the weekly report's day, 0 = Monday"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "sent",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="reminder or weekly"),
        sa.Column("local_date", sa.String(length=10), nullable=False, comment="the user's date, YYYY-MM-DD"),
        sa.Column(
            "status", sa.String(length=12), nullable=False, comment="sending, sent, nothing_due, no_email, failed"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sent_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", "local_date", name=op.f("pk_sent")),
    )


def downgrade() -> None:
    op.drop_table("sent")
    op.drop_table("notification_settings")
