"""finding same as

``finding.same_as_id``: a finding of a later walk that an organizer judged to be the same
problem as one of an earlier walk names that earlier finding (the first of the problem).
NULL for every existing finding. An index covers the comparison of a place's walks
(counts per round, category and severity). The downgrade drops both.

Revision ID: 78c155e22276
Revises: c4d2f6a8b0e1
Create Date: 2026-12-07 17:51:21.537251
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "78c155e22276"
down_revision: str | None = "c4d2f6a8b0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("same_as_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_finding_same_as_id"), ["same_as_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_finding_same_as_id_finding"),
            "finding",
            ["same_as_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_finding_walk_counts",
            ["place_id", "cohort_id", "category", "severity", "same_as_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_finding_walk_counts"
        )
        batch_op.drop_constraint(batch_op.f("fk_finding_same_as_id_finding"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_finding_same_as_id"))
        batch_op.drop_column("same_as_id")
