"""reports: the email claim's lease, and whether SQS has the report's job

``claimed_at``: when a worker claimed the email (renewed while it sends), so a dead worker's claim
can be taken over. ``job_sent_at``: when SQS acknowledged the job; a report still ``queued`` without
it after a minute is sent by the workers' sweep (``ix_reports_unsent`` finds them). Reports stored
before this revision count as sent.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = sa.text("job_sent_at IS NULL AND status = 'queued'")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column(
                "claimed_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when a worker claimed (or renewed) the email: its lease",
            )
        )
        batch.add_column(
            sa.Column(
                "job_sent_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when SQS acknowledged the report's job (none: not yet)",
            )
        )
    op.execute(sa.text("UPDATE reports SET job_sent_at = created_at"))
    op.create_index("ix_reports_unsent", "reports", ["created_at"], postgresql_where=UNSENT, sqlite_where=UNSENT)


def downgrade() -> None:
    op.drop_index("ix_reports_unsent", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("job_sent_at")
        batch.drop_column("claimed_at")
