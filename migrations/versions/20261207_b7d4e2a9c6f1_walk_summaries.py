"""walk summaries

``walk_summary``: a place's walks in figures, one row per place and round (the findings
counted per category and severity, the first and last finding's time), which the
comparison of walks reads instead of counting the findings on every view. Filled here
from the findings there are; the application keeps it in step from then on
(``services.places.walk_summaries``). The downgrade drops the table.

Revision ID: b7d4e2a9c6f1
Revises: 85b0d7028eeb
Create Date: 2026-12-07 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "b7d4e2a9c6f1"
down_revision: str | None = "85b0d7028eeb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    summary = op.create_table(
        "walk_summary",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("first_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_walk_summary_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["place.id"],
            name=op.f("fk_walk_summary_place_id_place"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", "cohort_id", name=op.f("pk_walk_summary")),
    )
    with op.batch_alter_table("walk_summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_summary_cohort_id"), ["cohort_id"], unique=False)
    # The findings there are, as the application counts them (walk_summaries).
    finding = sa.table(
        "finding",
        sa.column("place_id", sa.Integer),
        sa.column("cohort_id", sa.Integer),
        sa.column("category", sa.String),
        sa.column("severity", sa.String),
        sa.column("same_as_id", sa.Integer),
        sa.column("created_at", academy.models.base.UTCDateTime(timezone=True)),
    )
    tally = (
        sa.select(
            finding.c.place_id,
            finding.c.cohort_id,
            finding.c.category,
            finding.c.severity,
            sa.func.count(),
            sa.func.count(finding.c.same_as_id),
            sa.func.min(finding.c.created_at),
            sa.func.max(finding.c.created_at),
        )
        .where(finding.c.place_id.is_not(None))
        .group_by(finding.c.place_id, finding.c.cohort_id, finding.c.category, finding.c.severity)
    )
    walks: dict = {}
    for place_id, cohort_id, category, severity, found, marked, first_at, last_at in (
        op.get_bind().execute(tally).all()
    ):
        walk = walks.setdefault(
            (place_id, cohort_id),
            {
                "place_id": place_id,
                "cohort_id": cohort_id,
                "first_at": first_at,
                "last_at": last_at,
                "counts": [],
            },
        )
        walk["first_at"] = min(walk["first_at"], first_at)
        walk["last_at"] = max(walk["last_at"], last_at)
        walk["counts"].append([category, severity, found, marked])
    if walks:
        op.bulk_insert(summary, list(walks.values()))


def downgrade() -> None:
    with op.batch_alter_table("walk_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_summary_cohort_id"))
    op.drop_table("walk_summary")
