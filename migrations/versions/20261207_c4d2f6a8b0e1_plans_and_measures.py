"""plans and measures

- ``plan`` (with ``plan_place`` and ``plan_review``): an organisation's action plan,
  medborgarlöfte or SLT plan for one or several of its places over a period.
- ``measure`` (with ``measure_finding`` and ``measure_note``): one thing to be done at a
  plan's place, the findings it answers, its responsible organisation and progress notes.
- ``measure_reminder``: the due-date mails sent, unique per measure, kind and due date.

No existing row changes; the downgrade drops the new tables.

Revision ID: c4d2f6a8b0e1
Revises: b3c1e5a7d9f2
Create Date: 2026-12-07 16:22:03.483872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "c4d2f6a8b0e1"
down_revision: str | None = "b3c1e5a7d9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "action_plan",
                "citizen_promise",
                "slt_plan",
                "other",
                name="plan_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_plan_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_plan_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("expected_effect", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "decided",
                "in_progress",
                "done",
                "dropped",
                name="measure_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("dropped_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["user.id"],
            name=op.f("fk_measure_contact_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_measure_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_measure_place_id_place")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_measure_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["organisation.id"],
            name=op.f("fk_measure_responsible_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_measure_place_id"), ["place_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measure_plan_id_due_on"), ["plan_id", "due_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measure_responsible_id"), ["responsible_id"], unique=False
        )

    op.create_table(
        "plan_place",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_plan_place_place_id_place")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_place_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "place_id", name=op.f("pk_plan_place")),
    )
    with op.batch_alter_table("plan_place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_place_place_id"), ["place_id"], unique=False)

    op.create_table(
        "plan_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_review_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review")),
        sa.UniqueConstraint("plan_id", "review_on", name=op.f("uq_plan_review_plan_id_review_on")),
    )
    op.create_table(
        "measure_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_measure_note_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_note_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_note")),
    )
    with op.batch_alter_table("measure_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_note_measure_id_created_at"),
            ["measure_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "measure_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_reminder_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_reminder")),
        sa.UniqueConstraint(
            "measure_id", "kind", "due_on", name=op.f("uq_measure_reminder_measure_id_kind_due_on")
        ),
    )
    op.create_table(
        "measure_finding",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
            name=op.f("fk_measure_finding_finding_id_finding"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_finding_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "finding_id", name=op.f("pk_measure_finding")),
    )
    with op.batch_alter_table("measure_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_finding_finding_id"), ["finding_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("measure_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_finding_finding_id"))

    op.drop_table("measure_finding")
    op.drop_table("measure_reminder")
    with op.batch_alter_table("measure_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_note_measure_id_created_at"))

    op.drop_table("measure_note")
    op.drop_table("plan_review")
    with op.batch_alter_table("plan_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_place_place_id"))

    op.drop_table("plan_place")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_responsible_id"))
        batch_op.drop_index(batch_op.f("ix_measure_plan_id_due_on"))
        batch_op.drop_index(batch_op.f("ix_measure_place_id"))
        batch_op.drop_index(batch_op.f("ix_measure_contact_id"))

    op.drop_table("measure")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_organisation_id"))

    op.drop_table("plan")
