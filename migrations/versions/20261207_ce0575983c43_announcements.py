"""announcements

- ``announcement``: a message an organizer sent to a round, or to part of it (everyone,
  a role, those not started, those behind), with its texts per language and how many
  it went to.
- ``announcement_recipient``: each person it went to (unique per announcement and
  enrolment: nobody gets it twice), whether it was mailed, and when they closed it.
- ``outbox_mail.body_html``: an HTML alternative Academy made of a mail's text (the
  announcement's links made clickable); '' for every existing mail, which stays plain text.

No existing row changes meaning. The downgrade drops the tables and the column.

Revision ID: ce0575983c43
Revises: a7c3e9f1b5d2
Create Date: 2026-12-07 18:35:21.221483
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import academy.models.base

revision: str = "ce0575983c43"
down_revision: str | None = "a7c3e9f1b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIENCES = ("everyone", "role", "not_started", "behind")
ROLES = ("official", "politician", "property_owner", "trader", "police", "other")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("audience", _enum(AUDIENCES, "announcement_audience"), nullable=False),
        sa.Column("role", _enum(ROLES, "audience_role"), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", academy.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_announcement_cohort_id_cohort")
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["user.id"], name=op.f("fk_announcement_sent_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_cohort_id_created_at"), ["cohort_id", "created_at"]
        )
        batch_op.create_index(batch_op.f("ix_announcement_sent_by_id"), ["sent_by_id"])

    op.create_table(
        "announcement_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("dismissed_at", academy.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_announcement_recipient_announcement_id_announcement"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolment.id"],
            name=op.f("fk_announcement_recipient_enrolment_id_enrolment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_recipient")),
        sa.UniqueConstraint(
            "announcement_id",
            "enrolment_id",
            name=op.f("uq_announcement_recipient_announcement_id_enrolment_id"),
        ),
    )
    with op.batch_alter_table("announcement_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_recipient_enrolment_id"), ["enrolment_id"]
        )

    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_column("body_html")
    op.drop_table("announcement_recipient")
    op.drop_table("announcement")
