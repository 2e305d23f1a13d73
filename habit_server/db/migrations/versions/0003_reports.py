"""reports: PDF reports asked for over the API, rendered in-process or by the delivery worker

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=5), nullable=False, comment="week or month"),
        sa.Column("start", sa.String(length=10), nullable=False, comment="the period's first day, YYYY-MM-DD"),
        sa.Column(
            "status", sa.String(length=12), nullable=False, comment="queued, ready, sending, sent, no_email, failed"
        ),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("s3_key", sa.String(length=255), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True, comment="the PDF when there is no S3"),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("delivery_key", sa.String(length=120), nullable=False, comment="one report per key (idempotency)"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reports_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_reports_delivery_key")),
    )
    op.create_index(op.f("ix_reports_user_id"), "reports", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_user_id"), table_name="reports")
    op.drop_table("reports")
