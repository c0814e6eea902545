"""reminders sent to participants

Revision ID: 341e0cc0f21d
Revises: 7c2d9e4f1a6b
Create Date: 2026-11-23 12:15:57.696096
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base


revision: str = "341e0cc0f21d"
down_revision: str | None = "7c2d9e4f1a6b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("sent_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"], ["enrolment.id"], name=op.f("fk_reminder_enrolment_id_enrolment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "enrolment_id", "kind", "deadline", name=op.f("uq_reminder_enrolment_id_kind_deadline")
        ),
    )


def downgrade() -> None:
    op.drop_table("reminder")
