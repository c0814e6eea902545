"""measure proposals

- ``measure_proposal``: the measures participants proposed in a submitted assignment (the
  place-collaboration assignment's proposed measures), open until the place's owner
  accepts, merges or drops them.

No existing row changes: proposals are recorded from the next submission on (older
submissions have no proposed measures). The downgrade drops the table.

Revision ID: d5e7a9c1f3b2
Revises: e55affd189a0
Create Date: 2026-12-07 17:52:15.273329
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "d5e7a9c1f3b2"
down_revision: str | None = "e55affd189a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measure_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("part_slug", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("by_when", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "merged",
                "dropped",
                name="proposal_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", academy.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_measure_proposal_cohort_id_cohort")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_measure_proposal_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_measure_proposal_enrolment_id_enrolment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_proposal_measure_id_measure"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_measure_proposal_place_id_place")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["assignment_submission.id"],
            name=op.f("fk_measure_proposal_submission_id_assignment_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_proposal")),
    )
    with op.batch_alter_table("measure_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_proposal_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_proposal_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_proposal_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_proposal_place_id_status"), ["place_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_proposal_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measure_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_proposal_submission_id"))
        batch_op.drop_index(batch_op.f("ix_measure_proposal_place_id_status"))
        batch_op.drop_index(batch_op.f("ix_measure_proposal_measure_id"))
        batch_op.drop_index(batch_op.f("ix_measure_proposal_enrolment_id"))
        batch_op.drop_index(batch_op.f("ix_measure_proposal_cohort_id"))

    op.drop_table("measure_proposal")
