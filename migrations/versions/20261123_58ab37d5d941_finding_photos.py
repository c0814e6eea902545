"""finding photos

The optional photo of a finding: JPEG bytes re-encoded without metadata, at most one per
finding, deleted with it. Nothing to carry over: no finding has a photo yet.

Revision ID: 58ab37d5d941
Revises: 286452634ac7
Create Date: 2026-11-23 15:19:59.839682
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base


revision: str = "58ab37d5d941"
down_revision: str | None = "286452634ac7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_photo",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
            name=op.f("fk_finding_photo_finding_id_finding"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_finding_photo_uploaded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_finding_photo")),
    )
    with op.batch_alter_table("finding_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_photo_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finding_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_photo_uploaded_by_id"))
    op.drop_table("finding_photo")
