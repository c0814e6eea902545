"""findings gathered per place

The findings of safety walks and place audits: one row per spot a participant recorded in
a submitted assignment, with the place it belongs to and the status the organisation
gives it. Nothing to carry over: findings are made when assignments are submitted.

Revision ID: 286452634ac7
Revises: f97714f358f7
Create Date: 2026-11-23 14:22:51.989194
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base


revision: str = "286452634ac7"
down_revision: str | None = "f97714f358f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_when = academy.models.base.UTCDateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("part_slug", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("spot", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            _enum(
                "finding_category",
                "lighting",
                "sight-lines",
                "maintenance",
                "vegetation",
                "access-routes",
                "activity",
                "signage",
                "other",
            ),
            nullable=False,
        ),
        sa.Column("observation", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("severity", _enum("finding_severity", "high", "medium", "low"), nullable=True),
        sa.Column(
            "status",
            _enum("finding_status", "new", "planned", "done", "not_acted_on"),
            nullable=False,
        ),
        sa.Column("status_changed_by_id", sa.Integer(), nullable=True),
        sa.Column("status_changed_at", _when, nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_finding_cohort_id_cohort")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_finding_enrolment_id_enrolment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_finding_place_id_place")),
        sa.ForeignKeyConstraint(
            ["status_changed_by_id"],
            ["user.id"],
            name=op.f("fk_finding_status_changed_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["assignment_submission.id"],
            name=op.f("fk_finding_submission_id_assignment_submission"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_finding_place_id_created_at"), ["place_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_finding_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_submission_id"))
        batch_op.drop_index(batch_op.f("ix_finding_place_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_finding_enrolment_id"))
        batch_op.drop_index(batch_op.f("ix_finding_cohort_id"))
    op.drop_table("finding")
