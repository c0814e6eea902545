"""course evaluation

- ``evaluation_answer``: one anonymous answer to a round's survey: the round, the survey,
  the role and the month, never the person (a random key, no user, no enrolment, no
  time).
- ``evaluation_marker``: that an enrolment has answered or declined a survey, with no
  key or time that could join it to its answer (docs/decisions.md, "Course evaluation").
- ``cohort.evaluate_each_part``: whether the round asks the survey after each part too;
  false for existing rounds, which ask it at the end only.

The downgrade drops the tables and the column.

Revision ID: cafb74963954
Revises: d5e7a9c1f3b2
Create Date: 2026-12-07 18:34:12.408604
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cafb74963954"
down_revision: str | None = "d5e7a9c1f3b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("official", "politician", "property_owner", "trader", "police", "other")


def upgrade() -> None:
    op.create_table(
        "evaluation_answer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=80), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                *ROLES,
                name="audience_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("answered_month", sa.Date(), nullable=False),
        sa.Column("overall", sa.SmallInteger(), nullable=True),
        sa.Column("relevance", sa.SmallInteger(), nullable=True),
        sa.Column("recommend", sa.String(length=8), nullable=True),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("confidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_evaluation_answer_cohort_id_cohort")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_answer")),
    )
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_answer_cohort_id_survey"), ["cohort_id", "survey"]
        )
    op.create_table(
        "evaluation_marker",
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=80), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_evaluation_marker_enrolment_id_enrolment"),
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "survey", name=op.f("pk_evaluation_marker")),
    )
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "evaluate_each_part", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.alter_column("evaluate_each_part", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("evaluate_each_part")
    op.drop_table("evaluation_marker")
    with op.batch_alter_table("evaluation_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_answer_cohort_id_survey"))
    op.drop_table("evaluation_answer")
